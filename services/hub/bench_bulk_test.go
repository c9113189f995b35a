package hub_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/submission"
)

// BenchmarkBulkLoad sends a census-time bulk load through the API — uploads of 200,000
// workforce returns each (1,500 organisations × every period since 2000), one after another,
// each with other figures — and measures how far the benchmarks lag behind the stored rows:
//
//   - catchup-s: from the last stored event (ingest announces a chunk once ClickHouse has its
//     rows) to the benchmark service having recomputed every period the load touched;
//   - fresh-p50-ms, fresh-p95-ms, fresh-max-ms: over every stored chunk of the load, the time
//     from its stored event to the benchmarks of its periods being recomputed with it;
//   - hub-rows/s: the load's rate, from the first upload to the last row queryable.
//
// A chunk counts as in the benchmarks once the benchmark service has acknowledged its event:
// the service acknowledges an event only after a recomputation that read its rows has been
// written. The benchmark reads the consumer's acknowledgement floor every 20 ms. Run it with
//
//	go test -run '^$' -bench BulkLoad -benchtime 1x -timeout 30m ./services/hub
func BenchmarkBulkLoad(b *testing.B) {
	for _, uploads := range []int{1, 5} {
		b.Run(fmt.Sprintf("rows=%d", uploads*benchRows), func(b *testing.B) {
			for i := range b.N {
				bulkLoad(b, uploads, i)
			}
		})
	}
}

func bulkLoad(b *testing.B, uploads, iteration int) {
	r := startBenchHub(b)
	bodies := make([]string, uploads)
	for u := range bodies {
		bodies[u] = variedCSV(r.orgs, benchRows, iteration*uploads+u)
	}
	w := watchBenchmarks(b, r)
	w.waitCaughtUp(b, 5*time.Minute) // the demo data's benchmarks first: the load starts on a quiet service
	events, stopFollowing := w.follow(b, submission.KindWorkforce)
	defer stopFollowing()

	// The acknowledgement floor over time: floors[i] was read at times[i].
	var (
		mu     sync.Mutex
		floors []uint64
		times  []time.Time
		stop   = make(chan struct{})
		polled sync.WaitGroup
	)
	polled.Go(func() {
		for t := time.NewTicker(20 * time.Millisecond); ; {
			select {
			case <-stop:
				t.Stop()
				return
			case now := <-t.C:
				floor, _ := w.floor()
				mu.Lock()
				if n := len(floors); n > 0 {
					floor = max(floor, floors[n-1]) // a failed reading says nothing
				}
				floors, times = append(floors, floor), append(times, now)
				mu.Unlock()
			}
		}
	})

	b.ResetTimer()
	start := time.Now()
	ids := map[string]bool{}
	for u, body := range bodies {
		ref := r.submitWithKey("demo-steward", "text/csv", body, fmt.Sprint("bulk-", iteration, "-", u, "-", time.Now().UnixNano()))
		ids[ref.ID] = true
	}
	want := uploads * benchRows
	var last storedEvent
	for deadline := time.Now().Add(20 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		stored := 0
		for _, ev := range events() {
			if ids[ev.id] {
				stored += ev.rows
				if ev.at.After(last.at) {
					last = ev
				}
			}
		}
		if stored >= want {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d rows stored", stored, want)
		}
	}
	loaded := last.at.Sub(start)
	for deadline := time.Now().Add(20 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if floor, ok := w.floor(); ok && floor >= last.seq {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the benchmarks did not catch up")
		}
	}
	time.Sleep(40 * time.Millisecond) // one more floor reading past the last event
	close(stop)
	polled.Wait()
	b.StopTimer()

	// When the floor first passed each event's sequence.
	var fresh []time.Duration
	var caught time.Time
	for _, ev := range events() {
		if !ids[ev.id] {
			continue
		}
		i, _ := slices.BinarySearchFunc(floors, ev.seq, func(f, seq uint64) int {
			if f < seq {
				return -1
			}
			return 1
		})
		if i == len(floors) {
			b.Fatalf("no floor reading past event %d", ev.seq)
		}
		fresh = append(fresh, max(times[i].Sub(ev.at), 0))
		if ev.seq == last.seq {
			caught = times[i]
		}
	}
	slices.Sort(fresh)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(want)/loaded.Seconds(), "hub-rows/s")
	b.ReportMetric(caught.Sub(last.at).Seconds(), "catchup-s")
	b.ReportMetric(ms(percentile(fresh, 0.5)), "fresh-p50-ms")
	b.ReportMetric(ms(percentile(fresh, 0.95)), "fresh-p95-ms")
	b.ReportMetric(ms(fresh[len(fresh)-1]), "fresh-max-ms")
	b.Logf("%d rows in %d uploads: stored in %s; benchmarks caught up %s after the last stored event; freshness over %d chunks p50 %s, p95 %s, max %s",
		want, uploads, loaded.Round(time.Millisecond), caught.Sub(last.at).Round(time.Millisecond), len(fresh),
		percentile(fresh, 0.5).Round(time.Millisecond), percentile(fresh, 0.95).Round(time.Millisecond), fresh[len(fresh)-1].Round(time.Millisecond))
}

// variedCSV is syntheticCSV's grid of returns (organisation × period) with figures that differ
// from one salt to the next, as a resubmission at census time would.
func variedCSV(orgs []string, rows, salt int) string {
	var b strings.Builder
	b.WriteString(syntheticHeader)
	ps := periods()
	for i := range rows {
		k := i + 7*salt
		fmt.Fprintf(&b, "%s,%s,%.1f,%d,10.2,11,9.1,10,5.5,6,3.2,%.1f,90.2,%d,%d\n", orgs[i%len(orgs)], ps[i/len(orgs)],
			100+float64(k%50)/10, 110+k%50, 10+float64(k%30)/2, 1500+k%300, 900+k%500)
	}
	return b.String()
}
