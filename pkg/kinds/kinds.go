// Package kinds is the registry of the hub's data kinds: one line per kind. The API, ingest, the
// JSON Schemas, the benchmarks and the demo all take their kinds from All (see package kind for
// what a kind declares and how to add one).
package kinds

import (
	"slices"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/profile"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// All lists every data kind, in the order the API documents them, make demo loads them and each
// standard lists their metrics.
var All = []kind.Any{
	workforce.Kind,
	profile.Kind,
	placement.Kind,
	placement.CapacityKind,
	placement.EducatorsKind,
	survey.Kind,
	audit.Kind,
	demand.Kind,
}

// Lookup returns the kind named name, and whether there is one.
func Lookup(name string) (kind.Any, bool) {
	i := slices.IndexFunc(All, func(k kind.Any) bool { return k.About().Name == name })
	if i < 0 {
		return nil, false
	}
	return All[i], true
}

// Benchmarked lists the kinds whose rows feed the benchmarks.
func Benchmarked() []kind.Any {
	var out []kind.Any
	for _, k := range All {
		if k.About().Benchmarks != nil {
			out = append(out, k)
		}
	}
	return out
}

// Metrics lists every kind's benchmark metrics, standard by standard (in the order of standards),
// and within a standard in the order of All.
func Metrics() []kind.Metric {
	var out []kind.Metric
	for _, std := range Standards() {
		for _, k := range Benchmarked() {
			for _, m := range k.About().Benchmarks.Metrics {
				if m.Standard == std {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// Standards lists the standards that have benchmarks, in order.
func Standards() []int {
	var out []int
	for _, k := range Benchmarked() {
		for _, m := range k.About().Benchmarks.Metrics {
			out = append(out, m.Standard)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// BenchmarkPeriod gives the benchmark period a period of kind name's rows belongs to.
func BenchmarkPeriod(name, p string) string {
	if k, ok := Lookup(name); ok {
		return k.About().Benchmarks.BenchmarkPeriod(p)
	}
	return p
}
