package placement

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/rows"
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

// CapacityList is the JSON request body.
type CapacityList struct {
	Capacity []Capacity `json:"capacity" minItems:"1" doc:"Places per organisation, academic year and stage"`
}

// CapacityLayout is how placement capacity is read from JSON and CSV, and carried to ingest.
var CapacityLayout = rows.Layout{
	Key:      "capacity",
	Columns:  []string{"org", "academic_year", "stage", "requested", "offered", "confirmed"},
	Required: []string{"org", "academic_year", "stage"},
}

// CapacityRow is a capacity row with its place in the submission.
type CapacityRow struct {
	Row int `json:"row"`
	Capacity
}

// CapacityFromRecord reads capacity from its cells; an empty figure is not reported.
func CapacityFromRecord(r rows.Record) (CapacityRow, []submission.RowError) {
	c := r.Cells
	out := CapacityRow{Row: r.Row, Capacity: Capacity{Org: normaliseOrg(c["org"]), AcademicYear: strings.TrimSpace(c["academic_year"]),
		Stage: strings.ToLower(strings.TrimSpace(c["stage"]))}}
	errs := readCounts(r, []countField{{"requested", &out.Requested}, {"offered", &out.Offered}, {"confirmed", &out.Confirmed}})
	return out, errs
}

// Record is the inverse of CapacityFromRecord.
func (r CapacityRow) Record() rows.Record {
	return rows.Record{Row: r.Row, Cells: map[string]string{"org": r.Org, "academic_year": r.AcademicYear, "stage": r.Stage,
		"requested": countCell(r.Requested), "offered": countCell(r.Offered), "confirmed": countCell(r.Confirmed)}}
}

// NormaliseCapacity tidies a record as CapacityFromRecord does, or refuses a figure that is not
// a whole number of zero or more.
func NormaliseCapacity(r rows.Record) (rows.Record, []submission.RowError) {
	row, errs := CapacityFromRecord(r)
	return row.Record(), errs
}

// CapacityKey names what a record is about: organisation, academic year and stage.
func CapacityKey(r rows.Record) string {
	return fmt.Sprintf("organisation %s, academic year %s, stage %s", r.Cells["org"], r.Cells["academic_year"], r.Cells["stage"])
}

// ValidateCapacity applies the rules of placement capacity:
//   - organisation given; academic year YYYY/YY from 2000, at most one year ahead of today;
//     stage one of Stages;
//   - at least one figure; confirmed places at most those offered;
//   - a university reports places requested only, an employer places offered and confirmed
//     only (university tells which the organisation is, from reference data).
func ValidateCapacity(c Capacity, university bool, today time.Time) []submission.RowError {
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

// countField is an optional count and where it goes.
type countField struct {
	name string
	dst  **int
}

// readCounts reads optional counts: empty is not reported, otherwise a whole number of zero or
// more.
func readCounts(r rows.Record, fields []countField) []submission.RowError {
	var errs []submission.RowError
	for _, f := range fields {
		s := strings.TrimSpace(r.Cells[f.name])
		if s == "" {
			continue
		}
		n, err := wholeNumber(s, true)
		if err != nil {
			errs = append(errs, submission.RowError{Row: r.Row, Field: f.name, Reason: err.Error()})
			continue
		}
		*f.dst = &n
	}
	return errs
}

func countCell(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}
