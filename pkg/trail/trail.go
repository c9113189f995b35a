// Package trail is the access trail: who did what through the API, when, and with what outcome.
// The API records every /v1 request (every write, every read, every refusal) as a message on
// the TRAIL stream; ingest stores the records in ClickHouse; stewards read them back. Going
// through JetStream means a record survives a ClickHouse outage and the API never writes tables.
package trail

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
)

// Outcomes of a request.
const (
	Allowed = "allowed" // 2xx or 3xx
	Refused = "refused" // 4xx: not authenticated, not allowed, bad input, too many requests
	Failed  = "failed"  // 5xx
)

// Entry is one request.
type Entry struct {
	At           time.Time `json:"at"`
	RequestID    string    `json:"request_id"`
	Subject      string    `json:"subject" doc:"Token subject; empty when no valid token was given"`
	ClientID     string    `json:"client_id"`
	Org          string    `json:"org" doc:"The caller's organisation, from its token"`
	Roles        []string  `json:"roles"`
	Method       string    `json:"method"`
	Operation    string    `json:"operation" doc:"The API operation id"`
	Path         string    `json:"path"`
	TargetOrg    string    `json:"target_org" doc:"The organisation the request concerned, where there is one"`
	SubmissionID string    `json:"submission_id"`
	Status       int       `json:"status"`
	Outcome      string    `json:"outcome" enum:"allowed,refused,failed"`
	RemoteAddr   string    `json:"remote_addr"`
	Detail       string    `json:"detail"`
}

// OutcomeOf classifies an HTTP status.
func OutcomeOf(status int) string {
	switch {
	case status >= 500:
		return Failed
	case status >= 400:
		return Refused
	}
	return Allowed
}

// Note is what a handler adds to its request's record while it runs: the organisation concerned
// and the submission.
type Note struct {
	mu           sync.Mutex
	targetOrg    string
	submissionID string
	detail       string
}

type noteKey struct{}

// WithNote returns a context carrying a fresh note.
func WithNote(ctx context.Context) (context.Context, *Note) {
	n := &Note{}
	return context.WithValue(ctx, noteKey{}, n), n
}

// Annotate records, for the request of ctx, the organisation concerned and the submission (empty
// values leave what is there).
func Annotate(ctx context.Context, targetOrg, submissionID string) {
	if n, ok := ctx.Value(noteKey{}).(*Note); ok {
		n.mu.Lock()
		defer n.mu.Unlock()
		if targetOrg != "" {
			n.targetOrg = targetOrg
		}
		if submissionID != "" {
			n.submissionID = submissionID
		}
	}
}

// Explain records why a request was refused.
func Explain(ctx context.Context, detail string) {
	if n, ok := ctx.Value(noteKey{}).(*Note); ok {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.detail = detail
	}
}

// Fill copies the note into e.
func (n *Note) Fill(e *Entry) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e.TargetOrg, e.SubmissionID = n.targetOrg, n.submissionID
	if e.Detail == "" {
		e.Detail = n.detail
	}
}

// Publish sends the record without waiting for JetStream's acknowledgement; the request id is
// the message id, so a retried publish is stored once.
func Publish(js jetstream.JetStream, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := js.PublishAsync(bus.TrailSubject(e.Org), b, jetstream.WithMsgID(e.RequestID)); err != nil {
		return fmt.Errorf("record request %s: %w", e.RequestID, err)
	}
	return nil
}

// Decode reads a record from a message body.
func Decode(b []byte) (Entry, error) {
	var e Entry
	err := json.Unmarshal(b, &e)
	return e, err
}

const insertEntries = `INSERT INTO access_trail (at, request_id, subject, client_id, org, roles, method, operation, path, target_org, submission_id, status, outcome, remote_addr, detail)`

// Insert stores records in one batch.
func Insert(ctx context.Context, conn driver.Conn, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(chstore.BatchContext(ctx), insertEntries)
	if err != nil {
		return fmt.Errorf("insert access trail: %w", err)
	}
	for _, e := range entries {
		roles := e.Roles
		if roles == nil {
			roles = []string{}
		}
		if err := b.Append(e.At.UTC().Truncate(time.Second), e.RequestID, e.Subject, e.ClientID, e.Org, roles, e.Method, e.Operation,
			e.Path, e.TargetOrg, e.SubmissionID, uint16(e.Status), OutcomeOf(e.Status), e.RemoteAddr, e.Detail); err != nil {
			_ = b.Abort()
			return fmt.Errorf("insert access trail: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert access trail: %w", err)
	}
	return nil
}

// Filter selects records: by the caller's or the concerned organisation (either matches), by
// outcome, and by time; at most Limit of the newest.
type Filter struct {
	Org     string
	Outcome string
	From    time.Time
	To      time.Time
	Limit   int
	// After, when set, is the last record of the previous page: the records after it in the
	// order Query reads them.
	After *Position
}

// Position is a record's place in the order Query reads records: newest first, then by request id.
type Position struct {
	At        time.Time
	RequestID string
}

const selectEntries = `SELECT at, request_id, subject, client_id, org, roles, method, operation, path, target_org, submission_id, status, toString(outcome), remote_addr, detail
	FROM access_trail FINAL
	WHERE at >= ? AND at < ?
	  AND (? = '' OR org = ? OR target_org = ?)
	  AND (? = '' OR toString(outcome) = ?)
	  AND (? = 0 OR at < ? OR (at = ? AND request_id > ?))
	ORDER BY at DESC, request_id
	LIMIT ?`

// Query reads records, newest first (records of the same second by request id).
func Query(ctx context.Context, conn driver.Conn, f Filter) ([]Entry, error) {
	after, afterAt, afterID := uint8(0), f.From.UTC(), ""
	if f.After != nil {
		after, afterAt, afterID = 1, f.After.At.UTC(), f.After.RequestID
	}
	rows, err := conn.Query(ctx, selectEntries, f.From.UTC(), f.To.UTC(), f.Org, f.Org, f.Org, f.Outcome, f.Outcome,
		after, afterAt, afterAt, afterID, uint64(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("query access trail: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var (
			e      Entry
			status uint16
		)
		if err := rows.Scan(&e.At, &e.RequestID, &e.Subject, &e.ClientID, &e.Org, &e.Roles, &e.Method, &e.Operation, &e.Path,
			&e.TargetOrg, &e.SubmissionID, &status, &e.Outcome, &e.RemoteAddr, &e.Detail); err != nil {
			return nil, fmt.Errorf("query access trail: %w", err)
		}
		e.Status = int(status)
		out = append(out, e)
	}
	return out, rows.Err()
}
