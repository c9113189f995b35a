// Package benchmark is the benchmark service: it follows the hub.stored.* events that ingest
// announces for every kind whose rows feed the benchmarks (kinds.Benchmarked: workforce returns,
// placements, placement capacity, practice educators, survey results, audit ratings …) and, for
// every benchmark period a stored chunk
// touched (an academic year 2024/25 touches 2025), recomputes that period's benchmarks
// (every organisation, region, London sub-region and England) into the benchmark tables, so that
// the API never aggregates raw rows on request.
//
// A whole period is recomputed, not only the touched organisation's region: England's figures,
// every statistical-neighbour median and disclosure control may change with any row, and a
// period is a few thousand rows. The consumer is durable, so after a restart the service catches up from the
// stream; `hub rebuild` recomputes everything on demand.
package benchmark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/partnership-hub/hub/pkg/alliance"
	benchmarks "github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/tracing"
)

// Config tunes the consumer. Every field has a default.
type Config struct {
	BatchMessages int           `env:"BATCH_MESSAGES" envDefault:"100"`  // events taken together: their periods are recomputed once
	FlushInterval time.Duration `env:"FLUSH_INTERVAL" envDefault:"50ms"` // longest wait to fill a batch of events
	AckWait       time.Duration `env:"ACK_WAIT" envDefault:"30s"`        // redelivery after a silent consumer
	OutageRetry   time.Duration `env:"OUTAGE_RETRY" envDefault:"5s"`     // longest pause between tries while ClickHouse is down
	// /healthz, /readyz and /metrics; empty turns the listener off.
	HealthAddr string `env:"HEALTH_ADDR" envDefault:"127.0.0.1:8082"`
}

// RunConfig is the benchmark service's configuration, read from HUB_* variables.
type RunConfig struct {
	config.Common
	Benchmark Config `envPrefix:"BENCHMARK_"`
}

// Consumer is the durable consumer's name on the EVENTS stream.
const Consumer = "benchmark"

// formerConsumer followed workforce returns only, before the benchmarks took every kind; it is
// removed at start so that its unacknowledged events do not pile up.
const formerConsumer = "benchmark-" + submission.KindWorkforce

// Run follows stored events until ctx is cancelled.
func Run(ctx context.Context, cfg RunConfig, log *slog.Logger) error {
	conns, err := cfg.Connect(ctx, "hub-benchmark", log)
	if err != nil {
		return err
	}
	defer conns.Close()
	svc, err := New(cfg.Benchmark, log, conns.JS, conns.CH)
	if err != nil {
		return err
	}
	// The health listener stops only once the open recomputation is finished, so probes and
	// scrapes see the shutdown through.
	return cfg.RunObserved(ctx, "hub-benchmark", cfg.Benchmark.HealthAddr, log, conns, func(tel *config.Telemetry) error {
		m, err := metrics.NewBenchmark(tel.Registry)
		if err != nil {
			return err
		}
		if err := tel.Registry.Register(metrics.NewConsumers(conns.JS, bus.StreamDeadLetter, bus.StreamEvents)); err != nil {
			return err
		}
		svc.Observe(m).Trace(tel.Tracing)
		return nil
	}, svc.Run)
}

// Rebuild recomputes every period's benchmarks from the stored rows of every kind.
func Rebuild(ctx context.Context, cfg chstore.Config, log *slog.Logger) error {
	ch, err := chstore.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer ch.Close()
	store, err := benchmarks.NewStore(ch)
	if err != nil {
		return err
	}
	start := time.Now()
	periods, values, err := store.Rebuild(ctx)
	if err != nil {
		return fmt.Errorf("rebuild benchmarks: %w", err)
	}
	log.Info("benchmarks rebuilt", "periods", periods, "values", values, "took", time.Since(start))
	return nil
}

// Service recomputes benchmarks as returns are stored.
type Service struct {
	cfg   Config
	log   *slog.Logger
	js    jetstream.JetStream
	ch    driver.Conn
	store *benchmarks.Store

	metrics *metrics.Benchmark
	tracer  trace.Tracer
}

// New builds the service.
func New(cfg Config, log *slog.Logger, js jetstream.JetStream, ch driver.Conn) (*Service, error) {
	store, err := benchmarks.NewStore(ch)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, log: log, js: js, ch: ch, store: store}, nil
}

// Observe makes the service record its recomputations in m (nil records nothing).
func (s *Service) Observe(m *metrics.Benchmark) *Service {
	s.metrics = m
	return s
}

// Trace makes the service record a span per recomputation with tp, continuing the trace of the
// submission whose stored event set it off (and linking the others of the batch).
func (s *Service) Trace(tp trace.TracerProvider) *Service {
	if tp != nil {
		s.tracer = tp.Tracer(tracerName)
	}
	return s
}

// tracerName names the spans the benchmark service starts.
const tracerName = "github.com/partnership-hub/hub/services/benchmark"

// recomputeSpan starts the span of one recomputation: a child of the first event's trace, with
// links to every event's, since one recomputation serves several submissions.
func (s *Service) recomputeSpan(ctx context.Context, msgs []jetstream.Msg, periods []string) (context.Context, trace.Span) {
	tracer := s.tracer
	if tracer == nil {
		tracer = noop.NewTracerProvider().Tracer(tracerName)
	}
	links := make([]trace.Link, 0, len(msgs))
	for i, m := range msgs {
		ec := tracing.Extract(ctx, m.Headers())
		if i == 0 {
			ctx = ec
		}
		if sc := trace.SpanContextFromContext(ec); sc.IsValid() {
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	return tracer.Start(ctx, "benchmark recompute", trace.WithSpanKind(trace.SpanKindConsumer), trace.WithLinks(links...),
		trace.WithAttributes(attribute.StringSlice("hub.periods", periods), attribute.Int("hub.events", len(msgs))))
}

// Run consumes until ctx is cancelled. On a start on a database that has stored rows but no
// benchmarks (events older than the stream keeps, or tables a migration recreated), it rebuilds
// everything first.
func (s *Service) Run(ctx context.Context) error {
	// The stored events of every kind whose rows feed the benchmarks.
	var filters []string
	for _, k := range kinds.Benchmarked() {
		filters = append(filters, bus.StoredFilter(k.About().Name))
	}
	// The service demand kind, until it is registered with the others.
	filters = append(filters, bus.StoredFilter(demand.Kind))
	filters = append(filters, bus.StoredFilter(alliance.Kind)) // alliances are benchmark areas
	cons, err := s.js.CreateOrUpdateConsumer(ctx, bus.StreamEvents, jetstream.ConsumerConfig{
		Durable:        Consumer,
		Description:    "Recomputes the benchmarks of the periods stored rows touch",
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        s.cfg.AckWait,
		MaxDeliver:     -1, // a recomputation is idempotent: it is retried until it succeeds
		MaxAckPending:  10 * s.cfg.BatchMessages,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", Consumer, err)
	}
	if err := s.js.DeleteConsumer(ctx, bus.StreamEvents, formerConsumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		s.log.Warn("could not remove the former consumer", "consumer", formerConsumer, "err", err)
	}
	if err := s.whenAvailable(ctx, nil, s.rebuildIfEmpty); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	s.log.Info("consuming", "consumer", Consumer)
	for ctx.Err() == nil {
		batch, err := cons.Fetch(max(s.cfg.BatchMessages, 1), jetstream.FetchMaxWait(s.cfg.FlushInterval))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			s.log.Warn("fetch", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		if len(msgs) > 0 {
			// Finished even when shutdown begins; see ingest for why the context is detached.
			s.process(context.WithoutCancel(ctx), ctx, msgs)
		}
	}
	s.log.Info("stopped")
	return nil
}

func (s *Service) rebuildIfEmpty(ctx context.Context) error {
	empty, err := s.store.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	periods, values, err := s.store.Rebuild(ctx)
	if err != nil || periods == 0 {
		return err
	}
	s.log.Info("benchmarks built from the stored rows", "periods", periods, "values", values)
	ps, err := s.store.AreaPeriods(ctx)
	if err == nil {
		s.announce(ps)
	}
	return err
}

// announce tells the API's caches which periods changed (best effort: they also expire).
func (s *Service) announce(periods []string) {
	if err := benchmarks.Announce(s.js.Conn(), periods); err != nil {
		s.log.Warn("could not announce recomputed benchmarks", "periods", periods, "err", err)
	}
}

// process recomputes the periods a batch of events touched, then acknowledges the events.
func (s *Service) process(ctx, stop context.Context, msgs []jetstream.Msg) {
	var periods []string
	var held []jetstream.Msg
	everyPeriod := false
	for _, m := range msgs {
		var ev submission.Event
		if err := json.Unmarshal(m.Data(), &ev); err != nil {
			s.log.Error("dead-lettering undecodable event", "subject", m.Subject(), "err", err)
			if err := bus.DeadLetter(ctx, s.js, m, "benchmark", "undecodable event: "+err.Error()); err != nil {
				_ = m.NakWithDelay(time.Second)
			}
			continue
		}
		touched, every := benchmarks.PeriodsTouched(ev)
		periods, everyPeriod = append(periods, touched...), everyPeriod || every
		held = append(held, m)
	}
	slices.Sort(periods)
	periods = slices.Compact(periods)
	start := time.Now()
	_, span := s.recomputeSpan(ctx, held, periods)
	defer span.End()
	err := s.whenAvailable(stop, held, func(context.Context) error {
		var err error
		if everyPeriod { // an alliance changed
			if periods, err = s.store.Periods(ctx); err != nil {
				return err
			}
		}
		_, err = s.store.Recompute(ctx, periods...)
		return err
	})
	if err != nil {
		for _, m := range held {
			if stop.Err() != nil {
				_ = m.Nak()
			} else {
				s.log.Warn("recompute failed; events will be redelivered", "periods", periods, "err", err)
				_ = m.NakWithDelay(bus.Backoff(bus.Deliveries(m)))
			}
		}
		return
	}
	s.announce(periods)
	s.metrics.Recomputed(len(periods), time.Since(start))
	s.log.Debug("benchmarks recomputed", "events", len(held), "periods", periods, "took", time.Since(start))
	for _, m := range held {
		_ = m.Ack()
	}
}

// whenAvailable runs fn, holding msgs while ClickHouse cannot be reached (see
// chstore.WhenAvailable); it returns context.Canceled when stop ends first.
func (s *Service) whenAvailable(stop context.Context, msgs []jetstream.Msg, fn func(context.Context) error) error {
	return chstore.WhenAvailable(stop, s.ch, s.cfg.OutageRetry, func(err error, pause time.Duration) {
		s.log.Warn("ClickHouse unreachable; holding events", "events", len(msgs), "retry_in", pause, "err", err)
		for _, m := range msgs {
			_ = m.InProgress()
		}
	}, func() error { return fn(context.WithoutCancel(stop)) })
}
