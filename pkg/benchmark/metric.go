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
	"cmp"
	"slices"

	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
)

// Metric is one benchmark: value = Scale × Σ numerator ÷ (Factor × Σ denominator), where each
// sum is over the figures named (see Figures; all must be known). Each data kind declares the
// metrics its figures are the source of (package kinds lists them).
type Metric = kind.Metric

// catalogue is every kind's metrics, standard by standard, and then those of the service demand
// kind until it is registered with the others.
var catalogue = func() []Metric {
	all := append(kinds.Metrics(), demandMetrics...)
	slices.SortStableFunc(all, func(a, b Metric) int { return cmp.Compare(a.Standard, b.Standard) })
	return all
}()

// demandMetrics are Standard 2's demand benchmarks (the service demand kind). Lower is ranked
// first: less need for the service per child, or fewer children in need for each social worker
// holding cases. A rate of need measures pressure on the service, not its quality.
var demandMetrics = kind.Standard(2, demand.Kind,
	Metric{ID: "children_in_need_per_10000", Label: "Children in need per 10,000 children", Unit: "per 10,000 children", HigherIsBetter: false,
		Formula:   "children in need at 31 March ÷ child population 0–17 × 10,000 (the year to 31 March of the period's year)",
		Numerator: []string{FigChildrenInNeed}, Denominator: []string{FigChildPopulation}, Scale: 10000},
	Metric{ID: "children_in_need_per_case_holder", Label: "Children in need per case-holding FTE", Unit: "children per FTE", HigherIsBetter: false,
		Formula:   "children in need at 31 March ÷ case-holders FTE at 30 September of the same year (the workforce return of the period)",
		Numerator: []string{FigChildrenInNeed}, Denominator: []string{"case_holders_fte"}, Scale: 1},
	Metric{ID: "children_looked_after_per_10000", Label: "Children looked after per 10,000 children", Unit: "per 10,000 children", HigherIsBetter: false,
		Formula:   "children looked after on 31 March ÷ child population 0–17 × 10,000 (the year to 31 March of the period's year)",
		Numerator: []string{FigLookedAfter}, Denominator: []string{FigChildPopulation}, Scale: 10000},
)

// Standards lists the standards with benchmarks.
var Standards = kinds.Standards()

// Standard2 is the catalogue of Standard 2 (effective workforce planning): the workforce metrics,
// the health-check agreement with the standard's questions and the audit RAG mix of its items.
var Standard2 = OfStandard(2)

// Standard8 is the catalogue of Standard 8 (partnerships with universities): placements,
// placement capacity and practice educators, then the health-check agreement with the standard's
// questions and the audit RAG mix of its items.
var Standard8 = OfStandard(8)

// OfStandard returns the metrics of a standard (nil for one without benchmarks).
func OfStandard(std int) []Metric {
	var out []Metric
	for _, m := range catalogue {
		if m.Standard == std {
			out = append(out, m)
		}
	}
	return out
}

// Lookup returns the metric with id, and whether there is one.
func Lookup(id string) (Metric, bool) {
	i := slices.IndexFunc(catalogue, func(m Metric) bool { return m.ID == id })
	if i < 0 {
		return Metric{}, false
	}
	return catalogue[i], true
}

// Catalogue lists every metric.
func Catalogue() []Metric { return catalogue }
