package hub_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

const benchRows = 200000

// BenchmarkThroughput sends 200,000 synthetic workforce rows through the API as one CSV upload
// and measures the time until all are queryable in ClickHouse; in the same run it decodes the
// same CSV and inserts the rows straight into ClickHouse with clickhouse-go (one batch, the same
// table layout). It reports rows/s for both and their ratio. Run it with
//
//	make bench   (go test -run '^$' -bench Throughput -benchtime 1x ./services/hub)
func BenchmarkThroughput(b *testing.B) {
	r := startHub(b)
	body, _ := syntheticCSV(r.orgs, benchRows, 0)
	direct, _ := chtest.New(b)
	store := workforce.NewStore(direct)

	nc, err := nats.Connect(r.s.NATSURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()

	var hubTime, directTime time.Duration
	for i := 0; i < b.N; i++ {
		// Every iteration sends a new body (another idempotency key), so each is stored again.
		// Ingest announces each chunk on hub.stored only after ClickHouse has taken it, so the
		// events tell when every row is queryable without loading ClickHouse with polls.
		events := make(chan *nats.Msg, 1024)
		sub, err := nc.ChanSubscribe(bus.StoredFilter(submission.KindWorkforce), events)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		ref := r.submitWithKey("demo-steward", "text/csv", body, time.Now().String())
		for stored := 0; stored < benchRows; {
			var ev submission.Event
			if err := json.Unmarshal((<-events).Data, &ev); err != nil {
				b.Fatal(err)
			}
			if ev.ID == ref.ID {
				stored += ev.Rows
			}
		}
		hubTime += time.Since(start)
		_ = sub.Unsubscribe()
		if n := r.count("SELECT count() FROM workforce_returns FINAL WHERE submission_id = ?", ref.ID); n != benchRows {
			b.Fatalf("queryable rows = %d, want %d", n, benchRows)
		}

		start = time.Now()
		d, err := workforce.DecodeCSV(strings.NewReader(body))
		if err != nil || len(d.Rows) != benchRows {
			b.Fatalf("decode: %v, %d rows", err, len(d.Rows))
		}
		rows := make([]workforce.Stored, len(d.Rows))
		now := time.Now()
		for j, row := range d.Rows {
			rows[j] = workforce.Stored{Row: row, SubmissionID: "direct", SubmittedBy: "bench", ReceivedAt: now}
		}
		if err := store.Insert(context.Background(), rows); err != nil {
			b.Fatal(err)
		}
		directTime += time.Since(start)
	}
	hubRate := float64(benchRows*b.N) / hubTime.Seconds()
	directRate := float64(benchRows*b.N) / directTime.Seconds()
	b.ReportMetric(hubRate, "hub-rows/s")
	b.ReportMetric(directRate, "direct-rows/s")
	b.ReportMetric(hubRate/directRate, "ratio")
	b.Logf("%d rows: hub %.0f rows/s (%s), direct clickhouse-go %.0f rows/s (%s), ratio %.2f",
		benchRows, hubRate, hubTime/time.Duration(b.N), directRate, directTime/time.Duration(b.N), hubRate/directRate)
}
