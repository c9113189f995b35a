package projection

import "testing"

// BenchmarkRunEngland projects every local authority of the DfE figures ten years ahead, with
// England as their sum: what GET /v1/projections?region=E92000001 computes on each request.
func BenchmarkRunEngland(b *testing.B) {
	orgs, _, err := DfEOrgs()
	if err != nil {
		b.Fatal(err)
	}
	orgs = Stitch(orgs, func(c string) string { return c })
	codes := InArea(orgs, "E92000001")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(orgs, codes, Assumptions{Years: MaxYears, Demand: DemandFlat}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(codes)), "orgs")
}
