// Package workforce is the workforce return: an employer's social work workforce figures for one
// reporting period, as in the Department for Education's children's social work workforce
// statistics (in-post, starters, leavers, agency workers, vacancies, caseloads, absence).
package workforce

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Return is one organisation's workforce figures for one period.
type Return struct {
	Org    string `json:"org" doc:"Organisation code: ONS code for a local authority (E06/E08/E09/E10), ODS or Companies House code otherwise" example:"E06000001"`
	Period string `json:"period" doc:"Reporting year YYYY (snapshot at 30 September) or quarter YYYY-Qn" example:"2025"`

	InpostFTE                measure.Value `json:"inpost_fte" required:"false" doc:"Social workers in post, full-time equivalent"`
	InpostHeadcount          measure.Value `json:"inpost_headcount" required:"false" doc:"Social workers in post, headcount"`
	StartersFTE              measure.Value `json:"starters_fte" required:"false" doc:"Starters over the year, FTE"`
	StartersHeadcount        measure.Value `json:"starters_headcount" required:"false" doc:"Starters over the year, headcount"`
	LeaversFTE               measure.Value `json:"leavers_fte" required:"false" doc:"Leavers over the year, FTE"`
	LeaversHeadcount         measure.Value `json:"leavers_headcount" required:"false" doc:"Leavers over the year, headcount"`
	LeaversUnder5YearsFTE    measure.Value `json:"leavers_under_5_years_fte" required:"false" doc:"Leavers with under five years' service, FTE"`
	LeaversNewlyQualifiedFTE measure.Value `json:"leavers_newly_qualified_fte" required:"false" doc:"Leavers in their first year after qualifying, FTE"`
	AgencyFTE                measure.Value `json:"agency_fte" required:"false" doc:"Agency social workers, FTE"`
	AgencyHeadcount          measure.Value `json:"agency_headcount" required:"false" doc:"Agency social workers, headcount"`
	AgencyCoverFTE           measure.Value `json:"agency_cover_fte" required:"false" doc:"Agency workers covering vacancies, FTE"`
	VacancyFTE               measure.Value `json:"vacancy_fte" required:"false" doc:"Vacancies, FTE"`
	CaseHoldersFTE           measure.Value `json:"case_holders_fte" required:"false" doc:"Social workers holding cases, FTE"`
	Cases                    measure.Value `json:"cases" required:"false" doc:"Cases held"`
	WorkingDaysLostFTE       measure.Value `json:"working_days_lost_fte" required:"false" doc:"Working days lost to sickness absence, FTE"`
}

// Field describes one figure of a return: its column name, whether it counts whole things, and
// where it lives in a Return.
type Field struct {
	Name    string
	Integer bool
	Of      func(*Return) *measure.Value
}

// Fields lists every figure in column order. The names are those of the DfE published file
// where it has them.
var Fields = []Field{
	{"inpost_fte", false, func(r *Return) *measure.Value { return &r.InpostFTE }},
	{"inpost_headcount", true, func(r *Return) *measure.Value { return &r.InpostHeadcount }},
	{"starters_fte", false, func(r *Return) *measure.Value { return &r.StartersFTE }},
	{"starters_headcount", true, func(r *Return) *measure.Value { return &r.StartersHeadcount }},
	{"leavers_fte", false, func(r *Return) *measure.Value { return &r.LeaversFTE }},
	{"leavers_headcount", true, func(r *Return) *measure.Value { return &r.LeaversHeadcount }},
	{"leavers_under_5_years_fte", false, func(r *Return) *measure.Value { return &r.LeaversUnder5YearsFTE }},
	{"leavers_newly_qualified_fte", false, func(r *Return) *measure.Value { return &r.LeaversNewlyQualifiedFTE }},
	{"agency_fte", false, func(r *Return) *measure.Value { return &r.AgencyFTE }},
	{"agency_headcount", true, func(r *Return) *measure.Value { return &r.AgencyHeadcount }},
	{"agency_cover_fte", false, func(r *Return) *measure.Value { return &r.AgencyCoverFTE }},
	{"vacancy_fte", false, func(r *Return) *measure.Value { return &r.VacancyFTE }},
	{"case_holders_fte", false, func(r *Return) *measure.Value { return &r.CaseHoldersFTE }},
	{"cases", true, func(r *Return) *measure.Value { return &r.Cases }},
	{"working_days_lost_fte", false, func(r *Return) *measure.Value { return &r.WorkingDaysLostFTE }},
}

// Row is a return with its place in the submission.
type Row struct {
	Row int `json:"row"`
	Return
}

// WorkingDaysPerFTE is the DfE's number of working days in a year for one FTE, used by the
// absence rate; a return cannot lose more days than its staff work.
const WorkingDaysPerFTE = 253

// Tolerances for coherence checks, since published FTEs are rounded to one decimal place.
const (
	caseHolderTolerance = 0.5
	roundingTolerance   = 0.05
)

// NormaliseOrg tidies an organisation code: upper case, and a joint return such as
// "E09000021 / E09000027" (as the DfE file writes Kingston upon Thames with Richmond upon
// Thames) becomes "E09000021_E09000027".
func NormaliseOrg(s string) string {
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(s)), "/")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, "_")
}

// Validate applies the hub's rules for a workforce return. Errors refuse the row; warnings keep
// it and tell the submitter something looks wrong. The rules:
//   - organisation and period are given; the period is YYYY or YYYY-Qn, not before 2000 and not
//     ending after today;
//   - at least one figure is given (a number or a DfE symbol);
//   - every figure is zero or more; headcounts and cases are whole numbers;
//   - case-holders FTE is at most in-post FTE plus agency FTE (with 0.5 FTE for rounding);
//   - working days lost are at most in-post FTE × 253;
//   - leavers with under five years' service, and newly qualified leavers, are at most all leavers;
//   - warning only, since the published statistics have such rows: an FTE above its headcount,
//     agency cover FTE above agency FTE.
func Validate(r Return, today time.Time) (errs, warns []submission.RowError) {
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	warn := func(field, format string, a ...any) {
		warns = append(warns, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if r.Org == "" {
		fail("org", "organisation is missing")
	}
	if r.Period == "" {
		fail("period", "period is missing")
	} else if p, err := period.ParseKind(r.Period, period.Year, period.Quarter); err != nil {
		fail("period", "%v", err)
	} else if err := p.NotAfter(today); err != nil {
		fail("period", "%v", err)
	}
	given := 0
	for _, f := range Fields {
		v := *f.Of(&r)
		if v.Known || v.Reason != measure.NotReported {
			given++
		}
		if !v.Known {
			continue
		}
		if v.V < 0 {
			fail(f.Name, "must be zero or more, got %v", v.V)
		} else if f.Integer && v.V != math.Trunc(v.V) {
			fail(f.Name, "must be a whole number, got %v", v.V)
		}
	}
	if given == 0 {
		fail("", "no figures: give at least one number or DfE symbol")
	}
	if len(errs) > 0 {
		return errs, nil
	}
	known := func(vs ...measure.Value) bool {
		for _, v := range vs {
			if !v.Known {
				return false
			}
		}
		return true
	}
	if known(r.CaseHoldersFTE, r.InpostFTE, r.AgencyFTE) && r.CaseHoldersFTE.V > r.InpostFTE.V+r.AgencyFTE.V+caseHolderTolerance {
		fail("case_holders_fte", "case-holders FTE %v is more than in-post FTE %v plus agency FTE %v", r.CaseHoldersFTE.V, r.InpostFTE.V, r.AgencyFTE.V)
	}
	if known(r.WorkingDaysLostFTE, r.InpostFTE) && r.WorkingDaysLostFTE.V > r.InpostFTE.V*WorkingDaysPerFTE {
		fail("working_days_lost_fte", "%v working days lost is more than in-post FTE %v can work in a year (× %d days)", r.WorkingDaysLostFTE.V, r.InpostFTE.V, WorkingDaysPerFTE)
	}
	for _, part := range []struct {
		name string
		v    measure.Value
	}{{"leavers_under_5_years_fte", r.LeaversUnder5YearsFTE}, {"leavers_newly_qualified_fte", r.LeaversNewlyQualifiedFTE}} {
		if known(part.v, r.LeaversFTE) && part.v.V > r.LeaversFTE.V+roundingTolerance {
			fail(part.name, "%v is more than all leavers (%v FTE)", part.v.V, r.LeaversFTE.V)
		}
	}
	for _, pair := range [][2]string{{"inpost_fte", "inpost_headcount"}, {"starters_fte", "starters_headcount"}, {"leavers_fte", "leavers_headcount"}, {"agency_fte", "agency_headcount"}} {
		fte, head := r.field(pair[0]), r.field(pair[1])
		if known(fte, head) && fte.V > head.V+roundingTolerance {
			warn(pair[0], "FTE %v is above the headcount %v", fte.V, head.V)
		}
	}
	if known(r.AgencyCoverFTE, r.AgencyFTE) && r.AgencyCoverFTE.V > r.AgencyFTE.V+roundingTolerance {
		warn("agency_cover_fte", "agency cover FTE %v is above agency FTE %v", r.AgencyCoverFTE.V, r.AgencyFTE.V)
	}
	return errs, warns
}

func (r *Return) field(name string) measure.Value {
	for _, f := range Fields {
		if f.Name == name {
			return *f.Of(r)
		}
	}
	return measure.Value{}
}
