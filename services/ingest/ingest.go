// Package ingest takes submitted rows off JetStream, checks them against the rules and the
// reference data, stores them in ClickHouse in batches and records each row's outcome.
//
// Each kind has a consumer of its own, run by pkg/consumer. A message is acknowledged only after
// its rows are inserted, its result recorded and its rows announced, so a crash at any point leads
// to a redelivery; rows carry deterministic keys and versions, so a redelivered chunk replaces
// itself instead of adding rows. The runner holds the open batch while ClickHouse is unreachable,
// retries a failing chunk with a backoff up to HUB_INGEST_MAX_ATTEMPTS deliveries, tries a
// batch ClickHouse refuses again chunk by chunk, and parks what cannot be stored (or makes a
// handler panic) in the dead-letter stream with the reason.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/consumer"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/tracing"
	"github.com/partnership-hub/hub/pkg/trail"
)

// Config tunes the consumers. Every field has a default.
type Config struct {
	Workers       int           `env:"WORKERS" envDefault:"2"`             // batches in flight per kind: one fetches and checks while another inserts
	BatchMessages int           `env:"BATCH_MESSAGES" envDefault:"100"`    // chunks fetched and inserted together: fewer, larger inserts (a ClickHouse part each)
	FlushInterval time.Duration `env:"FLUSH_INTERVAL" envDefault:"200ms"`  // longest wait to fill a batch
	MaxAttempts   uint64        `env:"MAX_ATTEMPTS" envDefault:"5"`        // deliveries before a failing chunk or access-trail record is dead-lettered
	AckWait       time.Duration `env:"ACK_WAIT" envDefault:"30s"`          // redelivery after a silent consumer
	OutageRetry   time.Duration `env:"OUTAGE_RETRY" envDefault:"5s"`       // longest pause between tries while ClickHouse is down
	Refresh       time.Duration `env:"REFERENCE_REFRESH" envDefault:"30s"` // how often an unknown organisation re-reads reference data
	// Where ingest serves /healthz, /readyz and /metrics (health.go); empty serves nothing.
	HealthAddr string `env:"HEALTH_ADDR" envDefault:"127.0.0.1:8081"`
}

// Kind is how ingest checks and stores one kind of data: each registered kind's Handler
// (kind.Kind.Handler), whose batches keep the kind's rows in its own type.
type Kind = kind.Handler

// Checked is a chunk after its checks: the outcome to record, and per organisation the periods
// it touches.
type Checked = kind.Checked

// Service runs one consumer per kind, and the access trail's.
type Service struct {
	cfg    Config
	log    *slog.Logger
	js     jetstream.JetStream
	ch     driver.Conn
	status *submission.Store
	kinds  []Kind

	// afterInsert runs after a batch is inserted and before its outcomes are recorded and
	// acknowledged; tests use it to stop ingest at the worst moment.
	afterInsert func()
	// insertTrail stores access-trail records: trail.Insert, but in tests.
	insertTrail func(ctx context.Context, entries []trail.Entry) error

	metrics *metrics.Ingest // set by Observe (observe.go)
	tracer  trace.Tracer
}

// New builds the service.
func New(cfg Config, log *slog.Logger, js jetstream.JetStream, ch driver.Conn, status *submission.Store, kinds ...Kind) *Service {
	return &Service{cfg: cfg, log: log, js: js, ch: ch, status: status, kinds: kinds,
		insertTrail: func(ctx context.Context, entries []trail.Entry) error { return trail.Insert(ctx, ch, entries) }}
}

// Run consumes until ctx is cancelled, then finishes the open batches and returns.
func (s *Service) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	r := s.runner()
	for _, k := range s.kinds {
		g.Go(func() error {
			return consumer.Run(gctx, r, consumer.Spec[submission.Envelope]{
				Name:         k.Name(),
				Stream:       bus.StreamSubmissions,
				Durable:      "ingest-" + k.Name(),
				Description:  "Stores " + k.Name() + " submissions in ClickHouse",
				Filters:      []string{bus.SubmitFilter(k.Name())},
				Decode:       decodeEnvelope,
				Handle:       s.handle(k),
				DeadLettered: s.refuse,
				Count:        s.metrics.Chunks(k.Name()),
				Settings:     s.settings(s.cfg.BatchMessages, s.cfg.Workers),
			})
		})
	}
	g.Go(func() error { return s.consumeTrail(gctx) })
	return g.Wait()
}

func (s *Service) runner() consumer.Runner {
	return consumer.Runner{JS: s.js, Store: s.ch, Log: s.log}
}

// settings are the consumers' settings with batch messages per batch and workers batches in
// flight.
func (s *Service) settings(batch, workers int) consumer.Settings {
	return consumer.Settings{Workers: workers, BatchMessages: batch, FlushInterval: s.cfg.FlushInterval,
		MaxAttempts: s.cfg.MaxAttempts, AckWait: s.cfg.AckWait, OutageRetry: s.cfg.OutageRetry}
}

func decodeEnvelope(b []byte) (submission.Envelope, error) {
	var env submission.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return env, fmt.Errorf("undecodable envelope: %w", err)
	}
	return env, nil
}

// item is a chunk that passed its checks: where it is in the batch, and its checked rows.
type item struct {
	at      int
	d       consumer.Delivery[submission.Envelope]
	checked Checked
}

// handle checks a batch of k's chunks, stores the rows that pass in one insert, then records
// each chunk's outcome and announces its rows; only then is a chunk acknowledged.
func (s *Service) handle(k Kind) consumer.Handler[submission.Envelope] {
	return func(ctx context.Context, batch []consumer.Delivery[submission.Envelope]) []consumer.Outcome {
		out := make([]consumer.Outcome, len(batch))
		var (
			envs []submission.Envelope
			at   []int
		)
		for i, d := range batch {
			env := d.Value
			if env.Kind != k.Name() {
				out[i] = consumer.DeadLetter(fmt.Sprintf("envelope of kind %q on a %s subject", env.Kind, k.Name()))
				continue
			}
			envs, at = append(envs, env), append(at, i)
		}
		checked := k.Check(ctx, envs)
		var items []item
		rows := 0
		for j, i := range at {
			c, err := checked.Chunk(j)
			if err != nil {
				out[i] = consumer.Retry(fmt.Errorf("check: %w", err))
				continue
			}
			items = append(items, item{at: i, d: batch[i], checked: c})
			rows += c.Count
		}
		if len(items) == 0 {
			return out
		}
		start := time.Now()
		if err := checked.Store(ctx); err != nil {
			// Held while ClickHouse is down; else tried again chunk by chunk, to find the chunks
			// it refuses.
			for _, it := range items {
				out[it.at] = consumer.Retry(fmt.Errorf("insert: %w", err))
			}
			return out
		}
		s.log.Debug("inserted", "kind", k.Name(), "chunks", len(items), "rows", rows, "took", time.Since(start))
		s.metrics.Batch(k.Name(), len(items), rows, time.Since(batch[0].Fetched()))
		if s.afterInsert != nil {
			s.afterInsert()
		}
		for _, it := range items {
			if err := s.finish(ctx, k, it); err != nil {
				out[it.at] = consumer.Retry(fmt.Errorf("record outcome: %w", err))
				continue
			}
			out[it.at] = consumer.Ack()
		}
		return out
	}
}

// finish records a stored chunk's outcome and announces it.
func (s *Service) finish(ctx context.Context, k Kind, it item) error {
	ctx, span := s.chunkSpan(it.d.Context(), k, it)
	defer span.End()
	env := it.d.Value
	res := it.checked.Result
	res.Rejected = append(env.Rejected, res.Rejected...)
	if err := s.status.PutChunk(ctx, env.ID, env.Chunk, res); err != nil {
		return err
	}
	if res.Accepted > 0 {
		ev := submission.Event{ID: env.ID, Kind: k.Name(), Org: env.Org, Chunk: env.Chunk, Touched: it.checked.Touched, Rows: res.Accepted}
		if err := s.announce(ctx, bus.StoredSubject(k.Name(), env.Org), ev); err != nil {
			return err
		}
	}
	if len(res.Rejected) > 0 {
		ev := submission.Event{ID: env.ID, Kind: k.Name(), Org: env.Org, Chunk: env.Chunk, Rows: len(res.Rejected)}
		if err := s.announce(ctx, bus.RejectedSubject(k.Name(), env.Org), ev); err != nil {
			return err
		}
	}
	s.metrics.Rows(k.Name(), res.Accepted, len(res.Rejected))
	return nil
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

// refuse records the rows of a dead-lettered chunk as refused, so that the submitter sees why
// instead of waiting for ever.
func (s *Service) refuse(ctx context.Context, d consumer.Delivery[submission.Envelope], reason string) {
	env := d.Value
	if env.ID == "" {
		return
	}
	res := submission.ChunkResult{Rejected: append(env.Rejected, submission.RowError{Reason: "could not be processed: " + reason})}
	if err := s.status.PutChunk(ctx, env.ID, env.Chunk, res); err != nil {
		s.log.Warn("record dead-lettered chunk", "submission", env.ID, "chunk", env.Chunk, "err", err)
	}
}
