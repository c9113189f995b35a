package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/tracing"
	"github.com/partnership-hub/hub/pkg/trail"
)

// SubmissionRef is the answer to a submission: where to follow it.
type SubmissionRef struct {
	ID        string `json:"id" doc:"Submission id"`
	Status    string `json:"status" enum:"pending,accepted,partially_accepted,rejected" doc:"pending until ingest has checked and stored every row"`
	StatusURL string `json:"status_url" doc:"Poll this for the outcome of every row"`
	Rows      int    `json:"rows" doc:"Rows received"`
	Repeat    bool   `json:"repeat,omitempty" doc:"True when this Idempotency-Key (or the same body) came before: the earlier submission is returned and nothing is stored twice"`
}

type submitOutput struct {
	Location string `header:"Location"`
	Body     SubmissionRef
}

type statusInput struct {
	ID string `path:"id" maxLength:"64" doc:"Submission id"`
}

type statusOutput struct {
	Body submission.Status
}

func registerSubmissions(api huma.API, d *Deps) {
	huma.Register(api, huma.Operation{
		OperationID: "get-submission",
		Method:      http.MethodGet,
		Path:        "/v1/submissions/{id}",
		Summary:     "Follow a submission",
		Description: "Pending until ingest has checked and stored every row; then accepted, partially_accepted or rejected, with every refused row's number, field and reason. Only the client that made the submission (or a steward) may read it.",
		Tags:        []string{"Submissions"},
		Security:    secured,
	}, func(ctx context.Context, in *statusInput) (*statusOutput, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		trail.Annotate(ctx, "", in.ID)
		m, st, err := d.Status.Status(ctx, in.ID)
		if errors.Is(err, submission.ErrNotFound) {
			return nil, huma.Error404NotFound("no such submission")
		}
		if err != nil {
			return nil, errInternal(d.Log, "could not read the submission", err)
		}
		trail.Annotate(ctx, m.Org, "")
		if err := authz.MayFollow(p, m.Submitter); err != nil {
			return nil, refusal(err)
		}
		return &statusOutput{Body: st}, nil
	})
}

// publish records a submission and sends its chunks to JetStream. The idempotency key (the
// client's Idempotency-Key, or else a hash of the body) is scoped to the caller, so one
// client's key never collides with another's; sending the same key and body again returns
// the first submission, and JetStream's duplicate window drops any chunk already sent.
func publish(ctx context.Context, d *Deps, p auth.Principal, name, idemKey string, body []byte, chunks []kind.Chunk, rows int) (*submitOutput, error) {
	bodyHash := sha256.Sum256(body)
	if idemKey == "" {
		idemKey = "body:" + hex.EncodeToString(bodyHash[:])
	}
	scoped := sha256.Sum256([]byte(p.Subject + "\x00" + name + "\x00" + idemKey))
	key := hex.EncodeToString(scoped[:])

	id, fresh, err := d.Status.Claim(ctx, key, uuid.NewString(), hex.EncodeToString(bodyHash[:]))
	if errors.Is(err, submission.ErrKeyReused) {
		return nil, huma.Error422UnprocessableEntity("this Idempotency-Key was used for a different body in the last 24 hours")
	}
	if err != nil {
		return nil, errInternal(d.Log, "could not record the submission", err)
	}
	trail.Annotate(ctx, p.Org, id)
	ref := SubmissionRef{ID: id, Status: submission.StatusPending, StatusURL: "/v1/submissions/" + id, Rows: rows, Repeat: !fresh}
	if !fresh {
		if m, err := d.Status.Meta(ctx, id); err == nil && m.Published {
			d.Metrics.Submission(name, metrics.SubmissionRepeat)
			return &submitOutput{Location: ref.StatusURL, Body: ref}, nil
		}
		// The first attempt stopped half-way: send every chunk again; JetStream drops repeats.
	}
	meta := submission.Meta{ID: id, Kind: name, Org: p.Org, Submitter: p.Subject, ReceivedAt: d.Now().UTC(),
		Rows: rows, Chunks: len(chunks), BodyHash: hex.EncodeToString(bodyHash[:])}
	if err := d.Status.PutMeta(ctx, meta); err != nil {
		return nil, errInternal(d.Log, "could not record the submission", err)
	}
	steward := p.HasRole(auth.RoleSteward)
	acks := make([]jetstream.PubAckFuture, 0, len(chunks))
	for i, c := range chunks {
		env := submission.Envelope{ID: id, Kind: name, Org: p.Org, Submitter: p.Subject, Steward: steward, Roles: p.Roles,
			Chunk: i, Chunks: len(chunks), ReceivedAt: meta.ReceivedAt, Rows: c.Rows, Rejected: c.Rejected}
		b, err := json.Marshal(env)
		if err != nil {
			return nil, errInternal(d.Log, "could not encode the submission", err)
		}
		msg := nats.NewMsg(bus.SubmitSubject(name, p.Org))
		msg.Data = b
		msg.Header.Set(nats.MsgIdHdr, fmt.Sprintf("%s:%d", key, i))
		msg.Header.Set(bus.HeaderSubmission, id)
		tracing.Inject(ctx, msg.Header)
		f, err := d.JS.PublishMsgAsync(msg)
		if err != nil {
			return nil, errInternal(d.Log, "could not queue the submission", err)
		}
		acks = append(acks, f)
	}
	for _, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return nil, errInternal(d.Log, "could not queue the submission", err)
		case <-ctx.Done():
			return nil, errInternal(d.Log, "could not queue the submission", ctx.Err())
		}
	}
	meta.Published = true
	if err := d.Status.PutMeta(ctx, meta); err != nil {
		return nil, errInternal(d.Log, "could not record the submission", err)
	}
	d.Metrics.Submission(name, metrics.SubmissionQueued)
	d.Log.Info("submission queued", "id", id, "kind", name, "org", p.Org, "client", p.ClientID, "rows", rows, "chunks", len(chunks))
	return &submitOutput{Location: ref.StatusURL, Body: ref}, nil
}
