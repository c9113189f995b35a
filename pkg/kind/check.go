package kind

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Handler is how ingest checks and stores one kind's chunks.
type Handler interface {
	// Name is the kind, as on subjects: hub.submit.<name>.<org>.
	Name() string
	// Check reads the rows of each chunk of a batch and refuses those that break the rules; the
	// Batch it returns stores the rest.
	Check(ctx context.Context, chunks []submission.Envelope) Batch
}

// Batch is a batch of one kind's chunks after their checks. The rows to store stay inside it, of
// the kind's own type.
type Batch interface {
	// Chunk is the outcome of the i-th chunk's checks, or why it could not be checked (the
	// reference data could not be read, its rows could not be decoded).
	Chunk(i int) (Checked, error)
	// Store inserts, at once, the rows of every chunk checked without an error.
	Store(ctx context.Context) error
}

// Checked is a chunk after its checks: the outcome to record, and per organisation the periods
// its stored rows touch.
type Checked struct {
	Count   int
	Result  submission.ChunkResult
	Touched map[string][]string
}

// Handler implements Any.
func (k *Kind[R]) Handler(conn driver.Conn, dir Directory, now func() time.Time) Handler {
	return &handler[R]{k: k, conn: conn, dir: dir, now: now}
}

type handler[R any] struct {
	k    *Kind[R]
	conn driver.Conn
	dir  Directory
	now  func() time.Time
}

func (h *handler[R]) Name() string { return h.k.Name }

// batch is a Handler's Batch.
type batch[R any] struct {
	h      *handler[R]
	chunks []Checked
	errs   []error
	rows   []Stored[R]
}

func (b *batch[R]) Chunk(i int) (Checked, error) { return b.chunks[i], b.errs[i] }

func (b *batch[R]) Store(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	return b.h.k.Insert(ctx, b.h.conn, b.rows)
}

// Check implements Handler: each row keeps the kind's rules, then (the same check as the API's,
// again) its organisation is one the submitter may report for and is known to the hub, then the
// kind's rules against reference data.
func (h *handler[R]) Check(ctx context.Context, envs []submission.Envelope) Batch {
	b := &batch[R]{h: h, chunks: make([]Checked, len(envs)), errs: make([]error, len(envs))}
	for i, env := range envs {
		var rows []Stored[R]
		b.chunks[i], rows, b.errs[i] = h.check(ctx, env)
		b.rows = append(b.rows, rows...)
	}
	return b
}

func (h *handler[R]) check(ctx context.Context, env submission.Envelope) (Checked, []Stored[R], error) {
	wire, err := submission.Unpack(env.Rows)
	if err != nil {
		return Checked{}, nil, fmt.Errorf("decode %s rows: %w", h.k.Name, err)
	}
	rows, err := h.k.Format.Decode(wire)
	if err != nil {
		return Checked{}, nil, fmt.Errorf("decode %s rows: %w", h.k.Name, err)
	}
	ref := Ref{Orgs: h.dir, Today: h.now()}
	caller := EnvelopeCaller(env)
	var (
		stored  = make([]Stored[R], 0, len(rows))
		res     submission.ChunkResult
		touched = map[string][]string{}
	)
	for _, r := range rows {
		errs, warns, err := h.row(ctx, ref, caller, &r.Value)
		if err != nil {
			return Checked{}, nil, err
		}
		if len(errs) > 0 {
			res.Rejected = append(res.Rejected, numbered(r.Num, errs)...)
			continue
		}
		res.Warnings = append(res.Warnings, numbered(r.Num, warns)...)
		stored = append(stored, Stored[R]{Row: r, Received: Received{SubmissionID: env.ID, SubmittedBy: env.Submitter, ReceivedAt: env.ReceivedAt}})
		org := h.k.Org(&r.Value)
		touched[org] = append(touched[org], h.k.Period(&r.Value))
	}
	for org, ps := range touched {
		slices.Sort(ps)
		touched[org] = slices.Compact(ps)
	}
	res.Accepted = len(stored)
	return Checked{Count: len(stored), Result: res, Touched: touched}, stored, nil
}

func (h *handler[R]) row(ctx context.Context, ref Ref, c Caller, v *R) (errs, warns []submission.RowError, err error) {
	if errs, warns = h.k.Validate(v, ref.Today); len(errs) > 0 {
		return errs, nil, nil
	}
	org := h.k.Org(v)
	if !h.k.Policy.Allows(c, org) {
		return []submission.RowError{{Field: "org", Reason: fmt.Sprintf("you may only report for %s", c.Org)}}, nil, nil
	}
	o, ok, err := ref.Orgs.Lookup(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return []submission.RowError{{Field: "org", Reason: fmt.Sprintf("unknown organisation %q", org)}}, nil, nil
	}
	if h.k.Refer != nil {
		if errs, err = h.k.Refer(ctx, ref, o, v); err != nil || len(errs) > 0 {
			return errs, nil, err
		}
	}
	return nil, warns, nil
}

// EnvelopeCaller is the submitter of a chunk, as the API took it from its token.
func EnvelopeCaller(env submission.Envelope) Caller {
	roles := env.Roles
	if env.Steward && !slices.Contains(roles, auth.RoleSteward) {
		roles = append(slices.Clone(roles), auth.RoleSteward)
	}
	return Caller{Roles: roles, Org: env.Org}
}

func numbered(row int, errs []submission.RowError) []submission.RowError {
	for i := range errs {
		errs[i].Row = row
	}
	return errs
}
