package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Audit checks and stores employer audit submissions.
type Audit struct {
	Ratings   *audit.Store
	Directory *reference.Directory
	Now       func() time.Time
}

// Name implements Kind.
func (a *Audit) Name() string { return submission.KindAudit }

// Check implements Kind: the rules of audit.Validate against the embedded framework, the
// organisation must be known, and only a steward may report for another organisation than its
// own.
func (a *Audit) Check(ctx context.Context, env submission.Envelope) (Checked, error) {
	recs, err := audit.Layout.Decode(env.Rows)
	if err != nil {
		return Checked{}, fmt.Errorf("decode audit rows: %w", err)
	}
	fw, err := audit.LoadFramework()
	if err != nil {
		return Checked{}, err
	}
	today := a.Now()
	outcomes := make([]outcome[audit.Stored], len(recs))
	for i, rec := range recs {
		r := audit.FromRecord(rec)
		c, errs := audit.Validate(r.Rating, fw, today)
		if r.Org != "" && len(errs) == 0 {
			if errs, err = checkOrg(ctx, a.Directory, env, r.Org); err != nil {
				return Checked{}, err
			}
		}
		c.Row = r
		outcomes[i] = outcome[audit.Stored]{row: r.Row, org: r.Org, period: r.Cycle, errs: errs,
			stored: audit.Stored{Checked: c, SubmissionID: env.ID, SubmittedBy: env.Submitter, ReceivedAt: env.ReceivedAt}}
	}
	return gather(outcomes), nil
}

// Store implements Kind.
func (a *Audit) Store(ctx context.Context, chunks []Checked) error {
	return a.Ratings.Insert(ctx, rowsOf[audit.Stored](chunks))
}
