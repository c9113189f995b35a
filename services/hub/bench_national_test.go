package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/hub"
)

// startNation runs the hub (no rate limit) on a database seeded with the nation's made-up
// organisations.
func startNation(tb testing.TB, n *nation) *running {
	tb.Helper()
	return startHubWith(tb, func(cfg *hub.Config, ch chstore.Config) {
		cfg.API.Rate.PerSecond = 0
		ctx := context.Background()
		conn, err := chstore.Open(ctx, ch)
		if err != nil {
			tb.Fatal(err)
		}
		defer conn.Close()
		if err := n.seed(ctx, conn); err != nil {
			tb.Fatal(err)
		}
	})
}

// load sends every upload of the nation through the API and waits until ingest has finished
// each; every row must be accepted. It returns the rows sent per kind.
func (n *nation) load(tb testing.TB, r *running) map[string]int {
	tb.Helper()
	sent := map[string]int{}
	i := 0
	err := n.uploads(func(u upload) error {
		ref := r.submitTo(u.client, u.path, u.body, fmt.Sprint("nation-", u.kind, "-", i, "-", time.Now().UnixNano()))
		i++
		st := r.wait(u.client, ref)
		if st.Status != submission.StatusAccepted || st.Accepted != u.rows {
			return fmt.Errorf("%s upload %d: %s, %d of %d rows accepted, first refused %+v", u.kind, i, st.Status, st.Accepted, u.rows, firstRefused(st))
		}
		sent[u.kind] += u.rows
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return sent
}

func firstRefused(st submission.Status) any {
	if len(st.Errors) == 0 {
		return nil
	}
	return st.Errors[0]
}

// The made-up nation loads whole: every row of every kind of a small nation (one year, every
// local authority) is accepted through the API and stored. BenchmarkNationalScale loads the same
// nation ten years deep, at one and ten times England's organisations.
func TestNationLoads(t *testing.T) {
	n := newNation(t, 1, 1)
	r := startNation(t, n)
	sent := n.load(t, r)
	year := n.firstYear
	tests := []struct {
		kind, query string
		want        int
	}{
		{"workforce", "SELECT count() FROM workforce_returns FINAL WHERE startsWith(org_code, 'T')", 50 * 5},
		{"placement", "SELECT count() FROM placements FINAL WHERE startsWith(org_code, 'U')", len(n.universities) * 100},
		{"placement_capacity", "SELECT count() FROM placement_capacity FINAL WHERE startsWith(org_code, 'U')", len(n.universities) * 2},
		{"practice_educators", "SELECT count() FROM practice_educators FINAL WHERE startsWith(org_code, 'T')", 50},
		{"survey", "SELECT count() FROM survey_results FINAL WHERE startsWith(org_code, 'T')", 50 * len(n.questions) * 3},
		{"audit", "SELECT count() FROM audit_ratings FINAL WHERE startsWith(org_code, 'T')", 50 * len(n.items[year])},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if sent[tt.kind] == 0 {
				t.Errorf("the nation sent no %s rows", tt.kind)
			}
			if got := r.count(tt.query); got != uint64(tt.want) {
				t.Errorf("%d rows of the nation's trusts or universities stored, want %d", got, tt.want)
			}
		})
	}
}

// BenchmarkNationalScale loads a made-up England (see nation) ten years deep through the API, at
// one and ten times the real number of organisations, and prints what each costs:
//
//   - rows-<kind>: rows stored per kind, and load-rows/s through the API;
//   - disk-MB: ClickHouse's disk use of the database;
//   - rebuild-s: `hub rebuild` (every period's benchmarks recomputed from the stored rows);
//   - resubmit-p50-ms, resubmit-p95-ms: from a council's resubmitted return being stored to the
//     benchmarks of its period recomputed with it, over 20 resubmissions;
//   - read-p50-ms, read-p99-ms (and cold-*): GET /v1/benchmarks/standard-2 with 50 clients at
//     once over every area and the last five years, as the steward;
//   - rss-MB, peak-rss-MB: the all-in-one process's resident memory after the load (and its peak).
//
// Run it with
//
//	go test -run '^$' -bench NationalScale -benchtime 1x -timeout 60m ./services/hub
func BenchmarkNationalScale(b *testing.B) {
	for _, scale := range []int{1, 10} {
		b.Run(fmt.Sprintf("scale=%d", scale), func(b *testing.B) {
			for range b.N {
				nationalScale(b, scale)
			}
		})
	}
}

func nationalScale(b *testing.B, scale int) {
	n := newNation(b, scale, 10)
	r := startNation(b, n)
	ctx := context.Background()
	w := watchBenchmarks(b, r)
	w.waitCaughtUp(b, 10*time.Minute)

	start := time.Now()
	sent := n.load(b, r)
	loaded := time.Since(start)
	w.waitCaughtUp(b, 30*time.Minute)
	total := 0
	for kind, rows := range sent {
		total += rows
		b.ReportMetric(float64(rows), "rows-"+kind)
	}
	b.ReportMetric(float64(total)/loaded.Seconds(), "load-rows/s")
	var disk uint64
	if err := r.ch.QueryRow(ctx, "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = currentDatabase()").Scan(&disk); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(disk)/1e6, "disk-MB")

	t0 := time.Now()
	if err := benchmark.Rebuild(ctx, r.chcfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	rebuild := time.Since(t0)
	b.ReportMetric(rebuild.Seconds(), "rebuild-s")

	// A council resubmits its return of the last complete year, 20 times.
	year := strconv.Itoa(n.firstYear + n.years - 1)
	var resubmit []time.Duration
	for i := range 20 {
		body := fmt.Sprintf("%sE06000001,%s,150,160,10.2,11,9.1,10,5.5,6,3.2,%d,90.2,1500,900\n", syntheticHeader, year, 10+i)
		took := w.storedToBenchmarked(b, func() { r.submit("demo-council", "text/csv", body) })
		resubmit = append(resubmit, took)
	}
	slices.Sort(resubmit)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(percentile(resubmit, 0.5)), "resubmit-p50-ms")
	b.ReportMetric(ms(percentile(resubmit, 0.95)), "resubmit-p95-ms")

	cold, warm := readLatency(b, r, n.firstYear+n.years-5, n.firstYear+n.years-1)
	b.ReportMetric(ms(percentile(cold, 0.5)), "cold-read-p50-ms")
	b.ReportMetric(ms(percentile(cold, 0.99)), "cold-read-p99-ms")
	b.ReportMetric(ms(percentile(warm, 0.5)), "read-p50-ms")
	b.ReportMetric(ms(percentile(warm, 0.99)), "read-p99-ms")

	runtime.GC()
	debug.FreeOSMemory()
	rss, peak := residentMemory(b)
	b.ReportMetric(rss/1e6, "rss-MB")
	b.ReportMetric(peak/1e6, "peak-rss-MB")
	b.Logf("scale %d: %d employers, %d universities; %d rows (%v) loaded in %s; disk %.0f MB; rebuild %s; resubmission p50 %s p95 %s; read p50 %s p99 %s (cold p50 %s p99 %s); RSS %.0f MB (peak %.0f MB)",
		scale, len(n.employers), len(n.universities), total, sent, loaded.Round(time.Second), float64(disk)/1e6, rebuild.Round(time.Millisecond),
		percentile(resubmit, 0.5).Round(time.Millisecond), percentile(resubmit, 0.95).Round(time.Millisecond),
		percentile(warm, 0.5), percentile(warm, 0.99), percentile(cold, 0.5), percentile(cold, 0.99), rss/1e6, peak/1e6)
}

// readLatency times GET /v1/benchmarks/standard-2 as the steward with 50 clients at once, over
// every area and the years from first to last, on an empty cache and then warm.
func readLatency(b *testing.B, r *running, first, last int) (cold, warm []time.Duration) {
	regions, err := reference.Regions()
	if err != nil {
		b.Fatal(err)
	}
	var queries [][2]string
	for y := first; y <= last; y++ {
		for _, reg := range regions {
			queries = append(queries, [2]string{reg.Code, fmt.Sprint(y)})
		}
	}
	get := standard2Reader(b, r)
	cold, _ = concurrently(b, queries, 50, 20, get)
	warm, _ = concurrently(b, queries, 50, 20, get)
	return cold, warm
}

// residentMemory reads the process's resident set and its peak from /proc.
func residentMemory(b *testing.B) (rss, peak float64) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb * 1024
		case "VmHWM:":
			peak = kb * 1024
		}
	}
	return rss, peak
}
