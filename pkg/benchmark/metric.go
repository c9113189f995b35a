// Package benchmark computes the hub's benchmarks: for every organisation, region and England,
// the metrics of the Standards for employers of social workers (Standard 2 now), as the
// Department for Education computes its children's social work workforce statistics.
//
// Regional and national figures are ratios of sums of the contributing organisations' counts,
// never means of their rates. Beside them come the median and quartiles of the organisations' own
// values, the number of contributors, and the number left out because an input was unknown.
package benchmark

import (
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Metric is one benchmark: value = Scale × Σ numerator ÷ (Factor × Σ denominator), where each
// sum is over the figures named (all must be known).
type Metric struct {
	ID             string   `json:"id" doc:"Stable id" example:"vacancy_rate"`
	Label          string   `json:"label" doc:"Name to show" example:"Vacancy rate (FTE)"`
	Unit           string   `json:"unit" doc:"Unit of the value" example:"%"`
	HigherIsBetter bool     `json:"higher_is_better" doc:"Direction: whether a higher value is better (rank 1 is the best)"`
	Formula        string   `json:"formula" doc:"How it is computed, in words"`
	Source         string   `json:"source" doc:"Data kind its inputs come from" example:"workforce"`
	Standard       int      `json:"standard" doc:"The employer standard it serves (1–8)" example:"2"`
	Numerator      []string `json:"numerator" doc:"Figures summed above the line"`
	Denominator    []string `json:"denominator" doc:"Figures summed below the line"`
	Factor         float64  `json:"-"`
	Scale          float64  `json:"-"`
}

// Standard2 is the catalogue of the Standard 2 (effective workforce planning) workforce metrics,
// in DESIGN.md §4's order. Where the DfE gives no direction, the choice is explained.
var Standard2 = standard2(
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
)

// standard2 marks metrics as Standard 2's, computed from workforce returns.
func standard2(ms ...Metric) []Metric {
	for i := range ms {
		ms[i].Source, ms[i].Standard = submission.KindWorkforce, 2
	}
	return ms
}

// Lookup returns the metric with id, and whether there is one.
func Lookup(id string) (Metric, bool) {
	for _, m := range Standard2 {
		if m.ID == id {
			return m, true
		}
	}
	return Metric{}, false
}

// Catalogue lists every metric.
func Catalogue() []Metric { return Standard2 }
