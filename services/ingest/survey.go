package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
)

// Survey checks and stores health-check survey results.
type Survey struct {
	Results   *survey.Store
	Directory *reference.Directory
	Now       func() time.Time
}

// Name implements Kind.
func (s *Survey) Name() string { return submission.KindSurvey }

// Check implements Kind: the rules of survey.Validate, the organisation must be known, and only a
// steward or a survey provider may report for another organisation than its own.
func (s *Survey) Check(ctx context.Context, env submission.Envelope) (Checked, error) {
	recs, err := survey.Layout.Decode(env.Rows)
	if err != nil {
		return Checked{}, fmt.Errorf("decode survey rows: %w", err)
	}
	today := s.Now()
	outcomes := make([]outcome[survey.Stored], len(recs))
	for i, rec := range recs {
		r, errs := survey.FromRecord(rec)
		var c survey.Checked
		if len(errs) == 0 {
			c, errs = survey.Validate(r.GroupResult, today)
		}
		if r.Org != "" && len(errs) == 0 {
			if errs, err = checkOrg(ctx, s.Directory, env, r.Org, auth.RoleSurveyProvider); err != nil {
				return Checked{}, err
			}
		}
		c.Row = r
		outcomes[i] = outcome[survey.Stored]{row: r.Row, org: r.Org, period: r.Year, errs: errs,
			stored: survey.Stored{Checked: c, SubmissionID: env.ID, SubmittedBy: env.Submitter, ReceivedAt: env.ReceivedAt}}
	}
	return gather(outcomes), nil
}

// Store implements Kind.
func (s *Survey) Store(ctx context.Context, chunks []Checked) error {
	return s.Results.Insert(ctx, rowsOf[survey.Stored](chunks))
}
