package api

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/sheet"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/tracing"
	"github.com/partnership-hub/hub/pkg/trail"
)

// SubmissionRef is the answer to a submission: where to follow it.
type SubmissionRef struct {
	ID        string `json:"id" doc:"Submission id"`
	Status    string `json:"status" enum:"pending,accepted,partially_accepted,rejected" doc:"pending until ingest has checked and stored every row; a repeat answers the status of the earlier submission"`
	StatusURL string `json:"status_url" doc:"Poll this for the outcome of every row"`
	Rows      int    `json:"rows" doc:"Rows received"`
	Repeat    bool   `json:"repeat,omitempty" doc:"True when this Idempotency-Key (or the same body) was queued before: the earlier submission is returned, with its status now, and nothing is stored twice"`
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

// Error lists are read a page at a time (see cursor.go): errorsPage problems by default, at most
// maxErrorsPage.
const (
	errorsPage    = 1000
	maxErrorsPage = 10000
)

type errorsInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Submission id"`
	Limit  int    `query:"limit" minimum:"1" maximum:"10000" default:"1000" doc:"At most this many errors and warnings a page (at most 10,000), by row; with Accept: text/csv every one, in one file"`
	Cursor string `query:"cursor" maxLength:"500" pattern:"^[A-Za-z0-9_-]*$" doc:"Where the page starts: the next_cursor of the previous page; empty for the first page"`
	Accept string `header:"Accept" doc:"application/json (default), or text/csv for the whole report"`
}

// ErrorsPage is a page of a submission's errors list.
type ErrorsPage struct {
	ID         string                  `json:"id" doc:"Submission id"`
	Errors     []submission.RowProblem `json:"errors" doc:"Errors of refused rows and warnings on stored rows, by row"`
	NextCursor string                  `json:"next_cursor,omitempty" doc:"Give it as cursor= for the next page; absent on the last page"`
}

// errorsReportColumns are the columns of the whole report, as the CLI's --errors-csv writes it.
var errorsReportColumns = []string{"row", "field", "reason", "severity"}

func registerSubmissions(api huma.API, d *Deps) {
	huma.Register(api, huma.Operation{
		OperationID: "get-submission",
		Method:      http.MethodGet,
		Path:        "/v1/submissions/{id}",
		Summary:     "Follow a submission",
		Description: fmt.Sprintf("Pending until ingest has checked and stored every row; then accepted, partially_accepted or rejected, with the counts of rows stored and refused, and the first %d errors and warnings (row, field and reason); `errors_url` lists them all. Only the client that made the submission (or a steward) may read it.", submission.StatusErrors),
		Tags:        []string{"Submissions"},
		Security:    secured,
	}, func(ctx context.Context, in *statusInput) (*statusOutput, error) {
		m, err := followed(ctx, d, in.ID)
		if err != nil {
			return nil, err
		}
		st, err := d.Status.StatusOf(ctx, m)
		if err != nil {
			return nil, errInternal(d.Log, "could not read the submission", err)
		}
		return &statusOutput{Body: st}, nil
	})

	pageSchema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ErrorsPage](), true, "")
	huma.Register(api, huma.Operation{
		OperationID: "get-submission-errors",
		Method:      http.MethodGet,
		Path:        "/v1/submissions/{id}/errors",
		Summary:     "A submission's errors and warnings",
		Description: "Every error of a refused row and every warning on a stored row, by row, a page at a time: `limit=` a page (1,000 by default, at most 10,000); `next_cursor` (and the `Link` header, rel=\"next\") gives the next page. " +
			"With `Accept: text/csv`, the whole report in one file (row, field, reason, severity) to open in a spreadsheet and fix the rows. While the submission is pending, the rows of chunks not yet checked are not listed yet. Only the client that made the submission (or a steward) may read it.",
		Tags:     []string{"Submissions"},
		Security: secured,
		Responses: map[string]*huma.Response{"200": {
			Description: "The errors and warnings",
			Headers:     map[string]*huma.Param{"Link": {Description: `The next page, rel="next", when there is one`, Schema: &huma.Schema{Type: huma.TypeString}}},
			Content: map[string]*huma.MediaType{
				mediaJSON: {Schema: pageSchema},
				mediaCSV:  {Schema: &huma.Schema{Type: huma.TypeString, Description: "Every error and warning, one a row, with the header row row,field,reason,severity"}},
			},
		}},
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusNotAcceptable, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *errorsInput) (*huma.StreamResponse, error) {
		m, err := followed(ctx, d, in.ID)
		if err != nil {
			return nil, err
		}
		format, err := negotiate(in.Accept, mediaJSON, mediaCSV)
		if err != nil {
			return nil, err
		}
		if format == mediaCSV {
			return errorsReport(ctx, d, m), nil
		}
		var at submission.Position
		if in.Cursor != "" {
			if err := decodeCursor(in.Cursor, &at); err != nil {
				return nil, err
			}
		}
		limit := min(cmp.Or(in.Limit, errorsPage), maxErrorsPage)
		page := ErrorsPage{ID: m.ID, Errors: []submission.RowProblem{}}
		err = d.Status.Problems(ctx, m, at, func(pos submission.Position, p submission.RowProblem) bool {
			if len(page.Errors) == limit {
				page.NextCursor = encodeCursor(pos)
				return false
			}
			page.Errors = append(page.Errors, p)
			return true
		})
		if err != nil {
			return nil, errInternal(d.Log, "could not read the submission", err)
		}
		b, err := json.Marshal(page)
		if err != nil {
			return nil, errInternal(d.Log, "could not write the errors", err)
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			hc.SetHeader("Content-Type", mediaJSON)
			if u := hc.URL(); page.NextCursor != "" {
				hc.SetHeader("Link", nextLink(u.Path, u.Query(), page.NextCursor))
			}
			hc.SetStatus(http.StatusOK)
			_, _ = hc.BodyWriter().Write(b)
		}}, nil
	})
}

// followed reads the meta record of a submission the caller may follow: the access rule of its
// status and its errors list (authz.MayFollow).
func followed(ctx context.Context, d *Deps, id string) (submission.Meta, error) {
	p, err := principal(ctx)
	if err != nil {
		return submission.Meta{}, err
	}
	trail.Annotate(ctx, "", id)
	m, err := d.Status.Meta(ctx, id)
	if errors.Is(err, submission.ErrNotFound) {
		return m, huma.Error404NotFound("no such submission")
	}
	if err != nil {
		return m, errInternal(d.Log, "could not read the submission", err)
	}
	trail.Annotate(ctx, m.Org, "")
	if err := authz.MayFollow(p, m.Submitter); err != nil {
		return m, refusal(err)
	}
	return m, nil
}

// writeReportLine writes one line of the errors report.
func writeReportLine(w *sheet.Writer, p submission.RowProblem) error {
	return w.Write([]string{strconv.Itoa(p.Row), p.Field, p.Reason, p.Severity})
}

// errorsReport writes a submission's every error and warning as CSV for a spreadsheet (through
// package sheet), one chunk's results at a time as they are read.
func errorsReport(ctx context.Context, d *Deps, m submission.Meta) *huma.StreamResponse {
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", "text/csv; charset=utf-8")
		hc.SetHeader("Content-Disposition", `attachment; filename="submission-`+m.ID+`-errors.csv"`)
		hc.SetStatus(http.StatusOK)
		w := sheet.NewWriter(hc.BodyWriter())
		werr := w.Write(errorsReportColumns)
		err := d.Status.Problems(ctx, m, submission.Position{}, func(_ submission.Position, p submission.RowProblem) bool {
			werr = writeReportLine(w, p)
			return werr == nil
		})
		if err == nil {
			err = cmp.Or(werr, w.Flush())
		}
		if err != nil {
			// The answer has begun: it ends short, and the log says why.
			d.Log.Error("could not write a submission's errors report", "id", m.ID, "err", err)
		}
	}}
}

// publishWindow is how many chunks may wait for JetStream's acknowledgement at once: enough to
// keep the stream busy, few enough that memory does not grow with the submission.
const publishWindow = 16

// publish records a submission and sends its chunks, read back from the spool one at a time, to
// JetStream. The idempotency key (the client's Idempotency-Key, or else the hash of the body) is
// scoped to the caller, so one client's key never collides with another's; sending the same key
// and body again returns the first submission, the same key with another body is refused, and
// JetStream's duplicate window drops any chunk already sent (its Nats-Msg-Id is the key and the
// chunk's number).
func publish(ctx context.Context, d *Deps, p auth.Principal, name, idemKey string, bodyHash [32]byte, sp *spool, rows int) (*submitOutput, error) {
	hashText := hex.EncodeToString(bodyHash[:])
	if idemKey == "" {
		idemKey = "body:" + hashText
	}
	scoped := sha256.Sum256([]byte(p.Subject + "\x00" + name + "\x00" + idemKey))
	key := hex.EncodeToString(scoped[:])

	id, fresh, err := d.Status.Claim(ctx, key, uuid.NewString(), hashText)
	if errors.Is(err, submission.ErrKeyReused) {
		return nil, huma.Error422UnprocessableEntity("this Idempotency-Key was used for a different body in the last 24 hours")
	}
	if err != nil {
		return nil, errInternal(d.Log, "could not record the submission", err)
	}
	trail.Annotate(ctx, p.Org, id)
	ref := SubmissionRef{ID: id, Status: submission.StatusPending, StatusURL: "/v1/submissions/" + id, Rows: rows}
	if !fresh {
		// A repeat of a submission queued before answers where that submission stands now.
		m, st, err := d.Status.Status(ctx, id)
		switch {
		case err == nil && m.Published:
			ref.Status, ref.Repeat = st.Status, true
			d.Metrics.Submission(name, metrics.SubmissionRepeat)
			return &submitOutput{Location: ref.StatusURL, Body: ref}, nil
		case err != nil && !errors.Is(err, submission.ErrNotFound):
			return nil, errInternal(d.Log, "could not read the submission", err)
		}
		// The first attempt stopped before it was queued (its client went away, publishing
		// failed): this one queues it, so it is no repeat. Every chunk is sent again; JetStream
		// drops any the first attempt did send.
	}
	meta := submission.Meta{ID: id, Kind: name, Org: p.Org, Submitter: p.Subject, ReceivedAt: d.Now().UTC(),
		Rows: rows, Chunks: sp.n, BodyHash: hashText}
	if err := d.Status.PutMeta(ctx, meta); err != nil {
		return nil, errInternal(d.Log, "could not record the submission", err)
	}
	steward := p.HasRole(auth.RoleSteward)
	var waiting []jetstream.PubAckFuture
	acked := func(f jetstream.PubAckFuture) error {
		select {
		case <-f.Ok():
			return nil
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err = sp.each(func(i int, c kind.Chunk) error {
		env := submission.Envelope{ID: id, Kind: name, Org: p.Org, Submitter: p.Subject, Steward: steward, Roles: p.Roles,
			Chunk: i, Chunks: sp.n, ReceivedAt: meta.ReceivedAt, Rows: c.Rows, Rejected: c.Rejected}
		b, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("encode chunk %d: %w", i, err)
		}
		msg := nats.NewMsg(bus.SubmitSubject(name, p.Org))
		msg.Data = b
		msg.Header.Set(nats.MsgIdHdr, fmt.Sprintf("%s:%d", key, i))
		msg.Header.Set(bus.HeaderSubmission, id)
		tracing.Inject(ctx, msg.Header)
		f, err := d.JS.PublishMsgAsync(msg)
		if err != nil {
			return err
		}
		if waiting = append(waiting, f); len(waiting) >= publishWindow {
			err, waiting = acked(waiting[0]), waiting[1:]
		}
		return err
	})
	for _, f := range waiting {
		err = cmp.Or(err, acked(f))
	}
	if err != nil {
		return nil, errInternal(d.Log, "could not queue the submission", err)
	}
	meta.Published = true
	if err := d.Status.PutMeta(ctx, meta); err != nil {
		return nil, errInternal(d.Log, "could not record the submission", err)
	}
	d.Metrics.Submission(name, metrics.SubmissionQueued)
	d.Log.Info("submission queued", "id", id, "kind", name, "org", p.Org, "client", p.ClientID, "rows", rows, "chunks", sp.n)
	return &submitOutput{Location: ref.StatusURL, Body: ref}, nil
}
