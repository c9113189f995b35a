package benchmark_test

import (
	"fmt"
	"testing"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// nationalInput is one period of n organisations spread over England's regions (London's over
// its two sub-regions), each with a workforce return, survey results, audit ratings, placements
// hosted and practice educators, so that every metric of the catalogue has values.
func nationalInput(tb testing.TB, n int) benchmark.Input {
	tb.Helper()
	regions, err := reference.Regions()
	if err != nil {
		tb.Fatal(err)
	}
	byCode := map[string]reference.Region{}
	var homes []string
	for _, r := range regions {
		byCode[r.Code] = r
	}
	for _, r := range regions {
		if r.Level == "subregion" || (r.Level == "region" && r.Code != "E12000007") {
			homes = append(homes, r.Code)
		}
	}
	in := benchmark.Input{Period: "2025", Organisations: map[string]reference.Organisation{}, Regions: byCode, Neighbours: map[string][]string{}}
	for i := range n {
		code, old := fmt.Sprintf("X%05d", i), fmt.Sprintf("%d", 100+i)
		in.Organisations[code] = reference.Organisation{Code: code, OldCode: old, Name: code, Type: reference.TypeLocalAuthority, Region: homes[i%len(homes)]}
		for j := 1; j <= 10; j++ {
			in.Neighbours[old] = append(in.Neighbours[old], fmt.Sprintf("%d", 100+(i+j*7)%n))
		}
		r := workforce.Return{Org: code, Period: "2025"}
		for k, f := range workforce.Fields {
			*f.Of(&r) = measure.Of(float64(10 + (i*7+k*3)%90))
		}
		in.Returns = append(in.Returns, r)
		respondents := 20 + i%80
		if i < len(homes) {
			respondents = 3 + i%6
		}
		v := func(x int) measure.Value { return measure.Of(float64(x)) }
		f := benchmark.Figures{Org: code, Values: map[string]measure.Value{
			benchmark.FigFinalPlacements: v(10 + i%5), benchmark.FigFinalStatutory: v(8), benchmark.FigFinalPassed: v(7),
			benchmark.FigEnded: v(12), benchmark.FigPassed: v(10), benchmark.FigWithdrawn: v(1),
			benchmark.FigPlannedDaysEnded: v(1000), benchmark.FigCompletedDaysEnded: v(950),
			benchmark.FigPEStage1: v(4), benchmark.FigPEStage2: v(3), benchmark.FigPEActive: v(6), benchmark.FigPEStudents: v(9),
			benchmark.FigPlacesConfirmed: v(20 + i%7),
		}}
		for _, std := range []int{2, 8} {
			f.Values[benchmark.FigSurveyRespondents(std)] = v(respondents)
			f.Values[benchmark.FigSurveyAnswers(std)] = v(5 * respondents)
			f.Values[benchmark.FigSurveyAgreeing(std)] = v(3 * respondents)
			for k, rating := range []string{"GREEN", "AMBER", "RED"} {
				f.Values[benchmark.FigAudit(std, rating)] = v(2 + (i+k)%4)
			}
			f.Values[benchmark.FigAuditRated(std)] = v(12)
		}
		in.Figures = append(in.Figures, f)
	}
	return in
}

// BenchmarkComputePeriod computes every metric of one period for n organisations in memory: what
// a recomputation does between reading the figures and writing the benchmarks. Its time and
// bytes per operation should grow about as n:
//
//	go test -run '^$' -bench ComputePeriod -benchmem ./benchmark/
func BenchmarkComputePeriod(b *testing.B) {
	for _, n := range []int{165, 1650, 16500} {
		in := nationalInput(b, n)
		b.Run(fmt.Sprintf("orgs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if res := benchmark.Compute(in, benchmark.Catalogue()); len(res.Values) == 0 {
					b.Fatal("no values")
				}
			}
		})
	}
}
