package hub_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/services/hub"
)

// startBenchHub runs the hub with the DfE demo data and no rate limit, since a benchmark is one
// client asking as fast as it can.
func startBenchHub(b *testing.B) *running {
	return startHubWith(b, func(cfg *hub.Config, _ chstore.Config) { cfg.API.Rate.PerSecond = 0 })
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// BenchmarkFreshness measures the time from the API's 202 Accepted for a council's return to its
// new value appearing in GET /v1/benchmarks/standard-2, over 200 submissions one after another.
func BenchmarkFreshness(b *testing.B) {
	r := startBenchHub(b)
	const query = "region=E12000001&period=2025"
	r.waitForValue("demo-council", query, "vacancy_rate", "E06000001", 100*2/(2+151.4)) // the demo data is in
	for range b.N {
		var took []time.Duration
		for i := range 200 {
			vacancies := float64(100 + i)
			r.submit("demo-council", "text/csv", fmt.Sprintf("org,period,inpost_fte,vacancy_fte\nE06000001,2025,150,%v\n", vacancies))
			took = append(took, r.waitForValue("demo-council", query, "vacancy_rate", "E06000001", 100*vacancies/(vacancies+150)))
		}
		slices.Sort(took)
		b.ReportMetric(float64(percentile(took, 0.5).Milliseconds()), "p50-ms")
		b.ReportMetric(float64(percentile(took, 0.95).Milliseconds()), "p95-ms")
		b.ReportMetric(float64(took[len(took)-1].Milliseconds()), "max-ms")
	}
}

// BenchmarkStandard2Latency measures GET /v1/benchmarks/standard-2 on the real DfE data (every
// area, nine years) with 50 clients at once on loopback, and beside it the same reads made
// straight on ClickHouse (the two queries the endpoint runs), also 50 at once. The endpoint is
// timed twice: first on an empty cache (cold-*), then warm.
func BenchmarkStandard2Latency(b *testing.B) {
	r := startBenchHub(b)
	ctx := context.Background()
	regions, err := reference.Regions()
	if err != nil {
		b.Fatal(err)
	}
	var queries [][2]string
	for y := 2017; y <= 2025; y++ {
		for _, reg := range regions {
			queries = append(queries, [2]string{reg.Code, fmt.Sprint(y)})
		}
	}
	r.waitForValue("demo-steward", "region=E12000001&period=2017", "vacancy_rate", "E06000047", mustValue(b, r, "E06000047", "2017"))

	get := standard2Reader(b, r)
	store, err := benchmark.NewStore(r.ch)
	if err != nil {
		b.Fatal(err)
	}
	run := func(clients, perClient int, do func(q [2]string) error) ([]time.Duration, time.Duration) {
		return concurrently(b, queries, clients, perClient, do)
	}
	for range b.N {
		read := func(q [2]string) error {
			if _, err := store.Areas(ctx, q[1], []string{q[0], reference.England}); err != nil {
				return err
			}
			_, err := store.Members(ctx, q[1], q[0])
			return err
		}
		// The API caches each area and period's reads until the benchmark service announces the
		// period's recomputation: the first pass meets an empty cache, the second a warm one.
		coldTimes, coldWall := run(50, 40, get)
		httpTimes, httpWall := run(50, 40, get)
		chTimes, _ := run(50, 40, read)
		httpOne, _ := run(1, 200, get)
		chOne, _ := run(1, 200, read)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(percentile(httpTimes, 0.5)), "p50-ms")
		b.ReportMetric(ms(percentile(httpTimes, 0.99)), "p99-ms")
		b.ReportMetric(float64(len(httpTimes))/httpWall.Seconds(), "req/s")
		b.ReportMetric(ms(percentile(coldTimes, 0.5)), "cold-p50-ms")
		b.ReportMetric(ms(percentile(coldTimes, 0.99)), "cold-p99-ms")
		b.ReportMetric(float64(len(coldTimes))/coldWall.Seconds(), "cold-req/s")
		b.ReportMetric(ms(percentile(chTimes, 0.5)), "clickhouse-p50-ms")
		b.ReportMetric(ms(percentile(chTimes, 0.99)), "clickhouse-p99-ms")
		b.ReportMetric(ms(percentile(httpOne, 0.5)), "1client-p50-ms")
		b.ReportMetric(ms(percentile(chOne, 0.5)), "1client-clickhouse-p50-ms")
	}
}

// mustValue reads an organisation's stored vacancy rate from the DfE demo data.
func mustValue(b *testing.B, r *running, org, period string) float64 {
	var v float64
	if err := r.ch.QueryRow(context.Background(), `SELECT 100 * vacancy_fte / (vacancy_fte + inpost_fte) FROM workforce_returns FINAL WHERE org_code = ? AND period = ?`, org, period).Scan(&v); err != nil {
		b.Fatal(err)
	}
	return v
}
