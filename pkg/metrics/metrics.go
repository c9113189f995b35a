// Package metrics defines the hub's Prometheus metrics. Each service builds its own registry and
// passes it in; nothing here registers with the global default registry. Every method is safe on
// a nil receiver, so code under test may run without metrics.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "hub"

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg's metrics in the Prometheus text format.
func Handler(reg prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// register registers every collector or returns the first error.
func register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// API counts what the HTTP edge does.
type API struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	submissions *prometheus.CounterVec
}

// NewAPI registers the API's metrics with reg.
func NewAPI(reg prometheus.Registerer) (*API, error) {
	m := &API{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests by route (the matched pattern) and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help: "Time to answer an HTTP request, by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "api", Name: "submissions_total",
			Help: "Submissions answered 202, by kind and outcome (queued: new; repeat: an Idempotency-Key or body seen before)."}, []string{"kind", "outcome"}),
	}
	return m, register(reg, m.requests, m.duration, m.submissions)
}

// Request records one answered HTTP request.
func (m *API) Request(route string, code int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

// Submission outcomes at the API.
const (
	SubmissionQueued = "queued"
	SubmissionRepeat = "repeat"
)

// Submission records one submission answered 202.
func (m *API) Submission(kind, outcome string) {
	if m == nil {
		return
	}
	m.submissions.WithLabelValues(kind, outcome).Inc()
}

// Ingest counts what the consumers do.
type Ingest struct {
	messages    *Messages // the access trail's records (the kinds' chunks count in chunks)
	chunks      *prometheus.CounterVec
	rows        *prometheus.CounterVec
	batchChunks *prometheus.HistogramVec
	batchRows   *prometheus.HistogramVec
	insert      *prometheus.HistogramVec
}

// Chunk outcomes in ingest.
const (
	ChunkStored       = "stored"
	ChunkRetried      = MessageRetried
	ChunkDeadLettered = MessageDeadLettered
)

// NewIngest registers ingest's metrics with reg.
func NewIngest(reg prometheus.Registerer) (*Ingest, error) {
	m := &Ingest{
		chunks: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "ingest", Name: "chunks_total",
			Help: "Chunks of submissions handled, by kind and outcome (stored, retried, dead_lettered)."}, []string{"kind", "outcome"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "ingest", Name: "rows_total",
			Help: "Rows checked, by kind and outcome (accepted and stored, or rejected)."}, []string{"kind", "outcome"}),
		batchChunks: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "ingest", Name: "batch_chunks",
			Help: "Chunks inserted in one batch.", Buckets: []float64{1, 2, 5, 10, 20, 50, 100}}, []string{"kind"}),
		batchRows: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "ingest", Name: "batch_rows",
			Help: "Rows inserted in one batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 10)}, []string{"kind"}),
		insert: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "ingest", Name: "insert_duration_seconds",
			Help: "Time from taking a batch of chunks to its rows being in ClickHouse, outages included.", Buckets: prometheus.DefBuckets}, []string{"kind"}),
	}
	msgs, err := NewMessages(reg)
	if err != nil {
		return nil, err
	}
	m.messages = msgs
	return m, register(reg, m.chunks, m.rows, m.batchChunks, m.batchRows, m.insert)
}

// Batch records one inserted batch.
func (m *Ingest) Batch(kind string, chunks, rows int, took time.Duration) {
	if m == nil {
		return
	}
	m.batchChunks.WithLabelValues(kind).Observe(float64(chunks))
	m.batchRows.WithLabelValues(kind).Observe(float64(rows))
	m.insert.WithLabelValues(kind).Observe(took.Seconds())
}

// Rows records the rows of a chunk whose outcome was recorded.
func (m *Ingest) Rows(kind string, accepted, rejected int) {
	if m == nil {
		return
	}
	m.rows.WithLabelValues(kind, "accepted").Add(float64(accepted))
	m.rows.WithLabelValues(kind, "rejected").Add(float64(rejected))
}

// Messages counts the end of each message of the named consumer that is not a kind's.
func (m *Ingest) Messages(consumer string) func(outcome string) {
	if m == nil {
		return func(string) {}
	}
	return m.messages.For(consumer)
}

// Chunks counts the end of each chunk of kind, as its consumer settles it (consumer.Spec's
// Count): an acknowledged chunk is stored.
func (m *Ingest) Chunks(kind string) func(outcome string) {
	return func(outcome string) {
		if m == nil {
			return
		}
		if outcome == MessageAcknowledged {
			outcome = ChunkStored
		}
		m.chunks.WithLabelValues(kind, outcome).Inc()
	}
}

// What becomes of a consumer's message (pkg/consumer counts each).
const (
	MessageAcknowledged = "acknowledged"
	MessageRetried      = "retried"
	MessageDeadLettered = "dead_lettered"
)

// Messages counts what becomes of the messages of the consumers that have no counter of their
// own: the access trail's and the benchmark service's.
type Messages struct {
	total *prometheus.CounterVec
}

// NewMessages registers the consumers' message counter with reg.
func NewMessages(reg prometheus.Registerer) (*Messages, error) {
	m := &Messages{total: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "consumer", Name: "messages_total",
		Help: "Messages handled, by consumer and outcome (acknowledged, retried, dead_lettered)."}, []string{"consumer", "outcome"})}
	return m, register(reg, m.total)
}

// For counts the end of each message of the named consumer (consumer.Spec's Count).
func (m *Messages) For(consumer string) func(outcome string) {
	return func(outcome string) {
		if m == nil {
			return
		}
		m.total.WithLabelValues(consumer, outcome).Inc()
	}
}

// Benchmark counts what the benchmark service recomputes.
type Benchmark struct {
	messages  *Messages // the stored events it takes
	recompute prometheus.Histogram
	periods   prometheus.Counter
	reflected prometheus.Counter
}

// NewBenchmark registers the benchmark service's metrics with reg.
func NewBenchmark(reg prometheus.Registerer) (*Benchmark, error) {
	m := &Benchmark{
		recompute: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "benchmark", Name: "recompute_duration_seconds",
			Help:    "Time from taking a batch of stored events to the periods they touched being recomputed, outages included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		periods: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "benchmark", Name: "periods_recomputed_total",
			Help: "Periods whose benchmarks were recomputed (a period counts once per batch of events)."}),
		reflected: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "benchmark", Name: "events_reflected_total",
			Help: "Stored events acknowledged without a recomputation of their own: one begun after they were stored had read their rows."}),
	}
	msgs, err := NewMessages(reg)
	if err != nil {
		return nil, err
	}
	m.messages = msgs
	return m, register(reg, m.recompute, m.periods, m.reflected)
}

// Messages counts the end of each stored event the service takes.
func (m *Benchmark) Messages(consumer string) func(outcome string) {
	if m == nil {
		return func(string) {}
	}
	return m.messages.For(consumer)
}

// Recomputed records one batch's recomputation of periods periods.
func (m *Benchmark) Recomputed(periods int, took time.Duration) {
	if m == nil {
		return
	}
	m.recompute.Observe(took.Seconds())
	m.periods.Add(float64(periods))
}

// Reflected counts n stored events already in the benchmarks when they were taken.
func (m *Benchmark) Reflected(n int) {
	if m == nil || n == 0 {
		return
	}
	m.reflected.Add(float64(n))
}
