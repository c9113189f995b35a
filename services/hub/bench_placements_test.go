package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
)

const benchPlacements = 100000

// syntheticPlacements writes n placements of the demo university, each a different student, at
// the North East's councils.
func syntheticPlacements(n int, salt string) string {
	hosts := []string{"E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047", "E06000057", "E08000021", "E08000022", "E08000023", "E08000024", "E08000037"}
	var b strings.Builder
	b.WriteString(strings.Join(placement.Kind.Columns(), ",") + "\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,%s,%s,2024/25,2025/26,final,%s,la,true,children_and_families,100,%d,2,on_site,passed\n",
			placement.DemoUniversity, placement.StudentRef([]byte(salt), fmt.Sprint(i)), placement.Routes[i%len(placement.Routes)], hosts[i%len(hosts)], 95+i%6)
	}
	return b.String()
}

// BenchmarkPlacementThroughput sends 100,000 placements through the API as one CSV upload by the
// demo university and measures the time until all are queryable in ClickHouse; in the same run
// it decodes the same CSV with the API's decoder, applies the ingest rules, and inserts the rows
// straight into ClickHouse with clickhouse-go (placements and placement_history, as ingest
// does). It reports rows/s for both and their ratio, both on a quiet hub (as
// BenchmarkThroughput). Run it with
//
//	go test -run '^$' -bench PlacementThroughput -benchtime 1x ./services/hub
func BenchmarkPlacementThroughput(b *testing.B) {
	r := startHub(b)
	direct, _ := chtest.New(b)
	store := placement.NewStore(direct)

	nc, err := nats.Connect(r.s.NATSURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()

	w := watchBenchmarks(b, r)
	var hubTime, directTime time.Duration
	for i := 0; i < b.N; i++ {
		w.waitCaughtUp(b, 10*time.Minute)
		// Every iteration sends other students, so each is stored again.
		body := syntheticPlacements(benchPlacements, fmt.Sprint("bench-", i))
		ref, took := storedThroughHub(b, nc, submission.KindPlacement, benchPlacements, func() api.SubmissionRef {
			return r.submitTo("demo-university", "/v1/placements", body, fmt.Sprint("bench-", i, time.Now().UnixNano()))
		})
		hubTime += took
		if n := r.count("SELECT count() FROM placements FINAL WHERE submission_id = ?", ref.ID); n != benchPlacements {
			b.Fatalf("queryable rows = %d, want %d", n, benchPlacements)
		}

		// The direct path runs on a quiet hub, as the hub's did: once the benchmark service has
		// recomputed what the upload touched.
		w.waitCaughtUp(b, 10*time.Minute)
		start := time.Now()
		d, err := placement.Kind.ReadAll(kind.Body{R: strings.NewReader(body), CSV: true})
		if err != nil || len(d.Rejected) > 0 {
			b.Fatal(err, d.Rejected)
		}
		rows := make([]placement.StoredPlacement, 0, len(d.Rows))
		now := time.Now()
		for _, r := range d.Rows {
			if errs, _ := placement.Validate(r.Value, now); len(errs) > 0 {
				b.Fatalf("row %d: %+v", r.Num, errs)
			}
			rows = append(rows, placement.StoredPlacement{Row: placement.Row{Row: r.Num, Placement: r.Value},
				Received: placement.Received{SubmissionID: "direct", SubmittedBy: "bench", ReceivedAt: now}})
		}
		if len(rows) != benchPlacements {
			b.Fatalf("decoded %d rows", len(rows))
		}
		if err := store.Insert(context.Background(), rows); err != nil {
			b.Fatal(err)
		}
		directTime += time.Since(start)
	}
	hubRate := float64(benchPlacements*b.N) / hubTime.Seconds()
	directRate := float64(benchPlacements*b.N) / directTime.Seconds()
	b.ReportMetric(hubRate, "hub-rows/s")
	b.ReportMetric(directRate, "direct-rows/s")
	b.ReportMetric(hubRate/directRate, "ratio")
	b.Logf("%d placements: hub %.0f rows/s (%s), direct clickhouse-go %.0f rows/s (%s), ratio %.2f",
		benchPlacements, hubRate, hubTime/time.Duration(b.N), directRate, directTime/time.Duration(b.N), hubRate/directRate)
}
