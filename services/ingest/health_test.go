package ingest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/metrics/metricstest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// TestHealthAndMetrics serves the health listener of a running service, sends it one good
// submission and one undecodable message, and checks the probes and that the counters move.
func TestHealthAndMetrics(t *testing.T) {
	h := newHarness(t)
	reg, base := metricstest.ServeHealth(t, &lifecycle.Conns{NC: h.ns.NC, JS: h.ns.JS, CH: h.conn}, h.log, bus.StreamSubmissions, bus.StreamTrail)
	m, err := metrics.NewIngest(reg)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	svc := New(testConfig, h.log, h.ns.JS, h.conn, h.status,
		workforce.Kind.Handler(h.conn, reference.NewDirectory(h.conn, time.Second), time.Now)).Observe(m, nil)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ingest stopped with %v", err)
		}
	})

	rows := returns("E06000001", 40, 3)
	h.submit("m1", "E06000001", rows, submission.RowError{Row: 9, Field: "cases", Reason: "not a number"})
	if _, err := h.ns.JS.Publish(ctx, bus.SubmitSubject(submission.KindWorkforce, "E06000001"), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(10*time.Second, "m1", finished)
	h.waitDeadLetters(10*time.Second, 1)

	want := map[string]float64{
		`hub_ingest_rows_total{kind="workforce",outcome="accepted"}`:                          3,
		`hub_ingest_rows_total{kind="workforce",outcome="rejected"}`:                          1,
		`hub_ingest_chunks_total{kind="workforce",outcome="stored"}`:                          1,
		`hub_ingest_chunks_total{kind="workforce",outcome="dead_lettered"}`:                   1,
		`hub_ingest_batch_rows_sum{kind="workforce"}`:                                         3,
		`hub_deadletter_messages`:                                                             1,
		`hub_consumer_pending_messages{consumer="ingest-workforce",stream="SUBMISSIONS"}`:     0,
		`hub_consumer_ack_pending_messages{consumer="ingest-workforce",stream="SUBMISSIONS"}`: 0,
		`hub_consumer_redelivered_messages{consumer="ingest-workforce",stream="SUBMISSIONS"}`: 0,
		`hub_jetstream_up`: 1,
	}
	var got map[string]float64
	poll.Until(t, 10*time.Second, func() error {
		got = metricstest.Scrape(t, base+"/metrics")
		for series, v := range want {
			if got[series] != v {
				return fmt.Errorf("%s = %v, want %v", series, got[series], v)
			}
		}
		return nil
	})
	if got[`hub_ingest_insert_duration_seconds_count{kind="workforce"}`] < 1 {
		t.Errorf("no insert latency observed")
	}
}
