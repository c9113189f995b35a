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
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
	"github.com/partnership-hub/hub/services/api"
)

const benchRows = 200000

// BenchmarkThroughput sends 200,000 synthetic workforce rows through the API as one CSV upload
// and measures the time until all are queryable in ClickHouse; in the same run it decodes the
// same CSV and inserts the rows straight into ClickHouse with clickhouse-go (one batch, the same
// table layout). It reports rows/s for both and their ratio. Both run on a quiet hub: each waits
// until the benchmark service has recomputed what came before it. Run it with
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

	w := watchBenchmarks(b, r)
	var hubTime, directTime time.Duration
	for i := 0; i < b.N; i++ {
		w.waitCaughtUp(b, 10*time.Minute)
		// Every iteration sends a new body (another idempotency key), so each is stored again.
		ref, took := storedThroughHub(b, nc, submission.KindWorkforce, benchRows, func() api.SubmissionRef {
			return r.submitWithKey("demo-steward", "text/csv", body, time.Now().String())
		})
		hubTime += took
		if n := r.count("SELECT count() FROM workforce_returns FINAL WHERE submission_id = ?", ref.ID); n != benchRows {
			b.Fatalf("queryable rows = %d, want %d", n, benchRows)
		}

		// The direct path runs on a quiet hub, as the hub's did: once the benchmark service has
		// recomputed what the upload touched.
		w.waitCaughtUp(b, 10*time.Minute)
		start := time.Now()
		d, err := workforce.Kind.ReadAll(kind.Body{R: strings.NewReader(body), CSV: true})
		if err != nil || len(d.Rows) != benchRows {
			b.Fatalf("decode: %v, %d rows", err, len(d.Rows))
		}
		rows := make([]workforce.Stored, len(d.Rows))
		now := time.Now()
		for j, row := range d.Rows {
			rows[j] = workforce.Stored{Row: workforce.Row{Row: row.Num, Return: row.Value}, SubmissionID: "direct", SubmittedBy: "bench", ReceivedAt: now}
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

// storedThroughHub submits (as submit does) and waits until every one of rows is stored: ingest
// announces each chunk on hub.stored only after ClickHouse has taken it, so the events tell when
// every row is queryable without loading ClickHouse with polls.
func storedThroughHub(b *testing.B, nc *nats.Conn, kind string, rows int, submit func() api.SubmissionRef) (api.SubmissionRef, time.Duration) {
	events := make(chan *nats.Msg, 1024)
	sub, err := nc.ChanSubscribe(bus.StoredFilter(kind), events)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	start := time.Now()
	ref := submit()
	accepted := time.Since(start)
	var first time.Duration
	for stored := 0; stored < rows; {
		var ev submission.Event
		if err := json.Unmarshal((<-events).Data, &ev); err != nil {
			b.Fatal(err)
		}
		if ev.ID == ref.ID {
			stored += ev.Rows
			if first == 0 {
				first = time.Since(start)
			}
		}
	}
	took := time.Since(start)
	// The API reads and checks the whole body before it queues a chunk: the phases say how the
	// time divides between it and ingest.
	b.Logf("%s: accepted by the API after %s, first rows stored after %s, all %d stored after %s",
		kind, accepted.Round(time.Millisecond), first.Round(time.Millisecond), rows, took.Round(time.Millisecond))
	return ref, took
}
