package benchmark_test

import (
	"fmt"
	"testing"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/reference"
)

// BenchmarkSurveyDisclosure computes one period of the Standard 2 health-check agreement, the
// disclosure-controlled metric, for n organisations spread over England's regions (London's over
// its two sub-regions) with one small organisation (fewer than 10 respondents) per region, so
// that every region needs secondary suppression. Its time per operation should grow about as n:
//
//	go test -run '^$' -bench SurveyDisclosure -benchtime 3x ./benchmark/
func BenchmarkSurveyDisclosure(b *testing.B) {
	regions, err := reference.Regions()
	if err != nil {
		b.Fatal(err)
	}
	byCode := map[string]reference.Region{}
	var homes []string // the areas an organisation can sit in: regions but London, and London's sub-regions
	for _, r := range regions {
		byCode[r.Code] = r
	}
	for _, r := range regions {
		if r.Level == "subregion" || (r.Level == "region" && r.Code != "E12000007") {
			homes = append(homes, r.Code)
		}
	}
	m, _ := benchmark.Lookup("survey_agreement_s2")
	for _, n := range []int{165, 1650, 16500} {
		orgs := map[string]reference.Organisation{}
		var figs []benchmark.Figures
		for i := range n {
			code := fmt.Sprintf("X%05d", i)
			home := homes[i%len(homes)]
			orgs[code] = reference.Organisation{Code: code, Name: code, Type: reference.TypeLocalAuthority, Region: home}
			respondents := 20 + i%80
			if i < len(homes) {
				respondents = 3 + i%6 // the small one of each region
			}
			figs = append(figs, surveyS2(code, respondents, 5*respondents, 3*respondents))
		}
		in := benchmark.Input{Period: "2026", Organisations: orgs, Regions: byCode, Figures: figs}
		b.Run(fmt.Sprintf("orgs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res := benchmark.Compute(in, []benchmark.Metric{m})
				if len(res.Values) != n {
					b.Fatalf("%d values, want %d", len(res.Values), n)
				}
			}
		})
	}
}
