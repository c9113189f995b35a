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
	chunks      *prometheus.CounterVec
	rows        *prometheus.CounterVec
	batchChunks *prometheus.HistogramVec
	batchRows   *prometheus.HistogramVec
	insert      *prometheus.HistogramVec
}

// Chunk outcomes in ingest.
const (
	ChunkStored       = "stored"
	ChunkRetried      = "retried"
	ChunkDeadLettered = "dead_lettered"
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
			Help: "Time to insert one batch into ClickHouse, outages included.", Buckets: prometheus.DefBuckets}, []string{"kind"}),
	}
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

// Stored records a chunk whose outcome was recorded and acknowledged.
func (m *Ingest) Stored(kind string, accepted, rejected int) {
	if m == nil {
		return
	}
	m.chunks.WithLabelValues(kind, ChunkStored).Inc()
	m.rows.WithLabelValues(kind, "accepted").Add(float64(accepted))
	m.rows.WithLabelValues(kind, "rejected").Add(float64(rejected))
}

// Chunk records a chunk that failed: retried or dead-lettered.
func (m *Ingest) Chunk(kind, outcome string) {
	if m == nil {
		return
	}
	m.chunks.WithLabelValues(kind, outcome).Inc()
}

// Benchmark counts what the benchmark service recomputes.
type Benchmark struct {
	recompute prometheus.Histogram
	periods   prometheus.Counter
}

// NewBenchmark registers the benchmark service's metrics with reg.
func NewBenchmark(reg prometheus.Registerer) (*Benchmark, error) {
	m := &Benchmark{
		recompute: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "benchmark", Name: "recompute_duration_seconds",
			Help:    "Time to recompute the periods one batch of stored events touched, outages included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		periods: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "benchmark", Name: "periods_recomputed_total",
			Help: "Periods whose benchmarks were recomputed (a period counts once per batch of events)."}),
	}
	return m, register(reg, m.recompute, m.periods)
}

// Recomputed records one batch's recomputation of periods periods.
func (m *Benchmark) Recomputed(periods int, took time.Duration) {
	if m == nil {
		return
	}
	m.recompute.Observe(took.Seconds())
	m.periods.Add(float64(periods))
}
