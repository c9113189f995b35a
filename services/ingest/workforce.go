package ingest

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Workforce checks and stores workforce returns.
type Workforce struct {
	Returns   *workforce.Store
	Directory *reference.Directory
	Now       func() time.Time
}

// Name implements Kind.
func (w *Workforce) Name() string { return submission.KindWorkforce }

// Check implements Kind: the rules of workforce.Validate, the organisation must be known, and
// (again, behind the API's own check) a submitter that is not a steward may only report for
// its own organisation.
func (w *Workforce) Check(ctx context.Context, env submission.Envelope) (Checked, error) {
	rows, err := workforce.DecodeRows(env.Rows)
	if err != nil {
		return Checked{}, fmt.Errorf("decode workforce rows: %w", err)
	}
	today := w.Now()
	var (
		stored  = make([]workforce.Stored, 0, len(rows))
		res     submission.ChunkResult
		touched = map[string][]string{}
	)
	for _, r := range rows {
		errs, warns := workforce.Validate(r.Return, today)
		if r.Org != "" && len(errs) == 0 {
			if !env.Steward && r.Org != env.Org {
				errs = append(errs, submission.RowError{Field: "org", Reason: fmt.Sprintf("you may only report for %s", env.Org)})
			} else if _, ok, err := w.Directory.Lookup(ctx, r.Org); err != nil {
				return Checked{}, err
			} else if !ok {
				errs = append(errs, submission.RowError{Field: "org", Reason: fmt.Sprintf("unknown organisation %q", r.Org)})
			}
		}
		if len(errs) > 0 {
			res.Rejected = append(res.Rejected, withRow(r.Row, errs)...)
			continue
		}
		res.Warnings = append(res.Warnings, withRow(r.Row, warns)...)
		stored = append(stored, workforce.Stored{Row: r, SubmissionID: env.ID, SubmittedBy: env.Submitter, ReceivedAt: env.ReceivedAt})
		touched[r.Org] = append(touched[r.Org], r.Period)
	}
	for _, p := range touched {
		sort.Strings(p)
	}
	res.Accepted = len(stored)
	return Checked{Rows: stored, Count: len(stored), Result: res, Touched: touched}, nil
}

// Store implements Kind.
func (w *Workforce) Store(ctx context.Context, chunks []Checked) error {
	n := 0
	for _, c := range chunks {
		n += c.Count
	}
	all := make([]workforce.Stored, 0, n)
	for _, c := range chunks {
		all = append(all, c.Rows.([]workforce.Stored)...)
	}
	return w.Returns.Insert(ctx, all)
}

func withRow(row int, errs []submission.RowError) []submission.RowError {
	for i := range errs {
		errs[i].Row = row
	}
	return errs
}
