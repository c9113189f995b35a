package placement

import (
	"fmt"
	"time"

	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Capacity is one organisation's placement places for one academic year and stage: a
// university says how many it requests, an employer how many it offers and has confirmed.
type Capacity struct {
	Org          string `json:"org" doc:"Organisation code: a university's UKPRN (places requested) or an employer's code (places offered and confirmed); must be your own organisation" example:"E06000001"`
	AcademicYear string `json:"academic_year" pattern:"^[0-9]{4}/[0-9]{2}$" doc:"Academic year YYYY/YY, at most one year ahead" example:"2025/26"`
	Stage        string `json:"stage" enum:"skills_days,first,final" doc:"Stage the places are for"`
	Requested    *int   `json:"requested,omitempty" required:"false" minimum:"0" doc:"Places the university needs (universities only)"`
	Offered      *int   `json:"offered,omitempty" required:"false" minimum:"0" doc:"Places the employer offers (employers only)"`
	Confirmed    *int   `json:"confirmed,omitempty" required:"false" minimum:"0" doc:"Places the employer has confirmed, at most those offered (employers only)"`
}

// CapacityRow is a capacity row with its place in the submission.
type CapacityRow struct {
	Row int `json:"row"`
	Capacity
}

// ValidateCapacity applies the rules of placement capacity:
//   - organisation given; academic year YYYY/YY from 2000, at most one year ahead of today;
//     stage one of Stages;
//   - at least one figure; confirmed places at most those offered;
//   - a university reports places requested only, an employer places offered and confirmed
//     only (university tells which the organisation is, from reference data).
func ValidateCapacity(c Capacity, university bool, today time.Time) []submission.RowError {
	if errs := validateCapacity(c, today); len(errs) > 0 {
		return errs
	}
	return reportedBy(c, university)
}

// validateCapacity applies the rules of placement capacity that need no reference data.
func validateCapacity(c Capacity, today time.Time) []submission.RowError {
	var errs []submission.RowError
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if c.Org == "" {
		fail("org", "organisation is missing")
	}
	if y, err := period.ParseKind(c.AcademicYear, period.AcademicYear); err != nil {
		fail("academic_year", "%v", err)
	} else if y.Year > today.Year()+1 {
		fail("academic_year", "%s is more than a year ahead", c.AcademicYear)
	}
	oneOf(fail, "stage", c.Stage, Stages)
	if c.Requested == nil && c.Offered == nil && c.Confirmed == nil {
		fail("", "no figures: give requested, or offered and confirmed")
	}
	if c.Offered != nil && c.Confirmed != nil && *c.Confirmed > *c.Offered {
		fail("confirmed", "%d places confirmed is more than the %d offered", *c.Confirmed, *c.Offered)
	}
	return errs
}

// reportedBy refuses the figures the organisation does not report: a university (university)
// requests places, an employer offers and confirms them.
func reportedBy(c Capacity, university bool) []submission.RowError {
	var errs []submission.RowError
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if university {
		for _, f := range []struct {
			name string
			v    *int
		}{{"offered", c.Offered}, {"confirmed", c.Confirmed}} {
			if f.v != nil {
				fail(f.name, "a university reports places requested; places %s are reported by the employer", f.name)
			}
		}
	} else if c.Requested != nil {
		fail("requested", "an employer reports places offered and confirmed; places requested are reported by the university")
	}
	return errs
}
