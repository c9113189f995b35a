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
	"slices"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
)

// Metric is one benchmark: value = Scale × Σ numerator ÷ (Factor × Σ denominator), where each
// sum is over the figures named (see Figures; all must be known). Each data kind declares the
// metrics its figures are the source of (package kinds lists them).
type Metric = kind.Metric

// catalogue is every kind's metrics, standard by standard.
var catalogue = kinds.Metrics()

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
