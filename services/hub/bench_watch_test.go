package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/hub"
)

// benchmarkWatch follows the benchmark service from outside: the service acknowledges a stored
// event only once a recomputation that read its rows has been written, so the consumer's
// acknowledgement floor tells which stored rows are in the benchmarks.
type benchmarkWatch struct {
	js   jetstream.JetStream
	cons jetstream.Consumer
}

func watchBenchmarks(tb testing.TB, r *running) *benchmarkWatch {
	tb.Helper()
	nc, err := nats.Connect(r.s.NATSURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	cons, err := js.Consumer(context.Background(), bus.StreamEvents, benchmark.Consumer)
	if err != nil {
		tb.Fatal(err)
	}
	return &benchmarkWatch{js: js, cons: cons}
}

// floor reads the acknowledgement floor (a stream sequence), and whether every event is
// acknowledged (false too when the server cannot say).
func (w *benchmarkWatch) floor() (uint64, bool) {
	info, err := w.cons.Info(context.Background())
	if err != nil {
		return 0, false
	}
	return info.AckFloor.Stream, info.NumPending == 0 && info.NumAckPending == 0
}

// waitCaughtUp waits until the service has acknowledged every event.
func (w *benchmarkWatch) waitCaughtUp(tb testing.TB, limit time.Duration) {
	tb.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(50 * time.Millisecond) {
		if _, ok := w.floor(); ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the benchmarks are not caught up after %s", limit)
		}
	}
}

// storedEvent is a stored chunk's event as the EVENTS stream keeps it.
type storedEvent struct {
	seq  uint64
	at   time.Time
	id   string
	rows int
}

// follow collects the stored events of kind from now on.
func (w *benchmarkWatch) follow(tb testing.TB, kind string) (events func() []storedEvent, stop func()) {
	tb.Helper()
	var (
		mu  sync.Mutex
		all []storedEvent
	)
	ordered, err := w.js.OrderedConsumer(context.Background(), bus.StreamEvents, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{bus.StoredFilter(kind)}, DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		tb.Fatal(err)
	}
	cc, err := ordered.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		var ev submission.Event
		if err != nil || json.Unmarshal(m.Data(), &ev) != nil {
			return
		}
		mu.Lock()
		all = append(all, storedEvent{seq: md.Sequence.Stream, at: md.Timestamp, id: ev.ID, rows: ev.Rows})
		mu.Unlock()
	})
	if err != nil {
		tb.Fatal(err)
	}
	return func() []storedEvent {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(all)
	}, cc.Stop
}

// storedToBenchmarked submits (one chunk of workforce returns) and times from its stored event
// to its acknowledgement by the benchmark service.
func (w *benchmarkWatch) storedToBenchmarked(tb testing.TB, submit func()) time.Duration {
	tb.Helper()
	events, stop := w.follow(tb, submission.KindWorkforce)
	defer stop()
	submit()
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if evs := events(); len(evs) > 0 {
			if floor, _ := w.floor(); floor >= evs[0].seq {
				return time.Since(evs[0].at)
			}
		}
		if time.Now().After(deadline) {
			tb.Fatal("the resubmission did not reach the benchmarks")
		}
	}
}

// concurrently runs do over queries from clients at once, perClient each, and returns every
// call's time, in order, and the wall time.
func concurrently[Q any](tb testing.TB, queries []Q, clients, perClient int, do func(Q) error) ([]time.Duration, time.Duration) {
	var (
		mu  sync.Mutex
		all []time.Duration
		wg  sync.WaitGroup
	)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			var mine []time.Duration
			for i := range perClient {
				q := queries[(c*perClient+i)%len(queries)]
				t0 := time.Now()
				if err := do(q); err != nil {
					tb.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all)
	return all, time.Since(start)
}

// standard2Reader reads GET /v1/benchmarks/standard-2 for a region and period as the steward,
// over connections kept for many clients at once.
func standard2Reader(tb testing.TB, r *running) func(q [2]string) error {
	tb.Helper()
	cc := clientcredentials.Config{ClientID: "demo-steward", ClientSecret: hub.DemoSecret, TokenURL: r.s.Issuer + "/token"}
	tok, err := cc.Token(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	return func(q [2]string) error {
		req, _ := http.NewRequest("GET", r.s.APIURL+"/v1/benchmarks/standard-2?region="+q[0]+"&period="+q[1], nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%v: %d", q, resp.StatusCode)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
}
