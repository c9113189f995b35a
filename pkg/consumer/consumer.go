// Package consumer is the one way the hub consumes JetStream: ingest's consumer of each data
// kind, its access-trail consumer and the benchmark service's consumer of stored events all run
// here, so that each keeps the same promises.
//
// A handler is a plain typed function that takes a batch of decoded messages and gives an
// Outcome for each: Ack, Retry (with the error) or DeadLetter (with the reason). What every
// consumer needs wraps it in layers, in the manner of watermill's middleware, composed in one
// place (Run), outermost first:
//
//   - decoding: a message that cannot be decoded goes to the dead-letter stream at once, with
//     the reason in its headers (bus.DeadLetter);
//   - the attempt cap: a message retried as often as Settings.MaxAttempts goes to the
//     dead-letter stream with its last error as the reason, so nothing is retried for ever;
//   - isolation: when two or more messages of a batch fail, they are tried again in halves, and
//     halves of halves, so that one bad message (a chunk ClickHouse refuses) does not hold back
//     the others, in a few tries rather than one per message;
//   - holding: while ClickHouse cannot be reached, failing messages are held (JetStream is told
//     they are in progress) and tried again once it answers, so an outage never spends an attempt
//     or sends anything to the dead-letter stream;
//   - recovery: a handler that panics is recovered; the batch is handled again in halves until
//     the message that panics is alone, and only it goes to the dead-letter stream.
//
// Around them, the runner fetches batches, carries each message's W3C trace context from its
// headers (Delivery.Context), acknowledges, naks or parks each message as its outcome says,
// and counts the outcomes. A batch in hand is finished even when shutdown begins; only messages
// held for an outage are handed back to JetStream at once.
//
// Delivery is at least once: a message may be handled again after a crash, an isolation or a
// recovery, so handlers must be idempotent, as the hub's are (deterministic row keys and
// versions, message ids on what they publish).
package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/tracing"
)

// Handler handles a batch of decoded messages and gives the outcome of each, in the batch's
// order: out[i] is what becomes of batch[i].
type Handler[T any] func(ctx context.Context, batch []Delivery[T]) []Outcome

// Delivery is one message of a batch, decoded.
type Delivery[T any] struct {
	Value T

	msg     jetstream.Msg
	ctx     context.Context
	fetched time.Time
	decoded bool
}

// Context is the handler's context carrying the trace context the publisher put in the
// message's headers: a span started from it continues the publisher's trace.
func (d Delivery[T]) Context() context.Context { return d.ctx }

// Attempt is how often JetStream has delivered the message: 1 the first time.
func (d Delivery[T]) Attempt() uint64 { return bus.Deliveries(d.msg) }

// Sequence is the message's position in its stream (0 when JetStream did not say): a message
// of a higher sequence was stored in the stream after it.
func (d Delivery[T]) Sequence() uint64 {
	md, err := d.msg.Metadata()
	if err != nil {
		return 0
	}
	return md.Sequence.Stream
}

// Fetched is when the runner took the message from JetStream, outages it was held through
// included.
func (d Delivery[T]) Fetched() time.Time { return d.fetched }

// Subject is the subject the message was published on.
func (d Delivery[T]) Subject() string { return d.msg.Subject() }

// Settings tune a consumer. Each service reads its own from HUB_* variables, with defaults.
type Settings struct {
	Workers       int           // batches in flight at once (at least 1)
	BatchMessages int           // messages fetched and handled together (at least 1)
	FlushInterval time.Duration // longest wait to fill a batch
	MaxAttempts   uint64        // deliveries before a failing message is dead-lettered (at least 1)
	AckWait       time.Duration // redelivery after a silent consumer
	OutageRetry   time.Duration // longest pause between tries while ClickHouse cannot be reached
}

// Spec is one consumer: where it reads, how it decodes, what handles it.
type Spec[T any] struct {
	// Name names the consumer in logs and its dead-letter subject: hub.deadletter.<name>.
	Name        string
	Stream      string
	Durable     string
	Description string
	Filters     []string // subjects the consumer takes, at least one

	// Decode reads a message body; its error is the dead-letter reason of a body it cannot read.
	Decode func(data []byte) (T, error)
	Handle Handler[T]

	// DeadLettered, when set, is told of each decoded message before it is parked, with the
	// reason (ingest records the chunk's rows as refused, so that the submitter sees why).
	DeadLettered func(ctx context.Context, d Delivery[T], reason string)
	// Count, when set, counts each message's end: metrics.MessageAcknowledged,
	// metrics.MessageRetried or metrics.MessageDeadLettered.
	Count func(outcome string)

	Settings Settings
}

// Runner holds what the consumers of a service share.
type Runner struct {
	JS jetstream.JetStream
	// Store is ClickHouse: while it does not answer, failing messages are held rather than
	// retried. Nil holds nothing.
	Store chstore.Pinger
	Log   *slog.Logger
}

// ErrNoOutcome is the error of a message its handler gave no outcome for; it is retried.
var ErrNoOutcome = errors.New("the handler gave no outcome")

// Run creates or updates the durable consumer and handles its messages with Settings.Workers
// workers until ctx is cancelled; then it finishes the batches in hand and returns.
func Run[T any](ctx context.Context, r Runner, s Spec[T]) error {
	if s.Name == "" || s.Stream == "" || s.Durable == "" || len(s.Filters) == 0 || s.Decode == nil || s.Handle == nil {
		return fmt.Errorf("consumer %q: a name, stream, durable name, filter, decoder and handler are required", s.Name)
	}
	set := s.Settings
	set.Workers, set.BatchMessages, set.MaxAttempts = max(set.Workers, 1), max(set.BatchMessages, 1), max(set.MaxAttempts, 1)
	cfg := jetstream.ConsumerConfig{
		Durable:     s.Durable,
		Description: s.Description,
		AckPolicy:   jetstream.AckExplicitPolicy,
		AckWait:     set.AckWait,
		// The attempt cap is decided here, where an outage is told from a failure; JetStream's
		// own would count the deliveries of an outage too.
		MaxDeliver:    -1,
		MaxAckPending: 10 * set.BatchMessages * set.Workers,
	}
	if len(s.Filters) == 1 {
		cfg.FilterSubject = s.Filters[0]
	} else {
		cfg.FilterSubjects = s.Filters
	}
	cons, err := r.JS.CreateOrUpdateConsumer(ctx, s.Stream, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before it started
		}
		return fmt.Errorf("consumer %s on %s: %w", s.Durable, s.Stream, err)
	}
	log := r.Log.With("consumer", s.Durable)
	e := &edge[T]{spec: s, set: set, js: r.JS, log: log,
		handle: compose(s.Handle,
			guard[T](log),
			hold[T](ctx, r.Store, set.OutageRetry, log),
			isolate[T](log),
			limit[T](set.MaxAttempts),
		)}
	var wg sync.WaitGroup
	for w := range set.Workers {
		wg.Go(func() { e.consume(ctx, cons, log.With("worker", w)) })
	}
	log.Info("consuming", "stream", s.Stream, "filters", s.Filters, "workers", set.Workers)
	wg.Wait()
	log.Info("stopped")
	return nil
}

// edge is the runner's side of JetStream: it fetches, decodes, and settles each outcome.
type edge[T any] struct {
	spec   Spec[T]
	set    Settings
	js     jetstream.JetStream
	log    *slog.Logger
	handle Handler[T]
}

func (e *edge[T]) consume(ctx context.Context, cons jetstream.Consumer, log *slog.Logger) {
	for ctx.Err() == nil {
		batch, err := cons.Fetch(e.set.BatchMessages, jetstream.FetchMaxWait(e.set.FlushInterval))
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("fetch", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		if err := batch.Error(); err != nil && len(msgs) == 0 && ctx.Err() == nil { // a deleted consumer, a lost connection
			log.Warn("fetch", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		if len(msgs) == 0 {
			continue
		}
		// The batch in hand is finished even when shutdown begins. Its context is never
		// cancelled (clickhouse-go closes a connection from a goroutine when the context of its
		// last query ends, even once it is back in the pool); ClickHouse's read timeout and
		// JetStream's ack wait bound it instead.
		e.handleBatch(context.WithoutCancel(ctx), msgs)
	}
}

// handleBatch decodes msgs, handles those it could decode and settles every outcome.
func (e *edge[T]) handleBatch(ctx context.Context, msgs []jetstream.Msg) {
	fetched := time.Now()
	batch := make([]Delivery[T], 0, len(msgs))
	for _, m := range msgs {
		d := Delivery[T]{msg: m, ctx: tracing.Extract(ctx, m.Headers()), fetched: fetched}
		v, err := e.spec.Decode(m.Data())
		if err != nil {
			e.settle(ctx, d, DeadLetter(err.Error()))
			continue
		}
		d.Value, d.decoded = v, true
		batch = append(batch, d)
	}
	if len(batch) == 0 {
		return
	}
	for i, o := range e.handle(ctx, batch) {
		e.settle(ctx, batch[i], o)
	}
}

// settle does what an outcome says with its message.
func (e *edge[T]) settle(ctx context.Context, d Delivery[T], o Outcome) {
	log := e.log.With("subject", d.msg.Subject())
	switch o.verdict {
	case ack:
		if err := d.msg.Ack(); err != nil {
			log.Warn("acknowledge; the message will be redelivered", "err", err)
			return
		}
		e.count(metrics.MessageAcknowledged)
	case retry:
		n := d.Attempt()
		log.Warn("message failed; will retry", "attempt", n, "of", e.set.MaxAttempts, "err", o.err)
		if err := d.msg.NakWithDelay(bus.Backoff(n)); err != nil {
			log.Warn("nak; the message will be redelivered after the ack wait", "err", err)
		}
		e.count(metrics.MessageRetried)
	case deadLetter:
		log.Error("dead-lettering message", "reason", o.reason, "attempt", d.Attempt())
		if d.decoded && e.spec.DeadLettered != nil {
			e.spec.DeadLettered(ctx, d, o.reason)
		}
		if err := bus.DeadLetter(ctx, e.js, d.msg, e.spec.Name, o.reason); err != nil {
			log.Error("dead-letter failed; the message will be redelivered", "err", err)
			_ = d.msg.NakWithDelay(time.Second)
			return
		}
		e.count(metrics.MessageDeadLettered)
	default: // redeliver: the consumer is stopping
		_ = d.msg.Nak()
	}
}

func (e *edge[T]) count(outcome string) {
	if e.spec.Count != nil {
		e.spec.Count(outcome)
	}
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
