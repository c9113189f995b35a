// Package benchmark computes the hub's benchmarks: for every organisation, region and England,
// the metrics of the Standards for employers of social workers that the hub's data serves
// (Standard 2, workforce planning, and Standard 8, partnerships with universities), as the
// Department for Education computes its children's social work workforce statistics.
//
// Regional and national figures are ratios of sums of the contributing organisations' counts,
// never means of their rates. Beside them come the median and quartiles of the organisations' own
// values, the number of contributors, and the number left out because an input was unknown.
// Survey-derived figures go through disclosure control (package disclosure).
package benchmark

import (
	"fmt"
	"slices"

	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Metric is one benchmark: value = Scale × Σ numerator ÷ (Factor × Σ denominator), where each
// sum is over the figures named (see Figures; all must be known).
type Metric struct {
	ID             string `json:"id" doc:"Stable id" example:"vacancy_rate"`
	Label          string `json:"label" doc:"Name to show" example:"Vacancy rate (FTE)"`
	Unit           string `json:"unit" doc:"Unit of the value" example:"%"`
	HigherIsBetter bool   `json:"higher_is_better" doc:"Direction: whether a higher value is better (rank 1 is the best)"`
	Formula        string `json:"formula" doc:"How it is computed, in words"`
	Source         string `json:"source" doc:"Data kind its inputs come from" example:"workforce"`
	Standard       int    `json:"standard" doc:"The employer standard it serves (1–8)" example:"2"`
	// AreaOnly: the numerator and the denominator are reported by different organisations
	// (employers confirm places, universities request them), so each organisation adds whichever
	// it reports to its areas' sums and only areas have a value.
	AreaOnly bool `json:"area_only" doc:"Only areas have a value: the numerator and the denominator are reported by different organisations"`
	// Disclosure: the figures come from survey respondents and are withheld below
	// disclosure.Threshold respondents, or where they would let a withheld one be worked out.
	Disclosure  bool     `json:"disclosure_control" doc:"Survey-derived: a figure from fewer than 10 respondents is withheld, and so is any figure that would let a withheld one be worked out"`
	Numerator   []string `json:"numerator" doc:"Figures summed above the line"`
	Denominator []string `json:"denominator" doc:"Figures summed below the line"`
	Respondents string   `json:"-"` // the figure counting a disclosure-controlled value's respondents
	Factor      float64  `json:"-"`
	Scale       float64  `json:"-"`
}

// Standard2 is the catalogue of Standard 2 (effective workforce planning): the workforce metrics
// in DESIGN.md §4's order, then the health-check agreement with the standard's questions and the
// audit RAG mix of its items. Where the DfE gives no direction, the choice is explained.
var Standard2 = standard(2, submission.KindWorkforce,
	Metric{ID: "vacancy_rate", Label: "Vacancy rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "vacancy FTE ÷ (vacancy FTE + in-post FTE) × 100",
		Numerator: []string{"vacancy_fte"}, Denominator: []string{"vacancy_fte", "inpost_fte"}, Scale: 100},
	Metric{ID: "agency_rate", Label: "Agency worker rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "agency FTE ÷ (agency FTE + in-post FTE) × 100",
		Numerator: []string{"agency_fte"}, Denominator: []string{"agency_fte", "inpost_fte"}, Scale: 100},
	Metric{ID: "turnover_rate", Label: "Turnover rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "leavers FTE ÷ in-post FTE × 100",
		Numerator: []string{"leavers_fte"}, Denominator: []string{"inpost_fte"}, Scale: 100},
	// Higher is better: a service that recruits more replaces its leavers and agency workers.
	Metric{ID: "starters_rate", Label: "Starters rate (FTE)", Unit: "%", HigherIsBetter: true,
		Formula:   "starters FTE ÷ in-post FTE × 100",
		Numerator: []string{"starters_fte"}, Denominator: []string{"inpost_fte"}, Scale: 100},
	Metric{ID: "caseload", Label: "Average caseload (FTE)", Unit: "cases per FTE", HigherIsBetter: false,
		Formula:   "cases ÷ case-holders FTE",
		Numerator: []string{"cases"}, Denominator: []string{"case_holders_fte"}, Scale: 1},
	Metric{ID: "absence_rate", Label: "Sickness absence rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "working days lost ÷ (in-post FTE × 253) × 100",
		Numerator: []string{"working_days_lost_fte"}, Denominator: []string{"inpost_fte"}, Factor: workforce.WorkingDaysPerFTE, Scale: 100},
	// Higher is better: agency workers who cover vacancies fill posts rather than add cost on top.
	Metric{ID: "agency_cover_rate", Label: "Agency workers covering vacancies", Unit: "%", HigherIsBetter: true,
		Formula:   "agency cover FTE ÷ agency FTE × 100",
		Numerator: []string{"agency_cover_fte"}, Denominator: []string{"agency_fte"}, Scale: 100},
	// Higher is better: a covered vacancy leaves no gap in the service to children and families.
	Metric{ID: "vacancies_covered_by_agency", Label: "Vacancies covered by agency workers", Unit: "%", HigherIsBetter: true,
		Formula:   "agency cover FTE ÷ vacancy FTE × 100",
		Numerator: []string{"agency_cover_fte"}, Denominator: []string{"vacancy_fte"}, Scale: 100},
	Metric{ID: "early_career_leavers", Label: "Leavers with under five years' service", Unit: "%", HigherIsBetter: false,
		Formula:   "leavers with under 5 years' service FTE ÷ leavers FTE × 100",
		Numerator: []string{"leavers_under_5_years_fte"}, Denominator: []string{"leavers_fte"}, Scale: 100},
	// Demand (the service demand kind). Lower is ranked first: less need for the service per
	// child, or fewer children in need for each social worker holding cases. A rate of need
	// measures pressure on the service, not its quality.
	Metric{ID: "children_in_need_per_10000", Label: "Children in need per 10,000 children", Unit: "per 10,000 children", HigherIsBetter: false,
		Source:    demand.Kind,
		Formula:   "children in need at 31 March ÷ child population 0–17 × 10,000 (the year to 31 March of the period's year)",
		Numerator: []string{FigChildrenInNeed}, Denominator: []string{FigChildPopulation}, Scale: 10000},
	Metric{ID: "children_in_need_per_case_holder", Label: "Children in need per case-holding FTE", Unit: "children per FTE", HigherIsBetter: false,
		Source:    demand.Kind,
		Formula:   "children in need at 31 March ÷ case-holders FTE at 30 September of the same year (the workforce return of the period)",
		Numerator: []string{FigChildrenInNeed}, Denominator: []string{"case_holders_fte"}, Scale: 1},
	Metric{ID: "children_looked_after_per_10000", Label: "Children looked after per 10,000 children", Unit: "per 10,000 children", HigherIsBetter: false,
		Source:    demand.Kind,
		Formula:   "children looked after on 31 March ÷ child population 0–17 × 10,000 (the year to 31 March of the period's year)",
		Numerator: []string{FigLookedAfter}, Denominator: []string{FigChildPopulation}, Scale: 10000},
	surveyAgreement(2),
	auditShare(2, "GREEN"), auditShare(2, "AMBER"), auditShare(2, "RED"),
)

// Standard8 is the catalogue of Standard 8 (partnerships with universities): placements,
// placement capacity and practice educators, then the health-check agreement with the standard's
// questions and the audit RAG mix of its items.
//
// Placements count towards the organisation that hosts them (the employer), so that each is
// counted once in an area's sums. A placement's academic year YYYY/YY belongs to the reporting
// year it ends in (2024/25 → 2025; see PeriodOf).
var Standard8 = standard(8, submission.KindPlacement,
	Metric{ID: "placement_fill_rate", Label: "Placement fill rate", Unit: "%", HigherIsBetter: true, AreaOnly: true,
		Source:    submission.KindPlacementCapacity,
		Formula:   "places confirmed by employers ÷ places requested by universities × 100, over every stage",
		Numerator: []string{FigPlacesConfirmed}, Denominator: []string{FigPlacesRequested}, Scale: 100},
	Metric{ID: "placement_days_completed", Label: "Placement days completed", Unit: "%", HigherIsBetter: true,
		Formula:   "days completed ÷ days planned × 100, over the ended placements (passed, failed or withdrawn) the organisation hosted",
		Numerator: []string{FigCompletedDaysEnded}, Denominator: []string{FigPlannedDaysEnded}, Scale: 100},
	Metric{ID: "final_placements_statutory", Label: "Final placements with statutory tasks", Unit: "%", HigherIsBetter: true,
		Formula:   "final placements with statutory tasks ÷ final placements hosted × 100",
		Numerator: []string{FigFinalStatutory}, Denominator: []string{FigFinalPlacements}, Scale: 100},
	Metric{ID: "practice_educators_per_100_fte", Label: "Practice educators per 100 in-post FTE", Unit: "per 100 FTE", HigherIsBetter: true,
		Source:    submission.KindPracticeEducators,
		Formula:   "(stage 1 + stage 2 practice educators) ÷ in-post social worker FTE (workforce return of the same period) × 100",
		Numerator: []string{FigPEStage1, FigPEStage2}, Denominator: []string{"inpost_fte"}, Scale: 100},
	// Higher is better: each active educator gives more practice learning; the professional
	// standards expect an educator to take students year after year.
	Metric{ID: "students_per_practice_educator", Label: "Students per active practice educator", Unit: "students per educator", HigherIsBetter: true,
		Source:    submission.KindPracticeEducators,
		Formula:   "students supported ÷ practice educators active this year",
		Numerator: []string{FigPEStudents}, Denominator: []string{FigPEActive}, Scale: 1},
	Metric{ID: "placement_pass_rate", Label: "Placement pass rate", Unit: "%", HigherIsBetter: true,
		Formula:   "placements passed ÷ placements ended (passed, failed or withdrawn) × 100",
		Numerator: []string{FigPassed}, Denominator: []string{FigEnded}, Scale: 100},
	Metric{ID: "placement_withdrawal_rate", Label: "Placement withdrawal rate", Unit: "%", HigherIsBetter: false,
		Formula:   "placements withdrawn ÷ placements ended (passed, failed or withdrawn) × 100",
		Numerator: []string{FigWithdrawn}, Denominator: []string{FigEnded}, Scale: 100},
	surveyAgreement(8),
	auditShare(8, "GREEN"), auditShare(8, "AMBER"), auditShare(8, "RED"),
)

// surveyAgreement is the health-check agreement with a standard's questions.
func surveyAgreement(std int) Metric {
	return Metric{ID: fmt.Sprintf("survey_agreement_s%d", std), Label: fmt.Sprintf("Health check: agreement with the Standard %d questions", std),
		Unit: "%", HigherIsBetter: true, Source: submission.KindSurvey, Disclosure: true,
		Formula:   fmt.Sprintf("answers agree or strongly agree ÷ all answers to the Standard %d questions × 100, every respondent group", std),
		Numerator: []string{FigSurveyAgreeing(std)}, Denominator: []string{FigSurveyAnswers(std)},
		Respondents: FigSurveyRespondents(std), Scale: 100}
}

// auditShare is the share of a standard's audit items with one rating. Green is better; amber
// and red are ranked lower-is-better, an amber item being one not yet met in full.
func auditShare(std int, rating string) Metric {
	words := map[string]string{"GREEN": "green", "AMBER": "amber", "RED": "red"}[rating]
	return Metric{ID: fmt.Sprintf("audit_%s_s%d", words, std), Label: fmt.Sprintf("Audit: Standard %d items rated %s", std, rating),
		Unit: "%", HigherIsBetter: rating == "GREEN", Source: submission.KindAudit,
		Formula:   fmt.Sprintf("items of Standard %d rated %s ÷ items of Standard %d rated × 100, latest rating of each item in the audit cycle", std, rating, std),
		Numerator: []string{FigAudit(std, rating)}, Denominator: []string{FigAuditRated(std)}, Scale: 100}
}

// standard marks metrics as serving std, with source as the kind of those that name none.
func standard(std int, source string, ms ...Metric) []Metric {
	for i := range ms {
		ms[i].Standard = std
		if ms[i].Source == "" {
			ms[i].Source = source
		}
	}
	return ms
}

// Standards lists the standards with benchmarks.
var Standards = []int{2, 8}

// OfStandard returns the metrics of a standard (nil for one without benchmarks).
func OfStandard(std int) []Metric {
	switch std {
	case 2:
		return Standard2
	case 8:
		return Standard8
	}
	return nil
}

// Lookup returns the metric with id, and whether there is one.
func Lookup(id string) (Metric, bool) {
	i := slices.IndexFunc(Catalogue(), func(m Metric) bool { return m.ID == id })
	if i < 0 {
		return Metric{}, false
	}
	return Catalogue()[i], true
}

var catalogue = slices.Concat(Standard2, Standard8)

// Catalogue lists every metric.
func Catalogue() []Metric { return catalogue }
