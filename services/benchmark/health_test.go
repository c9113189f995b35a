package benchmark_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/metrics/metricstest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/services/benchmark"
)

// TestHealthAndMetrics serves the health listener of a running service, announces a stored
// return, and checks the probes and that the recomputation is counted and timed.
func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	reg, base := metricstest.ServeHealth(t, &lifecycle.Conns{NC: e.ns.NC, JS: e.ns.JS, CH: e.conn}, slog.New(slog.NewTextHandler(io.Discard, nil)), bus.StreamEvents)
	m, err := metrics.NewBenchmark(reg)
	if err != nil {
		t.Fatal(err)
	}
	before := metricstest.Scrape(t, base+"/metrics")
	if got := before["hub_benchmark_recompute_duration_seconds_count"]; got != 0 {
		t.Fatalf("recompute count %v before any event, want 0", got)
	}

	e.svc.Observe(m)
	e.start()
	e.storeReturn("E06000001", 90, 10, time.Now().Add(-time.Hour), true)
	e.waitFor(10)

	var got map[string]float64
	ackPending := `hub_consumer_ack_pending_messages{consumer="` + benchmark.Consumer + `",stream="EVENTS"}`
	poll.Until(t, 10*time.Second, func() error {
		got = metricstest.Scrape(t, base+"/metrics")
		if got["hub_benchmark_recompute_duration_seconds_count"] >= 1 && got[ackPending] == 0 {
			return nil
		}
		return fmt.Errorf("recompute not observed: count %v, %v unacknowledged", got["hub_benchmark_recompute_duration_seconds_count"], got[ackPending])
	})
	if got["hub_benchmark_periods_recomputed_total"] < 1 {
		t.Errorf("periods recomputed %v, want at least 1", got["hub_benchmark_periods_recomputed_total"])
	}
	if got["hub_benchmark_recompute_duration_seconds_sum"] <= 0 {
		t.Errorf("no recompute time observed")
	}
	if got["hub_jetstream_up"] != 1 {
		t.Errorf("hub_jetstream_up %v, want 1", got["hub_jetstream_up"])
	}
}
