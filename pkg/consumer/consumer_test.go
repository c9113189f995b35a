package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/consumer"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/tracing"
)

const (
	stream  = "TEST"
	subject = "test.words"
)

var settings = consumer.Settings{Workers: 1, BatchMessages: 10, FlushInterval: 50 * time.Millisecond, MaxAttempts: 3,
	AckWait: 5 * time.Second, OutageRetry: 200 * time.Millisecond}

// bench is a real embedded NATS server with a stream of words, and what a consumer of it did.
type bench struct {
	t  *testing.T
	ns *bustest.Server

	mu       sync.Mutex
	handled  []string                 // every word handed to the handler, each time
	acked    map[string]uint64        // word → the attempt it was acknowledged on
	batches  []int                    // the size of each batch handed to the handler
	counted  map[string]int           // outcome → how many
	notified map[string]string        // word → the reason DeadLettered was told
	traces   map[string]trace.TraceID // word → the trace its Delivery's context carried
}

func newBench(t *testing.T) *bench {
	ns := bustest.New(t)
	if _, err := ns.JS.CreateStream(context.Background(), jetstream.StreamConfig{Name: stream, Subjects: []string{"test.>"}}); err != nil {
		t.Fatal(err)
	}
	return &bench{t: t, ns: ns, acked: map[string]uint64{}, counted: map[string]int{}, notified: map[string]string{}, traces: map[string]trace.TraceID{}}
}

func (b *bench) publish(words ...string) {
	b.t.Helper()
	for _, w := range words {
		if _, err := b.ns.JS.Publish(context.Background(), subject, []byte(w)); err != nil {
			b.t.Fatal(err)
		}
	}
}

// decode refuses words that start with "?".
func decode(data []byte) (string, error) {
	if strings.HasPrefix(string(data), "?") {
		return "", fmt.Errorf("undecodable word %q", data)
	}
	return string(data), nil
}

// run runs a consumer whose handler gives each word the outcome decide says, until the test
// ends; store, when not nil, is the ClickHouse whose outages hold messages.
func (b *bench) run(store chstore.Pinger, decide func(ctx context.Context, batch []consumer.Delivery[string]) []consumer.Outcome) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	spec := consumer.Spec[string]{
		Name: "test", Stream: stream, Durable: "words", Filters: []string{subject}, Decode: decode, Settings: settings,
		Handle: func(ctx context.Context, batch []consumer.Delivery[string]) []consumer.Outcome {
			b.mu.Lock()
			b.batches = append(b.batches, len(batch))
			for _, d := range batch {
				b.handled = append(b.handled, d.Value)
				if sc := trace.SpanContextFromContext(d.Context()); sc.IsValid() {
					b.traces[d.Value] = sc.TraceID()
				}
			}
			b.mu.Unlock()
			out := decide(ctx, batch)
			b.mu.Lock()
			for i, o := range out {
				if o.String() == "ack" {
					b.acked[batch[i].Value] = batch[i].Attempt()
				}
			}
			b.mu.Unlock()
			return out
		},
		DeadLettered: func(_ context.Context, d consumer.Delivery[string], reason string) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.notified[d.Value] = reason
		},
		Count: func(outcome string) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.counted[outcome]++
		},
	}
	done := make(chan error, 1)
	go func() {
		done <- consumer.Run(ctx, consumer.Runner{JS: b.ns.JS, Store: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, spec)
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				b.t.Errorf("consumer stopped with %v", err)
			}
		}
	}
	b.t.Cleanup(stop)
	return stop
}

// deadLetters returns the messages parked in the dead-letter stream, by body.
func (b *bench) deadLetters() map[string]*jetstream.RawStreamMsg {
	b.t.Helper()
	out := map[string]*jetstream.RawStreamMsg{}
	for _, m := range b.ns.DeadLetters(b.t) {
		out[string(m.Data)] = m
	}
	return out
}

// waitCounted polls until the runner has counted want of each outcome.
func (b *bench) waitCounted(within time.Duration, want map[string]int) {
	b.t.Helper()
	poll.Until(b.t, within, func() error {
		if _, _, counted, _ := b.snapshot(); !maps.Equal(counted, want) {
			return fmt.Errorf("counted %v, want %v", counted, want)
		}
		return nil
	})
}

func (b *bench) snapshot() (handled []string, acked map[string]uint64, counted map[string]int, notified map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.handled), clone(b.acked), clone(b.counted), clone(b.notified)
}

func clone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func ackAll(_ context.Context, batch []consumer.Delivery[string]) []consumer.Outcome {
	return consumer.All(len(batch), consumer.Ack())
}

// Messages come in batches, each settled as its handler said, and counted.
func TestSettlesEachOutcome(t *testing.T) {
	b := newBench(t)
	words := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	b.publish(words...)
	b.publish("refused", "?garbled")
	b.run(nil, func(_ context.Context, batch []consumer.Delivery[string]) []consumer.Outcome {
		out := make([]consumer.Outcome, len(batch))
		for i, d := range batch {
			if d.Value == "refused" {
				out[i] = consumer.DeadLetter("refused on sight")
			} else {
				out[i] = consumer.Ack()
			}
		}
		return out
	})
	b.waitCounted(10*time.Second, map[string]int{metrics.MessageAcknowledged: len(words), metrics.MessageDeadLettered: 2})
	_, acked, _, notified := b.snapshot()
	for _, w := range words {
		if acked[w] != 1 {
			t.Errorf("%s acknowledged on attempt %d, want 1", w, acked[w])
		}
	}
	dl := b.deadLetters()
	if len(dl) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dl))
	}
	for body, reason := range map[string]string{"refused": "refused on sight", "?garbled": `undecodable word "?garbled"`} {
		m := dl[body]
		if m == nil || m.Header.Get(bus.HeaderReason) != reason || m.Header.Get(bus.HeaderOriginalSubject) != subject || m.Subject != "hub.deadletter.test" {
			t.Errorf("dead letter of %q = %+v, want the reason %q and the original subject", body, m, reason)
		}
	}
	if notified["refused"] != "refused on sight" || len(notified) != 1 {
		t.Errorf("DeadLettered told of %v, want the refused word only (the garbled one has no value)", notified)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if slices.Max(b.batches) < 2 {
		t.Errorf("batches %v: want the words taken together", b.batches)
	}
}

// A message that keeps failing is retried with a backoff and, once delivered MaxAttempts times,
// parked in the dead-letter stream with its last error; it is never retried for ever.
func TestAttemptCap(t *testing.T) {
	b := newBench(t)
	b.publish("flaky", "fine")
	b.run(nil, func(_ context.Context, batch []consumer.Delivery[string]) []consumer.Outcome {
		out := make([]consumer.Outcome, len(batch))
		for i, d := range batch {
			if d.Value == "flaky" {
				out[i] = consumer.Retry(fmt.Errorf("attempt %d refused", d.Attempt()))
			} else {
				out[i] = consumer.Ack()
			}
		}
		return out
	})
	b.waitCounted(20*time.Second, map[string]int{metrics.MessageAcknowledged: 1, metrics.MessageRetried: 2, metrics.MessageDeadLettered: 1})
	m := b.deadLetters()["flaky"]
	if got, want := m.Header.Get(bus.HeaderReason), "failed 3 times: attempt 3 refused"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	if got := m.Header.Get(bus.HeaderDeliveries); got != "3" {
		t.Errorf("dead-lettered after %s deliveries, want 3", got)
	}
	handled, acked, _, notified := b.snapshot()
	if n := strings.Count(strings.Join(handled, " "), "flaky"); n != 3 {
		t.Errorf("flaky handled %d times, want 3", n)
	}
	if acked["fine"] != 1 || notified["flaky"] == "" {
		t.Errorf("acked %v, notified %v", acked, notified)
	}
}

// A handler that panics on one message of a batch does not stop the consumer: the batch is
// handled again one at a time, and only the message that panics is dead-lettered, with why.
func TestPanicDeadLettersOnlyItsMessage(t *testing.T) {
	b := newBench(t)
	b.publish("a", "b", "bomb", "c", "d")
	b.run(nil, func(_ context.Context, batch []consumer.Delivery[string]) []consumer.Outcome {
		for _, d := range batch {
			if d.Value == "bomb" {
				panic("bomb went off")
			}
		}
		return consumer.All(len(batch), consumer.Ack())
	})
	b.waitCounted(10*time.Second, map[string]int{metrics.MessageAcknowledged: 4, metrics.MessageDeadLettered: 1})
	b.publish("after") // the consumer goes on
	poll.Until(t, 10*time.Second, func() error {
		if _, acked, _, _ := b.snapshot(); acked["after"] == 0 {
			return errors.New("the word published after the panic is not acknowledged")
		}
		return nil
	})
	_, acked, _, notified := b.snapshot()
	for _, w := range []string{"a", "b", "c", "d", "after"} {
		if acked[w] != 1 {
			t.Errorf("%s acknowledged on attempt %d, want 1", w, acked[w])
		}
	}
	dl := b.deadLetters()
	if len(dl) != 1 || dl["bomb"] == nil || dl["bomb"].Header.Get(bus.HeaderReason) != "the handler panicked: bomb went off" {
		t.Errorf("dead letters %v, want the bomb alone with the panic as its reason", dl)
	}
	if notified["bomb"] != "the handler panicked: bomb went off" {
		t.Errorf("DeadLettered told %v", notified)
	}
}

// A batch that fails as a whole because of one message (as ClickHouse refuses an insert for one
// chunk) is tried again one message at a time: the others are done on their first delivery.
func TestIsolatesTheMessageABatchFailsFor(t *testing.T) {
	b := newBench(t)
	b.publish("a", "b", "rotten", "c")
	b.run(nil, func(_ context.Context, batch []consumer.Delivery[string]) []consumer.Outcome {
		for _, d := range batch {
			if d.Value == "rotten" {
				return consumer.All(len(batch), consumer.Retry(errors.New("batch refused: rotten")))
			}
		}
		return consumer.All(len(batch), consumer.Ack())
	})
	poll.Until(t, 20*time.Second, func() error {
		if n := len(b.deadLetters()); n != 1 {
			return fmt.Errorf("%d dead letters, want 1", n)
		}
		return nil
	})
	_, acked, _, _ := b.snapshot()
	for _, w := range []string{"a", "b", "c"} {
		if acked[w] != 1 {
			t.Errorf("%s acknowledged on attempt %d, want 1", w, acked[w])
		}
	}
	if _, ok := b.deadLetters()["rotten"]; !ok {
		t.Errorf("the rotten word is not the one dead-lettered")
	}
}

// A message a handler gives no outcome for fails (and is retried), rather than being lost or
// acknowledged by mistake.
func TestNoOutcomeIsAFailure(t *testing.T) {
	b := newBench(t)
	b.publish("forgotten")
	b.run(nil, func(_ context.Context, batch []consumer.Delivery[string]) []consumer.Outcome { return nil })
	poll.Until(t, 20*time.Second, func() error {
		if n := len(b.deadLetters()); n != 1 {
			return fmt.Errorf("%d dead letters, want 1", n)
		}
		return nil
	})
	if got := b.deadLetters()["forgotten"].Header.Get(bus.HeaderReason); got != "failed 3 times: "+consumer.ErrNoOutcome.Error() {
		t.Errorf("reason %q", got)
	}
}

// The trace context the publisher put in the headers reaches the handler.
func TestCarriesTraceContext(t *testing.T) {
	b := newBench(t)
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	msg := nats.NewMsg(subject)
	msg.Data = []byte("traced")
	tracing.Inject(ctx, msg.Header)
	if _, err := b.ns.JS.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	b.publish("untraced")
	b.run(nil, ackAll)
	b.waitCounted(10*time.Second, map[string]int{metrics.MessageAcknowledged: 2})
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.traces["traced"] != tid {
		t.Errorf("trace %s, want %s from the traceparent header", b.traces["traced"], tid)
	}
	if _, ok := b.traces["untraced"]; ok {
		t.Errorf("a message without traceparent carries a trace")
	}
}

// While ClickHouse cannot be reached, a failing message is held (its ack wait renewed) and tried
// again once ClickHouse is back: the outage lasts longer than its attempts would, yet it is
// stored on its first delivery and nothing is dead-lettered. Stopping during an outage hands the
// held message back to JetStream, for the next run.
func TestHoldsWhileClickHouseIsDown(t *testing.T) {
	b := newBench(t)
	direct, cfg := chtest.New(t)
	ctx := context.Background()
	if err := direct.Exec(ctx, "CREATE TABLE words (word String) ENGINE = MergeTree ORDER BY word"); err != nil {
		t.Fatal(err)
	}
	proxy := chtest.NewProxy(t, cfg.Addr)
	cfg.Addr = proxy.Addr()
	ch, err := chstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	insert := func(ctx context.Context, batch []consumer.Delivery[string]) []consumer.Outcome {
		if err := insertWords(ctx, ch, batch); err != nil {
			return consumer.All(len(batch), consumer.Retry(err))
		}
		return consumer.All(len(batch), consumer.Ack())
	}
	stored := func() uint64 {
		var n uint64
		if err := direct.QueryRow(ctx, "SELECT count() FROM words").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	proxy.Down()
	stop := b.run(ch, insert)
	b.publish("held-1", "held-2")
	poll.Until(t, 10*time.Second, func() error {
		if h, _, _, _ := b.snapshot(); len(h) < 4 {
			return fmt.Errorf("handled %v, want the batch tried at least twice", h)
		}
		return nil
	})
	time.Sleep(3 * time.Second) // the outage itself, longer than three attempts' backoff: nothing to poll for
	if n := stored(); n != 0 {
		t.Fatalf("%d words stored during the outage", n)
	}
	proxy.Up()
	poll.Until(t, 10*time.Second, func() error {
		if n := stored(); n != 2 {
			return fmt.Errorf("%d words stored, want 2", n)
		}
		return nil
	})
	b.waitCounted(5*time.Second, map[string]int{metrics.MessageAcknowledged: 2}) // none retried, none dead-lettered
	if _, acked, _, _ := b.snapshot(); acked["held-1"] != 1 || acked["held-2"] != 1 || len(b.deadLetters()) != 0 {
		t.Errorf("acked %v, %d dead letters: want both stored on their first delivery", acked, len(b.deadLetters()))
	}

	// Stopping during an outage: the held message goes back to JetStream at once.
	proxy.Down()
	b.publish("stopped")
	poll.Until(t, 10*time.Second, func() error {
		if h, _, _, _ := b.snapshot(); h[len(h)-1] != "stopped" {
			return errors.New("the word published during the outage is not handled yet")
		}
		return nil
	})
	stop()
	proxy.Up()
	b.run(ch, insert)
	poll.Until(t, 10*time.Second, func() error {
		if n := stored(); n != 3 {
			return fmt.Errorf("%d words stored after the restart, want 3", n)
		}
		return nil
	})
	if len(b.deadLetters()) != 0 {
		t.Errorf("dead letters after the restart: %v", b.deadLetters())
	}
}

func insertWords(ctx context.Context, ch driver.Conn, batch []consumer.Delivery[string]) error {
	ins, err := ch.PrepareBatch(chstore.BatchContext(ctx), "INSERT INTO words (word)")
	if err != nil {
		return err
	}
	for _, d := range batch {
		if err := ins.Append(d.Value); err != nil {
			_ = ins.Abort()
			return err
		}
	}
	return ins.Send()
}

// A service told to stop before its consumer exists (a shutdown right after start) stops
// cleanly: nothing is in hand, so there is nothing to report.
func TestStopBeforeStartIsClean(t *testing.T) {
	b := newBench(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	spec := consumer.Spec[string]{Name: "test", Stream: stream, Durable: "words", Filters: []string{subject}, Decode: decode, Settings: settings,
		Handle: func(context.Context, []consumer.Delivery[string]) []consumer.Outcome { return nil }}
	if err := consumer.Run(ctx, consumer.Runner{JS: b.ns.JS, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, spec); err != nil {
		t.Fatalf("Run with a stopped context = %v, want nil", err)
	}
}
