package benchmark_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

func stored(r workforce.Return, at time.Time) workforce.Stored {
	return workforce.Stored{Row: workforce.Row{Row: 2, Return: r}, SubmissionID: "s-" + at.String(), SubmittedBy: "test", ReceivedAt: at}
}

// A resubmitted return replaces the earlier one in the benchmarks: the region's sums count it
// once, with its new figures.
func TestResubmittedReturnReplaces(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	returns, store := workforce.NewStore(conn), must(benchmark.NewStore(conn))
	t0 := time.Now().Add(-time.Hour)
	first := []workforce.Stored{
		stored(figures("E06000001", "inpost_fte", 90, "vacancy_fte", 10), t0),
		stored(figures("E06000002", "inpost_fte", 150, "vacancy_fte", 50), t0),
		stored(figures("E09000001", "inpost_fte", 10, "vacancy_fte", "x"), t0),
	}
	for i := range first {
		first[i].Period = "2024"
	}
	if err := returns.Insert(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Recompute(ctx, "2024"); err != nil {
		t.Fatal(err)
	}
	check := func(want float64, contributors int) {
		t.Helper()
		areas, err := store.Areas(ctx, "2024", []string{"E12000001"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range areas {
			if a.Metric == "vacancy_rate" {
				if !near(a.Value, want) || a.Contributors != contributors {
					t.Fatalf("North East %s from %d, want %v from %d", fmtPtr(a.Value), a.Contributors, want, contributors)
				}
				return
			}
		}
		t.Fatal("no North East vacancy rate")
	}
	check(100*60.0/300, 2)

	again := stored(figures("E06000001", "inpost_fte", 80, "vacancy_fte", 20), t0.Add(time.Minute))
	again.Period = "2024"
	if err := returns.Insert(ctx, []workforce.Stored{again}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Recompute(ctx, "2024"); err != nil {
		t.Fatal(err)
	}
	check(100*70.0/300, 2) // (20 + 50) ÷ (100 + 200), not (10 + 20 + 50) ÷ (100 + 100 + 200)

	members, err := store.Members(ctx, "2024", "E13000001")
	if err != nil {
		t.Fatal(err)
	}
	workforceMetrics := 0
	for _, m := range benchmark.Catalogue() {
		if m.Source == submission.KindWorkforce {
			workforceMetrics++
		}
	}
	// A return gives values for the workforce metrics only: no survey, audit or Standard 8 data.
	if len(members) != workforceMetrics || members[0].Org != "E09000001" || members[0].Name != "City of London" {
		t.Fatalf("Inner London members: %+v", members)
	}
	london, err := store.Areas(ctx, "2024", []string{"E12000007", "E92000001"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range london {
		if a.Metric == "vacancy_rate" && a.Region == "E12000007" && (a.Excluded != 1 || a.Contributors != 0 || a.Value != nil) {
			t.Errorf("London: %+v, want City of London excluded", a)
		}
	}
	if len(london) != 2*workforceMetrics {
		t.Errorf("%d area rows for London and England, want %d", len(london), 2*workforceMetrics)
	}

	periods, values, err := store.Rebuild(ctx)
	if err != nil || periods != 1 || values != 3*workforceMetrics {
		t.Fatalf("rebuild: %d periods, %d values, %v", periods, values, err)
	}
	check(100*70.0/300, 2)
	series, err := store.OrgSeries(ctx, "vacancy_rate", "E06000001")
	if err != nil || len(series) != 1 || !near(series[0].Value, 20) {
		t.Fatalf("series %+v, %v", series, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// BenchmarkReadStandard2 times the two ClickHouse reads behind GET /v1/benchmarks/standard-2
// (an area with England, and the area's organisations) on the DfE figures 2017–2025, one after
// another, cycling over every area and year, each query's mean apart; and a rebuild of all
// nine years.
func BenchmarkReadStandard2(b *testing.B) {
	conn, _ := chtest.New(b)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		b.Fatal(err)
	}
	_, decoded := dfeFigures(b)
	rows := make([]workforce.Stored, len(decoded))
	for i, r := range decoded {
		rows[i] = workforce.Stored{Row: r, SubmissionID: "dfe", ReceivedAt: time.Now()}
	}
	if err := workforce.NewStore(conn).Insert(ctx, rows); err != nil {
		b.Fatal(err)
	}
	store := must(benchmark.NewStore(conn))
	start := time.Now()
	if _, _, err := store.Rebuild(ctx); err != nil {
		b.Fatal(err)
	}
	rebuild := time.Since(start)
	var ta, tm time.Duration
	regions, _ := reference.Regions()
	var took []time.Duration
	b.ResetTimer()
	for i := range b.N {
		reg, period := regions[i%len(regions)].Code, []string{"2017", "2018", "2019", "2020", "2021", "2022", "2023", "2024", "2025"}[i/len(regions)%9]
		t0 := time.Now()
		if _, err := store.Areas(ctx, period, []string{reg, reference.England}); err != nil {
			b.Fatal(err)
		}
		ta += time.Since(t0)
		t1 := time.Now()
		if _, err := store.Members(ctx, period, reg); err != nil {
			b.Fatal(err)
		}
		tm += time.Since(t1)
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(rebuild.Milliseconds()), "rebuild-ms")
	b.ReportMetric(float64(ta.Microseconds())/1000/float64(b.N), "areas-ms")
	b.ReportMetric(float64(tm.Microseconds())/1000/float64(b.N), "members-ms")
}
