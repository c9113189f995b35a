// Package demand is the service demand kind: per local authority and reporting year, the demand
// that children's social workers meet, as the Department for Education publishes it: children in
// need (at 31 March, episodes in the year, started, ended, awaiting assessment), children looked
// after (at 31 March, starting, ceasing) and the child population aged 0–17.
//
// The demand year ends on 31 March; the workforce snapshot is at 30 September. Reporting year
// YYYY of demand (the year to 31 March YYYY) is compared with the workforce snapshot of 30
// September YYYY, under the same label, as the DfE's own outcomes and enablers dashboard does:
// the snapshot meets the demand of the latest year counted before it, six months earlier, and no
// figure is interpolated or taken from a year not yet published.
package demand

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Return is one local authority's demand figures for one reporting year.
type Return struct {
	Org    string `json:"org" doc:"Local authority's ONS code (E06/E08/E09/E10)" example:"E06000001"`
	Period string `json:"period" doc:"Reporting year YYYY: the year to 31 March YYYY (compared with the workforce snapshot of 30 September YYYY)" example:"2025"`

	CINAt31March          measure.Value `json:"cin_at_31_march" required:"false" doc:"Children in need at 31 March (DfE At31_episodes)"`
	CINEpisodes           measure.Value `json:"cin_episodes" required:"false" doc:"Episodes of need open at any point in the year (Anypoint_episodes)"`
	CINChildren           measure.Value `json:"cin_children" required:"false" doc:"Children in need at any point in the year (Anypoint_child)"`
	CINStarted            measure.Value `json:"cin_started" required:"false" doc:"Episodes of need started in the year (Started_episodes)"`
	CINStartedChildren    measure.Value `json:"cin_started_children" required:"false" doc:"Children starting an episode of need in the year (Started_child)"`
	CINEnded              measure.Value `json:"cin_ended" required:"false" doc:"Episodes of need ended in the year (Ended_episodes)"`
	CINEndedChildren      measure.Value `json:"cin_ended_children" required:"false" doc:"Children ending an episode of need in the year (Ended_child)"`
	CINAwaitingAssessment measure.Value `json:"cin_awaiting_assessment" required:"false" doc:"Referrals awaiting assessment at 31 March (awaiting_assessment)"`
	CLAAt31March          measure.Value `json:"cla_at_31_march" required:"false" doc:"Children looked after on 31 March"`
	CLAStarted            measure.Value `json:"cla_started" required:"false" doc:"Children starting to be looked after in the year"`
	CLACeased             measure.Value `json:"cla_ceased" required:"false" doc:"Children ceasing to be looked after in the year"`
	ChildPopulation       measure.Value `json:"child_population" required:"false" doc:"Children aged 0–17: the ONS mid-year estimate the DfE uses for its rates"`
}

// Field is one figure: its column name, the DfE published columns it is read from, and where it
// lives in a Return. Every figure counts children or episodes: a whole number, zero or more.
type Field struct {
	Name string
	// Column is the column of the DfE children in need file (table B1) that holds it, or
	// PopulationType the population_type of the DfE children looked after file (lower case).
	Column, PopulationType string
	Of                     func(*Return) *measure.Value
}

// The population types of the DfE children looked after file.
const (
	dfeLookedAfter = "children looked after on 31 march each year"
	dfeStarting    = "children starting to be looked after each year"
	dfeCeasing     = "children ceasing to be looked after each year"
)

// Fields lists every figure in column order.
var Fields = []Field{
	{"cin_at_31_march", "at31_episodes", "", func(r *Return) *measure.Value { return &r.CINAt31March }},
	{"cin_episodes", "anypoint_episodes", "", func(r *Return) *measure.Value { return &r.CINEpisodes }},
	{"cin_children", "anypoint_child", "", func(r *Return) *measure.Value { return &r.CINChildren }},
	{"cin_started", "started_episodes", "", func(r *Return) *measure.Value { return &r.CINStarted }},
	{"cin_started_children", "started_child", "", func(r *Return) *measure.Value { return &r.CINStartedChildren }},
	{"cin_ended", "ended_episodes", "", func(r *Return) *measure.Value { return &r.CINEnded }},
	{"cin_ended_children", "ended_child", "", func(r *Return) *measure.Value { return &r.CINEndedChildren }},
	{"cin_awaiting_assessment", "awaiting_assessment", "", func(r *Return) *measure.Value { return &r.CINAwaitingAssessment }},
	{"cla_at_31_march", "", dfeLookedAfter, func(r *Return) *measure.Value { return &r.CLAAt31March }},
	{"cla_started", "", dfeStarting, func(r *Return) *measure.Value { return &r.CLAStarted }},
	{"cla_ceased", "", dfeCeasing, func(r *Return) *measure.Value { return &r.CLACeased }},
	{"child_population", "population_estimate", "", func(r *Return) *measure.Value { return &r.ChildPopulation }},
}

// FieldByName returns the figure with column name, and whether there is one.
func FieldByName(name string) (Field, bool) {
	for _, f := range Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Row is a return with its place in the submission: the spreadsheet row (the header is row 1)
// or the position in the JSON list; for the DfE looked-after layout, which gives one figure a
// row, the first of the rows it was gathered from.
type Row struct {
	Row int `json:"row"`
	Return
}

// YearEnd is the last day of a demand reporting year: 31 March.
func YearEnd(year int) time.Time { return time.Date(year, time.March, 31, 0, 0, 0, 0, time.UTC) }

// NormaliseOrg tidies an organisation code: upper case without spaces.
func NormaliseOrg(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Validate applies the rules of a service demand return. Errors refuse the row; warnings keep it.
// The rules:
//   - organisation given; period a year YYYY from 2000 whose 31 March is not after today;
//   - at least one figure (a number or a DfE symbol); every figure a whole number, zero or more;
//   - children in need at 31 March, started and ended at most the episodes open in the year; the
//     children of each count at most its episodes (a child may have several); children in need
//     and looked after at 31 March at most the child population;
//   - warning only: more children looked after at 31 March than children in need (looked-after
//     children are counted among children in need).
func Validate(r Return, today time.Time) (errs, warns []submission.RowError) {
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if r.Org == "" {
		fail("org", "organisation is missing")
	}
	if y, err := period.YearNumber(r.Period, "reporting year", today); err != nil {
		fail("period", "%v", err)
	} else if YearEnd(y).After(today) {
		fail("period", "the year to 31 March %d has not ended", y)
	}
	given := 0
	for _, f := range Fields {
		v := *f.Of(&r)
		if v.Reported() {
			given++
		}
		if !v.Known {
			continue
		}
		if v.V < 0 {
			fail(f.Name, "must be zero or more, got %v", v.V)
		} else if v.V != math.Trunc(v.V) {
			fail(f.Name, "must be a whole number, got %v", v.V)
		}
	}
	if given == 0 {
		fail("", "no figures: give at least one number or DfE symbol")
	}
	if len(errs) > 0 {
		return errs, nil
	}
	atMost := func(part, whole measure.Value, partName, wholeName, what string) {
		if part.Known && whole.Known && part.V > whole.V {
			fail(partName, "%v is more than %s (%s %v)", part.V, what, wholeName, whole.V)
		}
	}
	atMost(r.CINAt31March, r.CINEpisodes, "cin_at_31_march", "cin_episodes", "the episodes open in the year")
	atMost(r.CINStarted, r.CINEpisodes, "cin_started", "cin_episodes", "the episodes open in the year")
	atMost(r.CINEnded, r.CINEpisodes, "cin_ended", "cin_episodes", "the episodes open in the year")
	atMost(r.CINChildren, r.CINEpisodes, "cin_children", "cin_episodes", "their episodes")
	atMost(r.CINStartedChildren, r.CINStarted, "cin_started_children", "cin_started", "their episodes")
	atMost(r.CINEndedChildren, r.CINEnded, "cin_ended_children", "cin_ended", "their episodes")
	atMost(r.CINAt31March, r.ChildPopulation, "cin_at_31_march", "child_population", "the child population")
	atMost(r.CLAAt31March, r.ChildPopulation, "cla_at_31_march", "child_population", "the child population")
	if len(errs) > 0 {
		return errs, nil
	}
	if r.CLAAt31March.Known && r.CINAt31March.Known && r.CLAAt31March.V > r.CINAt31March.V {
		warns = append(warns, submission.RowError{Field: "cla_at_31_march", Reason: fmt.Sprintf("%v children looked after at 31 March is more than the %v children in need, among whom they are counted", r.CLAAt31March.V, r.CINAt31March.V)})
	}
	return nil, warns
}
