// Package ingest takes submitted rows off JetStream, checks them against the rules and the
// reference data, stores them in ClickHouse in batches and records each row's outcome.
//
// A message is acknowledged only after its rows are inserted and its result recorded, so a crash
// at any point leads to a redelivery; rows carry deterministic keys and versions, so a redelivered
// chunk replaces itself instead of adding rows. While ClickHouse is unreachable the open batch is
// held (and JetStream told it is in progress) rather than retried into the dead-letter stream.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/tracing"
)

// Config tunes the consumers. Every field has a default.
type Config struct {
	Workers       int           `env:"WORKERS" envDefault:"2"`             // batches in flight per kind: one fetches and checks while another inserts
	BatchMessages int           `env:"BATCH_MESSAGES" envDefault:"20"`     // chunks fetched and inserted together
	FlushInterval time.Duration `env:"FLUSH_INTERVAL" envDefault:"200ms"`  // longest wait to fill a batch
	MaxAttempts   uint64        `env:"MAX_ATTEMPTS" envDefault:"5"`        // deliveries before a failing chunk is dead-lettered
	AckWait       time.Duration `env:"ACK_WAIT" envDefault:"30s"`          // redelivery after a silent consumer
	OutageRetry   time.Duration `env:"OUTAGE_RETRY" envDefault:"5s"`       // longest pause between tries while ClickHouse is down
	Refresh       time.Duration `env:"REFERENCE_REFRESH" envDefault:"30s"` // how often an unknown organisation re-reads reference data
	// Where ingest serves /healthz, /readyz and /metrics (health.go); empty serves nothing.
	HealthAddr string `env:"HEALTH_ADDR" envDefault:"127.0.0.1:8081"`
}

// Kind is how ingest checks and stores one kind of data.
type Kind interface {
	// Name is the kind, as on subjects: hub.submit.<name>.<org>.
	Name() string
	// Check reads one chunk's rows, refuses those that break the rules, and returns the rest.
	Check(ctx context.Context, env submission.Envelope) (Checked, error)
	// Store inserts the rows of several checked chunks at once.
	Store(ctx context.Context, chunks []Checked) error
}

// Checked is a chunk after its checks: the rows to store, the outcome to record, and per
// organisation the periods it touches (each kind's Handler, kind.Kind.Handler, makes them).
type Checked = kind.Checked

// Service runs one consumer per kind.
type Service struct {
	cfg    Config
	log    *slog.Logger
	js     jetstream.JetStream
	ch     driver.Conn
	status *submission.Store
	kinds  []Kind

	// afterInsert runs after a batch is inserted and before it is acknowledged; tests use it to
	// stop ingest at the worst moment.
	afterInsert func() error

	metrics *metrics.Ingest // set by Observe (observe.go)
	tracer  trace.Tracer
}

// New builds the service.
func New(cfg Config, log *slog.Logger, js jetstream.JetStream, ch driver.Conn, status *submission.Store, kinds ...Kind) *Service {
	return &Service{cfg: cfg, log: log, js: js, ch: ch, status: status, kinds: kinds}
}

// ErrStopped is returned by a batch that was abandoned because the service is stopping.
var ErrStopped = errors.New("ingest stopping")

// Run consumes until ctx is cancelled, then finishes the open batches and returns. A worker
// that fails stops the others.
func (s *Service) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, k := range s.kinds {
		cons, err := s.js.CreateOrUpdateConsumer(ctx, bus.StreamSubmissions, jetstream.ConsumerConfig{
			Durable:       "ingest-" + k.Name(),
			Description:   "Stores " + k.Name() + " submissions in ClickHouse",
			FilterSubject: bus.SubmitFilter(k.Name()),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       s.cfg.AckWait,
			MaxDeliver:    -1, // dead-lettering is decided here, so an outage never exhausts a message
			MaxAckPending: 10 * s.cfg.BatchMessages * max(s.cfg.Workers, 1),
		})
		if err != nil {
			return fmt.Errorf("consumer for %s: %w", k.Name(), err)
		}
		for w := range max(s.cfg.Workers, 1) {
			g.Go(func() error { return s.consume(gctx, k, cons, w) })
		}
	}
	g.Go(func() error { return s.consumeTrail(gctx) })
	return g.Wait()
}

func (s *Service) consume(ctx context.Context, k Kind, cons jetstream.Consumer, worker int) error {
	log := s.log.With("kind", k.Name(), "worker", worker)
	log.Info("consuming", "consumer", "ingest-"+k.Name())
	for ctx.Err() == nil {
		batch, err := cons.Fetch(s.cfg.BatchMessages, jetstream.FetchMaxWait(s.cfg.FlushInterval))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			log.Warn("fetch", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		if len(msgs) == 0 {
			continue
		}
		// The batch in hand is finished even when shutdown begins: flush, record, acknowledge.
		// Its context is never cancelled (clickhouse-go closes a connection from a goroutine when
		// the context of its last query ends, even once it is back in the pool); ClickHouse's read
		// timeout and JetStream's ack wait bound it instead.
		err = s.process(context.WithoutCancel(ctx), ctx, log, k, msgs)
		if err != nil && !errors.Is(err, ErrStopped) {
			return err
		}
	}
	log.Info("stopped")
	return nil
}

type item struct {
	msg     jetstream.Msg
	env     submission.Envelope
	checked Checked
}

// process checks, stores, records and acknowledges one batch of chunks. stop is the service's
// own context: while ClickHouse is down, the batch is held until it is back or stop ends.
func (s *Service) process(ctx, stop context.Context, log *slog.Logger, k Kind, msgs []jetstream.Msg) error {
	var items []item
	for _, m := range msgs {
		var env submission.Envelope
		if err := json.Unmarshal(m.Data(), &env); err != nil {
			s.deadLetter(ctx, log, k, m, nil, "undecodable envelope: "+err.Error())
			continue
		}
		if env.Kind != k.Name() {
			s.deadLetter(ctx, log, k, m, &env, fmt.Sprintf("envelope of kind %q on a %s subject", env.Kind, k.Name()))
			continue
		}
		var c Checked
		err := s.whenAvailable(stop, log, msgs, func() (err error) {
			c, err = k.Check(ctx, env)
			return err
		})
		if errors.Is(err, ErrStopped) {
			nakAll(msgs)
			return err
		}
		if err != nil {
			s.retryOrDeadLetter(ctx, log, k, m, &env, err)
			continue
		}
		items = append(items, item{msg: m, env: env, checked: c})
	}
	if len(items) == 0 {
		return nil
	}
	start := time.Now()
	chunks := make([]Checked, len(items))
	held := make([]jetstream.Msg, len(items))
	for i, it := range items {
		chunks[i], held[i] = it.checked, it.msg
	}
	err := s.whenAvailable(stop, log, held, func() error { return k.Store(ctx, chunks) })
	if errors.Is(err, ErrStopped) {
		nakAll(msgs)
		return err
	}
	stored := items
	if err != nil {
		// ClickHouse is up but refuses the batch: find the chunks it refuses, one by one.
		log.Warn("batch insert failed, inserting chunk by chunk", "err", err)
		stored = stored[:0:0]
		for _, it := range items {
			if err := k.Store(ctx, []Checked{it.checked}); err != nil {
				s.retryOrDeadLetter(ctx, log, k, it.msg, &it.env, err)
				continue
			}
			stored = append(stored, it)
		}
	}
	rows := 0
	for _, it := range stored {
		rows += it.checked.Count
	}
	log.Debug("inserted", "chunks", len(stored), "rows", rows, "took", time.Since(start))
	s.metrics.Batch(k.Name(), len(stored), rows, time.Since(start))
	if s.afterInsert != nil {
		if err := s.afterInsert(); err != nil {
			return err
		}
	}
	for _, it := range stored {
		if err := s.finish(ctx, k, it); err != nil {
			log.Warn("record outcome; chunk will be redelivered", "submission", it.env.ID, "chunk", it.env.Chunk, "err", err)
			_ = it.msg.NakWithDelay(bus.Backoff(bus.Deliveries(it.msg)))
		}
	}
	return nil
}

// whenAvailable runs fn, and while it fails because ClickHouse cannot be reached, holds the
// messages (telling JetStream they are in progress, so they are neither redelivered nor counted
// towards the dead-letter limit) and tries again, until ClickHouse answers or stop ends
// (ErrStopped).
func (s *Service) whenAvailable(stop context.Context, log *slog.Logger, msgs []jetstream.Msg, fn func() error) error {
	err := chstore.WhenAvailable(stop, s.ch, s.cfg.OutageRetry, func(err error, pause time.Duration) {
		log.Warn("ClickHouse unreachable; holding batch", "messages", len(msgs), "retry_in", pause, "err", err)
		for _, m := range msgs {
			_ = m.InProgress()
		}
	}, fn)
	if err != nil && stop.Err() != nil && errors.Is(err, stop.Err()) {
		return ErrStopped
	}
	return err
}

func nakAll(msgs []jetstream.Msg) {
	for _, m := range msgs {
		_ = m.Nak()
	}
}

// finish records a stored chunk's outcome, announces it, and acknowledges the message.
func (s *Service) finish(ctx context.Context, k Kind, it item) error {
	ctx, span := s.chunkSpan(ctx, k, it)
	defer span.End()
	res := it.checked.Result
	res.Rejected = append(it.env.Rejected, res.Rejected...)
	if err := s.status.PutChunk(ctx, it.env.ID, it.env.Chunk, res); err != nil {
		return err
	}
	if res.Accepted > 0 {
		ev := submission.Event{ID: it.env.ID, Kind: k.Name(), Org: it.env.Org, Chunk: it.env.Chunk, Touched: it.checked.Touched, Rows: res.Accepted}
		if err := s.announce(ctx, bus.StoredSubject(k.Name(), it.env.Org), ev); err != nil {
			return err
		}
	}
	if len(res.Rejected) > 0 {
		ev := submission.Event{ID: it.env.ID, Kind: k.Name(), Org: it.env.Org, Chunk: it.env.Chunk, Rows: len(res.Rejected)}
		if err := s.announce(ctx, bus.RejectedSubject(k.Name(), it.env.Org), ev); err != nil {
			return err
		}
	}
	s.metrics.Stored(k.Name(), res.Accepted, len(res.Rejected))
	return it.msg.Ack()
}

func (s *Service) announce(ctx context.Context, subject string, ev submission.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	msg := nats.NewMsg(subject)
	msg.Data = b
	// The chunk's trace goes on with the event, so the benchmark service's recompute joins it.
	tracing.Inject(ctx, msg.Header)
	// The message id makes a redelivered chunk's announcement a duplicate JetStream drops.
	id := fmt.Sprintf("%s:%s:%d", subject, ev.ID, ev.Chunk)
	if _, err := s.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("announce %s: %w", subject, err)
	}
	return nil
}

// retryOrDeadLetter asks for a later redelivery, or after MaxAttempts parks the message.
func (s *Service) retryOrDeadLetter(ctx context.Context, log *slog.Logger, k Kind, m jetstream.Msg, env *submission.Envelope, err error) {
	n := bus.Deliveries(m)
	if n < s.cfg.MaxAttempts {
		log.Warn("chunk failed; will retry", "attempt", n, "err", err)
		_ = m.NakWithDelay(bus.Backoff(n))
		s.metrics.Chunk(k.Name(), metrics.ChunkRetried)
		return
	}
	s.deadLetter(ctx, log, k, m, env, fmt.Sprintf("failed %d times: %v", n, err))
}

// deadLetter parks the message and, when its submission is known, records its rows as refused
// so that the submitter sees why instead of waiting for ever.
func (s *Service) deadLetter(ctx context.Context, log *slog.Logger, k Kind, m jetstream.Msg, env *submission.Envelope, reason string) {
	log.Error("dead-lettering message", "subject", m.Subject(), "reason", reason)
	s.metrics.Chunk(k.Name(), metrics.ChunkDeadLettered)
	if env != nil && env.ID != "" {
		res := submission.ChunkResult{Rejected: append(env.Rejected, submission.RowError{Reason: "could not be processed: " + reason})}
		if err := s.status.PutChunk(ctx, env.ID, env.Chunk, res); err != nil {
			log.Warn("record dead-lettered chunk", "err", err)
		}
	}
	if err := bus.DeadLetter(ctx, s.js, m, k.Name(), reason); err != nil {
		log.Error("dead-letter failed; message will be redelivered", "err", err)
		_ = m.NakWithDelay(time.Second)
	}
}

// sleep waits d, or until ctx ends; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
