package workforce

import (
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Metrics are Standard 2's workforce benchmarks (effective workforce planning), in DESIGN.md
// §4's order, as the Department for Education computes them. Where the DfE gives no direction,
// the choice is explained.
var Metrics = kind.Standard(2, submission.KindWorkforce,
	kind.Metric{ID: "vacancy_rate", Label: "Vacancy rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "vacancy FTE ÷ (vacancy FTE + in-post FTE) × 100",
		Numerator: []string{"vacancy_fte"}, Denominator: []string{"vacancy_fte", "inpost_fte"}, Scale: 100},
	kind.Metric{ID: "agency_rate", Label: "Agency worker rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "agency FTE ÷ (agency FTE + in-post FTE) × 100",
		Numerator: []string{"agency_fte"}, Denominator: []string{"agency_fte", "inpost_fte"}, Scale: 100},
	kind.Metric{ID: "turnover_rate", Label: "Turnover rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "leavers FTE ÷ in-post FTE × 100",
		Numerator: []string{"leavers_fte"}, Denominator: []string{"inpost_fte"}, Scale: 100},
	// Higher is better: a service that recruits more replaces its leavers and agency workers.
	kind.Metric{ID: "starters_rate", Label: "Starters rate (FTE)", Unit: "%", HigherIsBetter: true,
		Formula:   "starters FTE ÷ in-post FTE × 100",
		Numerator: []string{"starters_fte"}, Denominator: []string{"inpost_fte"}, Scale: 100},
	kind.Metric{ID: "caseload", Label: "Average caseload (FTE)", Unit: "cases per FTE", HigherIsBetter: false,
		Formula:   "cases ÷ case-holders FTE",
		Numerator: []string{"cases"}, Denominator: []string{"case_holders_fte"}, Scale: 1},
	kind.Metric{ID: "absence_rate", Label: "Sickness absence rate (FTE)", Unit: "%", HigherIsBetter: false,
		Formula:   "working days lost ÷ (in-post FTE × 253) × 100",
		Numerator: []string{"working_days_lost_fte"}, Denominator: []string{"inpost_fte"}, Factor: WorkingDaysPerFTE, Scale: 100},
	// Higher is better: agency workers who cover vacancies fill posts rather than add cost on top.
	kind.Metric{ID: "agency_cover_rate", Label: "Agency workers covering vacancies", Unit: "%", HigherIsBetter: true,
		Formula:   "agency cover FTE ÷ agency FTE × 100",
		Numerator: []string{"agency_cover_fte"}, Denominator: []string{"agency_fte"}, Scale: 100},
	// Higher is better: a covered vacancy leaves no gap in the service to children and families.
	kind.Metric{ID: "vacancies_covered_by_agency", Label: "Vacancies covered by agency workers", Unit: "%", HigherIsBetter: true,
		Formula:   "agency cover FTE ÷ vacancy FTE × 100",
		Numerator: []string{"agency_cover_fte"}, Denominator: []string{"vacancy_fte"}, Scale: 100},
	kind.Metric{ID: "early_career_leavers", Label: "Leavers with under five years' service", Unit: "%", HigherIsBetter: false,
		Formula:   "leavers with under 5 years' service FTE ÷ leavers FTE × 100",
		Numerator: []string{"leavers_under_5_years_fte"}, Denominator: []string{"leavers_fte"}, Scale: 100},
)
