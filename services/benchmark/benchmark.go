// Package benchmark is the benchmark service: it follows the hub.stored.* events that ingest
// announces for every kind whose rows feed the benchmarks (kinds.Benchmarked: workforce returns,
// placements, placement capacity, practice educators, survey results, audit ratings, service demand …) and, for
// every benchmark period a stored chunk
// touched (an academic year 2024/25 touches 2025), recomputes that period's benchmarks
// (every organisation, region, London sub-region and England) into the benchmark tables, so that
// the API never aggregates raw rows on request.
//
// A whole period is recomputed, not only the touched organisation's region: England's figures,
// every statistical-neighbour median and disclosure control may change with any row. Only the
// kinds whose rows changed are read again (the others' figures of recent periods are kept in
// memory), a period asked for by several batches of events is recomputed once (schedule.go), and
// an event whose rows a recomputation begun after it was stored has already read is acknowledged
// without another (a service behind a bulk load recomputes a period once for several chunks).
// The consumer is durable, so after a restart the service catches up from the stream; `hub
// rebuild` recomputes everything on demand.
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
	"github.com/partnership-hub/hub/pkg/consumer"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Config tunes the consumer. Every field has a default.
type Config struct {
	BatchMessages int           `env:"BATCH_MESSAGES" envDefault:"100"`  // events taken together: their periods are recomputed once
	FlushInterval time.Duration `env:"FLUSH_INTERVAL" envDefault:"50ms"` // longest wait to fill a batch of events
	MaxAttempts   uint64        `env:"MAX_ATTEMPTS" envDefault:"5"`      // deliveries before an event whose recomputation fails is dead-lettered
	AckWait       time.Duration `env:"ACK_WAIT" envDefault:"30s"`        // redelivery after a silent consumer
	OutageRetry   time.Duration `env:"OUTAGE_RETRY" envDefault:"5s"`     // longest pause between tries while ClickHouse is down
	// Batches of events in hand at once: while one waits for its periods, the next ones' join the
	// queue, so that a period asked for by several is recomputed once.
	Workers     int `env:"WORKERS" envDefault:"4"`
	Recomputes  int `env:"RECOMPUTES" envDefault:"2"`    // recomputations at once (each of up to 8 periods)
	KeptPeriods int `env:"KEPT_PERIODS" envDefault:"16"` // periods whose figures are kept in memory between recomputations
	// Periods whose written rows are kept in memory (a fingerprint a row, about 16 bytes), so
	// that a recomputation writes only the rows that changed without reading the period back.
	KeptWritten int `env:"KEPT_WRITTEN" envDefault:"160"`
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
	conns, err := lifecycle.Connect(ctx, cfg.Common, "hub-benchmark", log)
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
	return lifecycle.RunObserved(ctx, cfg.Common, "hub-benchmark", cfg.Benchmark.HealthAddr, log, conns, func(tel *lifecycle.Telemetry) error {
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
	rc    *benchmarks.Recomputer
	queue *schedule
	// recompute is the step each batch of events calls: recompute (below) but in tests.
	recompute func(ctx context.Context, periods []string) error

	metrics *metrics.Benchmark
	tracer  trace.Tracer
}

// New builds the service.
func New(cfg Config, log *slog.Logger, js jetstream.JetStream, ch driver.Conn) (*Service, error) {
	store, err := benchmarks.NewStore(ch)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: log, js: js, ch: ch, store: store, rc: store.NewRecomputer(cfg.KeptPeriods).KeepWritten(cfg.KeptWritten)}
	s.queue = newSchedule(s.rc, cfg.Recomputes, s.position, s.written)
	s.recompute = s.queue.recompute
	return s, nil
}

// written announces recomputed periods and counts them.
func (s *Service) written(periods []string, took time.Duration) {
	s.announce(periods)
	s.metrics.Recomputed(len(periods), took)
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
func (s *Service) recomputeSpan(ctx context.Context, events []consumer.Delivery[submission.Event], periods []string) (context.Context, trace.Span) {
	tracer := s.tracer
	if tracer == nil {
		tracer = noop.NewTracerProvider().Tracer(tracerName)
	}
	links := make([]trace.Link, 0, len(events))
	for i, ev := range events {
		ec := ev.Context()
		if i == 0 {
			ctx = ec
		}
		if sc := trace.SpanContextFromContext(ec); sc.IsValid() {
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	return tracer.Start(ctx, "benchmark recompute", trace.WithSpanKind(trace.SpanKindConsumer), trace.WithLinks(links...),
		trace.WithAttributes(attribute.StringSlice("hub.periods", periods), attribute.Int("hub.events", len(events))))
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
	filters = append(filters, bus.StoredFilter(alliance.Kind)) // alliances are benchmark areas
	if err := s.js.DeleteConsumer(ctx, bus.StreamEvents, formerConsumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		s.log.Warn("could not remove the former consumer", "consumer", formerConsumer, "err", err)
	}
	err := chstore.WhenAvailable(ctx, s.ch, s.cfg.OutageRetry, func(err error, pause time.Duration) {
		s.log.Warn("ClickHouse unreachable; waiting to check the benchmarks", "retry_in", pause, "err", err)
	}, func() error { return s.rebuildIfEmpty(context.WithoutCancel(ctx)) })
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	return consumer.Run(ctx, consumer.Runner{JS: s.js, Store: s.ch, Log: s.log}, consumer.Spec[submission.Event]{
		Name:        "benchmark",
		Stream:      bus.StreamEvents,
		Durable:     Consumer,
		Description: "Recomputes the benchmarks of the periods stored rows touch",
		Filters:     filters,
		Decode:      decodeEvent,
		Handle:      s.handle,
		Count:       s.metrics.Messages(Consumer),
		// Batches wait for their periods together (schedule.go), each period recomputed once.
		Settings: consumer.Settings{Workers: s.cfg.Workers, BatchMessages: s.cfg.BatchMessages, FlushInterval: s.cfg.FlushInterval,
			MaxAttempts: s.cfg.MaxAttempts, AckWait: s.cfg.AckWait, OutageRetry: s.cfg.OutageRetry},
	})
}

func decodeEvent(b []byte) (submission.Event, error) {
	var ev submission.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		return ev, fmt.Errorf("undecodable event: %w", err)
	}
	return ev, nil
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

// position is how far the stream of stored events has got (0 when it cannot say). Ingest
// announces a chunk once ClickHouse has its rows, so a recomputation that begins to read after
// reading it sees the rows of every event up to it.
func (s *Service) position(ctx context.Context) uint64 {
	st, err := s.js.Stream(ctx, bus.StreamEvents)
	if err != nil {
		s.log.Debug("could not read the stream's position", "stream", bus.StreamEvents, "err", err)
		return 0
	}
	return st.CachedInfo().State.LastSeq
}

// handle acknowledges the stored events already in the benchmarks (reflected) and recomputes the
// periods the others touched (every period when an alliance changed, and those a placement moved
// out of); they are acknowledged once it is done.
func (s *Service) handle(ctx context.Context, events []consumer.Delivery[submission.Event]) []consumer.Outcome {
	out := make([]consumer.Outcome, len(events))
	var (
		pending []consumer.Delivery[submission.Event]
		at      []int // pending[j] is events[at[j]]
	)
	for i, e := range events {
		if s.reflected(e) {
			out[i] = consumer.Ack()
			continue
		}
		pending, at = append(pending, e), append(at, i)
	}
	s.metrics.Reflected(len(events) - len(pending))
	if len(pending) == 0 {
		return out
	}
	for j, o := range s.recomputeFor(ctx, pending) {
		out[at[j]] = o
	}
	return out
}

// reflected reports whether a stored event's rows are in the benchmarks already: for each period
// it touched, a recomputation begun after it was stored read its kind's rows of the period and
// was written. An event that touches every period (an alliance) is never.
func (s *Service) reflected(e consumer.Delivery[submission.Event]) bool {
	periods, every := benchmarks.PeriodsTouched(e.Value)
	if every || len(periods) == 0 {
		return false
	}
	for _, p := range periods {
		if !s.rc.Reflects(e.Value.Kind, p, e.Sequence()) {
			return false
		}
	}
	return true
}

// recomputeFor recomputes the periods events touched and gives the outcome of each event.
func (s *Service) recomputeFor(ctx context.Context, events []consumer.Delivery[submission.Event]) []consumer.Outcome {
	periods, every := touchedPeriods(events)
	if every {
		var err error
		if periods, err = s.store.Periods(ctx); err != nil {
			return consumer.All(len(events), consumer.Retry(fmt.Errorf("read the periods: %w", err)))
		}
	} else {
		// The periods rows may have moved out of (a placement's earlier academic year), which the
		// events do not name.
		evs := make([]submission.Event, len(events))
		for i, e := range events {
			evs[i] = e.Value
		}
		moved, err := s.store.MovedFrom(ctx, evs...)
		if err != nil {
			return consumer.All(len(events), consumer.Retry(err))
		}
		periods = append(periods, moved...)
		slices.Sort(periods)
		periods = slices.Compact(periods)
	}
	ctx, span := s.recomputeSpan(ctx, events, periods)
	defer span.End()
	// What changed, and whose rows, before asking: a recomputation begun after it reads them again.
	for _, e := range events {
		// Told period by period, with every organisation whose rows of it the event stored: a
		// bulk load's event touches a thousand organisations in one or two periods.
		byPeriod := map[string][]string{}
		for org, ps := range e.Value.Touched {
			for _, p := range ps {
				p = benchmarks.PeriodOf(e.Value.Kind, p)
				byPeriod[p] = append(byPeriod[p], org)
			}
		}
		for p, orgs := range byPeriod {
			s.rc.ChangedAt(e.Value.Kind, orgs, e.Sequence(), p)
		}
	}
	if err := s.recompute(ctx, periods); err != nil {
		return consumer.All(len(events), consumer.Retry(fmt.Errorf("recompute %v: %w", periods, err)))
	}
	s.log.Debug("benchmarks recomputed", "events", len(events), "periods", periods, "took", time.Since(events[0].Fetched()))
	return consumer.All(len(events), consumer.Ack())
}

// touchedPeriods are the benchmark periods the events' rows touch (an academic year 2024/25
// touches 2025), each once, in order, and whether an event touches every period.
func touchedPeriods(events []consumer.Delivery[submission.Event]) (periods []string, every bool) {
	for _, e := range events {
		ps, all := benchmarks.PeriodsTouched(e.Value)
		periods, every = append(periods, ps...), every || all
	}
	slices.Sort(periods)
	return slices.Compact(periods), every
}
