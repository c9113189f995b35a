package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/tracing"
)

// tracerName names the spans the API starts.
const tracerName = "github.com/partnership-hub/hub/services/api"

// observe serves /metrics (when d has a registry) and wraps every request in a server span and
// the request counters. The route label is the pattern the request matched, never the raw path,
// so ids in paths do not multiply the series.
func observe(d *Deps, mux *http.ServeMux) http.Handler {
	if d.Gatherer != nil {
		mux.Handle("GET /metrics", metrics.Handler(d.Gatherer))
	}
	tp := d.Tracing
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	tracer := tp.Tracer(tracerName)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := tracing.HTTP(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		r = r.WithContext(ctx)
		serveMux(d, mux, sw, r) // sets r.Pattern to the route that matched
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		span.SetName(route)
		span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", sw.code))
		if sw.code >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.code))
		}
		d.Metrics.Request(route, sw.code, time.Since(start))
	})
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	code    int
	written bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.code, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flushing).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument gives the handlers the service's metrics and tracer provider.
func (d *Deps) instrument(tel *lifecycle.Telemetry) error {
	m, err := metrics.NewAPI(tel.Registry)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	d.Metrics, d.Gatherer, d.Tracing = m, tel.Registry, tel.Tracing
	return nil
}

// flushTelemetry exports the spans still buffered, at shutdown.
func flushTelemetry(tel *lifecycle.Telemetry, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Close(ctx); err != nil {
		log.Warn("telemetry", "err", err)
	}
}
