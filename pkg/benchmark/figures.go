package benchmark

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Figures are one organisation's inputs for a period, by name: the workforce return's fields
// (workforce.Fields) and the figures below, each summed from its kind's stored rows. A name that
// is absent means the organisation has no data of that kind for the period (it is not counted
// for the metrics it feeds); a name present but unknown means data with that figure missing (the
// organisation is left out of those metrics, and counted as left out).
type Figures struct {
	Org    string
	Values map[string]measure.Value
}

// Figures summed from the Standard 8 kinds, the health-check survey and the audit.
const (
	// Placement capacity: a university's places requested, an employer's places confirmed.
	FigPlacesRequested = "places_requested"
	FigPlacesConfirmed = "places_confirmed"
	// Placements, counted towards the host organisation.
	FigFinalPlacements    = "final_placements"
	FigFinalPassed        = "final_placements_passed"
	FigFinalStatutory     = "final_placements_statutory"
	FigEnded              = "placements_ended"
	FigPassed             = "placements_passed"
	FigWithdrawn          = "placements_withdrawn"
	FigPlannedDaysEnded   = "planned_days_ended"
	FigCompletedDaysEnded = "completed_days_ended"
	// Practice educators.
	FigPEStage1   = "pe_stage1"
	FigPEStage2   = "pe_stage2"
	FigPEActive   = "pe_active"
	FigPEStudents = "pe_students_supported"
)

// Figures of the service demand kind: its fields (demand.Fields) by their names, of the demand
// year to 31 March that ends in the period's year (see package demand on the alignment).
const (
	FigChildrenInNeed  = "cin_at_31_march"
	FigLookedAfter     = "cla_at_31_march"
	FigChildPopulation = "child_population"
)

// FigSurveyAnswers, FigSurveyAgreeing and FigSurveyRespondents name a standard's health-check
// figures: answers to its questions, those agreeing or strongly agreeing, and the respondents
// (per group the most who answered any one question, summed over the groups).
func FigSurveyAnswers(std int) string     { return fmt.Sprintf("survey_answers_s%d", std) }
func FigSurveyAgreeing(std int) string    { return fmt.Sprintf("survey_agreeing_s%d", std) }
func FigSurveyRespondents(std int) string { return fmt.Sprintf("survey_respondents_s%d", std) }

// FigAudit names the number of a standard's audit items with a rating; FigAuditRated all rated.
func FigAudit(std int, rating string) string {
	return fmt.Sprintf("audit_%s_s%d", strings.ToLower(rating), std)
}
func FigAuditRated(std int) string { return fmt.Sprintf("audit_rated_s%d", std) }

// ReturnFigures gives a workforce return's fields as figures.
func ReturnFigures(r *workforce.Return) Figures {
	f := Figures{Org: r.Org, Values: make(map[string]measure.Value, len(workforce.Fields))}
	for _, fd := range workforce.Fields {
		f.Values[fd.Name] = *fd.Of(r)
	}
	return f
}

// PeriodOf gives the benchmark period a kind's period belongs to: an academic year YYYY/YY
// belongs to the reporting year it ends in (the year of the 30 September snapshot after it:
// 2024/25 → 2025); survey years, audit cycles, reporting years and quarters are their own.
func PeriodOf(kind, p string) string {
	if kind != submission.KindPlacement && kind != submission.KindPlacementCapacity || len(p) != 7 || p[4] != '/' {
		return p
	}
	y, err := strconv.Atoi(p[:4])
	if err != nil {
		return p
	}
	return strconv.Itoa(y + 1)
}

// PeriodsTouched gives the benchmark periods a stored event touches. An alliance change
// touches every period (every is true): an alliance is an area in each of them.
func PeriodsTouched(ev submission.Event) (periods []string, every bool) {
	if ev.Kind == alliance.Kind {
		return nil, true
	}
	for _, ps := range ev.Touched {
		for _, p := range ps {
			periods = append(periods, PeriodOf(ev.Kind, p))
		}
	}
	return periods, false
}

// AcademicYearOf is PeriodOf's inverse for a reporting year: 2025 → 2024/25; "" for a quarter.
// Unlike period.Parse it takes any year, so that the two are inverses whatever the year.
func AcademicYearOf(p string) string {
	if len(p) != 4 {
		return ""
	}
	y, err := strconv.Atoi(p)
	if err != nil {
		return ""
	}
	return period.AcademicYearLabel(y - 1)
}

// merge adds one organisation's figures to those already gathered for it.
func merge(into map[string]*Figures, f Figures) {
	g, ok := into[f.Org]
	if !ok {
		g = &Figures{Org: f.Org, Values: make(map[string]measure.Value, len(f.Values))}
		into[f.Org] = g
	}
	for k, v := range f.Values {
		g.Values[k] = v
	}
}
