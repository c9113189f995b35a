// Package bus holds the hub's JetStream layout: subjects, streams, key-value buckets and the
// embedded server used by the all-in-one mode and by tests.
//
// Subjects are hub.<verb>.<kind>.<org>. The organisation token is always set by the API from the
// verified token, never taken from a message body.
package bus

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream, bucket and header names.
const (
	StreamSubmissions = "SUBMISSIONS"
	StreamEvents      = "EVENTS"
	StreamDeadLetter  = "DEADLETTER"
	StreamTrail       = "TRAIL"

	BucketStatus      = "submission-status"
	BucketIdempotency = "submission-keys"

	HeaderReason          = "Hub-Deadletter-Reason"
	HeaderOriginalSubject = "Hub-Original-Subject"
	HeaderDeliveries      = "Hub-Deliveries"
	HeaderSubmission      = "Hub-Submission"
)

// DuplicateWindow is how long JetStream remembers a Nats-Msg-Id, and how long an
// Idempotency-Key is honoured.
const DuplicateWindow = 24 * time.Hour

// MaxPayload is the largest message the hub sends; chunks of rows stay well below it.
const MaxPayload = 8 << 20

// SubmitSubject is where the API publishes a chunk of a submission.
func SubmitSubject(kind, org string) string { return "hub.submit." + kind + "." + Token(org) }

// SubmitFilter matches every organisation's chunks of one kind: a consumer's filter.
func SubmitFilter(kind string) string { return "hub.submit." + kind + ".*" }

// StoredSubject is where ingest announces rows stored for an organisation.
func StoredSubject(kind, org string) string { return "hub.stored." + kind + "." + Token(org) }

// StoredFilter matches every organisation's stored events of one kind.
func StoredFilter(kind string) string { return "hub.stored." + kind + ".*" }

// RejectedSubject is where ingest announces rows refused for an organisation.
func RejectedSubject(kind, org string) string { return "hub.rejected." + kind + "." + Token(org) }

// TrailSubject is where the API records, on the access trail, one request of a caller from org.
func TrailSubject(org string) string { return "hub.trail." + Token(org) }

// TrailFilter matches every access-trail record.
const TrailFilter = "hub.trail.>"

// DeadLetterSubject is where a message that cannot be processed is parked with its reason.
func DeadLetterSubject(kind string) string { return "hub.deadletter." + kind }

// Token makes an organisation code safe as one subject token; an empty one (a steward acting
// for no organisation) becomes "hub".
func Token(org string) string {
	if org == "" {
		return "hub"
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t', '\n', '\r':
			return '_'
		}
		return r
	}, org)
}

// Setup creates or updates every stream and bucket the hub uses. It is safe to call from every
// service at start-up.
func Setup(ctx context.Context, js jetstream.JetStream, replicas int) error {
	if replicas < 1 {
		replicas = 1
	}
	streams := []jetstream.StreamConfig{
		{
			Name:        StreamSubmissions,
			Description: "Chunks of submitted rows, waiting for ingest",
			Subjects:    []string{"hub.submit.>"},
			Storage:     jetstream.FileStorage,
			Duplicates:  DuplicateWindow,
			MaxAge:      7 * 24 * time.Hour,
			MaxMsgSize:  MaxPayload,
			Replicas:    replicas,
		},
		{
			Name:        StreamEvents,
			Description: "Rows stored or refused, for the benchmark service",
			Subjects:    []string{"hub.stored.>", "hub.rejected.>"},
			Storage:     jetstream.FileStorage,
			MaxAge:      7 * 24 * time.Hour,
			Replicas:    replicas,
		},
		{
			Name:        StreamTrail,
			Description: "The access trail: one record per API request, until ingest stores it",
			Subjects:    []string{TrailFilter},
			Storage:     jetstream.FileStorage,
			Duplicates:  10 * time.Minute,
			MaxAge:      30 * 24 * time.Hour,
			Replicas:    replicas,
		},
		{
			Name:        StreamDeadLetter,
			Description: "Messages that could not be processed, with the reason in headers",
			Subjects:    []string{"hub.deadletter.>"},
			Storage:     jetstream.FileStorage,
			MaxMsgSize:  MaxPayload,
			Replicas:    replicas,
		},
	}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	buckets := []jetstream.KeyValueConfig{
		{Bucket: BucketStatus, Description: "Submission status and per-chunk results", Storage: jetstream.FileStorage, TTL: 90 * 24 * time.Hour, MaxValueSize: MaxPayload, Replicas: replicas},
		{Bucket: BucketIdempotency, Description: "Idempotency keys seen in the last 24 hours", Storage: jetstream.FileStorage, TTL: DuplicateWindow, Replicas: replicas},
	}
	for _, cfg := range buckets {
		if _, err := js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
			return fmt.Errorf("bucket %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}
