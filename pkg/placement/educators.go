package placement

import (
	"fmt"
	"time"

	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Educators is an employer's practice educators for one period.
type Educators struct {
	Org               string `json:"org" doc:"Employer's organisation code; must be your own organisation" example:"E06000001"`
	Period            string `json:"period" doc:"Reporting year YYYY (snapshot at 30 September) or quarter YYYY-Qn, not ending after today" example:"2025"`
	Stage1            *int   `json:"stage1,omitempty" required:"false" minimum:"0" doc:"Practice educators qualified at stage 1"`
	Stage2            *int   `json:"stage2,omitempty" required:"false" minimum:"0" doc:"Practice educators qualified at stage 2"`
	Active            *int   `json:"active,omitempty" required:"false" minimum:"0" doc:"Practice educators who supported a student this year; at most stage 1 plus stage 2"`
	StudentsSupported *int   `json:"students_supported,omitempty" required:"false" minimum:"0" doc:"Students they supported this year"`
}

// EducatorsRow is a practice educators row with its place in the submission.
type EducatorsRow struct {
	Row int `json:"row"`
	Educators
}

// ValidateEducators applies the rules of practice educators. Errors refuse the row; warnings
// keep it. The rules:
//   - organisation given; period YYYY or YYYY-Qn from 2000, not ending after today;
//   - at least one figure; active educators at most stage 1 plus stage 2 educators;
//   - warning only: students supported with no active educator.
func ValidateEducators(e Educators, today time.Time) (errs, warns []submission.RowError) {
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if e.Org == "" {
		fail("org", "organisation is missing")
	}
	if p, err := period.ParseKind(e.Period, period.Year, period.Quarter); err != nil {
		fail("period", "%v", err)
	} else if err := p.NotAfter(today); err != nil {
		fail("period", "%v", err)
	}
	if e.Stage1 == nil && e.Stage2 == nil && e.Active == nil && e.StudentsSupported == nil {
		fail("", "no figures: give at least one")
	}
	if e.Active != nil && e.Stage1 != nil && e.Stage2 != nil && *e.Active > *e.Stage1+*e.Stage2 {
		fail("active", "%d active is more than the %d stage 1 and %d stage 2 practice educators", *e.Active, *e.Stage1, *e.Stage2)
	}
	if len(errs) > 0 {
		return errs, nil
	}
	if e.StudentsSupported != nil && *e.StudentsSupported > 0 && e.Active != nil && *e.Active == 0 {
		warns = append(warns, submission.RowError{Field: "students_supported", Reason: fmt.Sprintf("%d students supported but no active practice educator", *e.StudentsSupported)})
	}
	return nil, warns
}
