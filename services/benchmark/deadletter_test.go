package benchmark_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/submission"
)

// announce publishes a stored event of a workforce return of org for period, as ingest would.
func (e *env) announce(id, org, period string) {
	e.t.Helper()
	b, _ := json.Marshal(submission.Event{ID: id, Kind: submission.KindWorkforce, Org: org, Touched: map[string][]string{org: {period}}, Rows: 1})
	if _, err := e.ns.JS.Publish(context.Background(), bus.StoredSubject(submission.KindWorkforce, org), b, jetstream.WithMsgID(id)); err != nil {
		e.t.Fatal(err)
	}
}

// An event whose recomputation keeps failing is tried MaxAttempts times and then parked in the
// dead-letter stream with the reason, and one whose recomputation panics is parked at once,
// instead of being retried for ever or crashing the service in a loop; the events taken with
// them are recomputed, and the service goes on.
func TestFailingAndPanickingEventsAreDeadLettered(t *testing.T) {
	e := newEnv(t)
	e.svc.WrapRecompute(func(next func(context.Context, []string) error) func(context.Context, []string) error {
		return func(ctx context.Context, periods []string) error {
			switch {
			case slices.Contains(periods, "1999"):
				return errors.New("refused")
			case slices.Contains(periods, "1998"):
				panic("recompute exploded")
			}
			return next(ctx, periods)
		}
	})
	e.announce("refused", "E06000002", "1999")
	e.announce("exploding", "E06000003", "1998")
	e.storeReturn("E06000001", 90, 10, time.Now().Add(-time.Hour), true)
	e.start()
	e.waitFor(10)

	want := map[string]struct {
		reason     string
		deliveries string
	}{
		"refused":   {"failed 3 times: recompute [1999]: refused", "3"},
		"exploding": {"the handler panicked: recompute exploded", "1"},
	}
	var got map[string][2]string
	poll.Until(t, 30*time.Second, func() error {
		got = map[string][2]string{}
		for _, m := range e.ns.DeadLetters(t) {
			var ev submission.Event
			if err := json.Unmarshal(m.Data, &ev); err != nil {
				t.Fatalf("dead letter %q: %v", m.Data, err)
			}
			got[ev.ID] = [2]string{m.Header.Get(bus.HeaderReason), m.Header.Get(bus.HeaderDeliveries)}
		}
		if len(got) != len(want) {
			return fmt.Errorf("dead letters %v, want the refused and the exploding events", got)
		}
		return nil
	})
	for id, w := range want {
		if g := got[id]; g[0] != w.reason || g[1] != w.deliveries {
			t.Errorf("%s: dead-lettered after %s deliveries with %q, want %s and %q", id, g[1], g[0], w.deliveries, w.reason)
		}
	}
	// The service goes on.
	e.storeReturn("E06000001", 80, 20, time.Now().Add(-time.Minute), true)
	e.waitFor(20)
}
