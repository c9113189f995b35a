// Package tracing carries OpenTelemetry trace context from the API through NATS message headers
// to ingest, and builds the tracer provider a service exports its spans with.
//
// Nothing here touches OpenTelemetry's global provider or propagator: each service builds its
// own provider and passes it on, so tests can record spans in memory.
package tracing

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/partnership-hub/hub/pkg/version"
)

// Exporters HUB_OTEL_EXPORTER accepts.
const (
	ExporterNone   = "none"
	ExporterStdout = "stdout"
	ExporterOTLP   = "otlp" // OTLP over HTTP; OTEL_EXPORTER_OTLP_ENDPOINT and friends say where
)

// Provider is a service's tracer provider and how to flush it at shutdown.
type Provider struct {
	trace.TracerProvider
	shutdown func(context.Context) error
}

// Shutdown flushes the spans not yet exported.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.shutdown == nil {
		return nil
	}
	return p.shutdown(ctx)
}

// New builds the provider for exporter: none (spans are not recorded at all, the default),
// stdout (spans as JSON on w, for a look without a collector) or otlp.
func New(ctx context.Context, exporter, service string, w io.Writer) (*Provider, error) {
	var exp sdktrace.SpanExporter
	var err error
	switch exporter {
	case "", ExporterNone:
		return &Provider{TracerProvider: noop.NewTracerProvider()}, nil
	case ExporterStdout:
		if w == nil {
			w = os.Stdout
		}
		exp, err = stdouttrace.New(stdouttrace.WithWriter(w))
	case ExporterOTLP:
		exp, err = otlptracehttp.New(ctx)
	default:
		return nil, fmt.Errorf("HUB_OTEL_EXPORTER %q: want none, stdout or otlp", exporter)
	}
	if err != nil {
		return nil, fmt.Errorf("trace exporter %s: %w", exporter, err)
	}
	res := resource.NewSchemaless(semconv.ServiceName(service), semconv.ServiceVersion(version.Version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Provider{TracerProvider: tp, shutdown: tp.Shutdown}, nil
}

// propagator writes and reads the W3C traceparent and tracestate headers.
var propagator = propagation.TraceContext{}

// Inject puts the span context of ctx into a NATS message's headers.
func Inject(ctx context.Context, h nats.Header) {
	propagator.Inject(ctx, headerCarrier(h))
}

// Extract returns ctx with the remote span context found in a NATS message's headers, if any.
func Extract(ctx context.Context, h nats.Header) context.Context {
	return propagator.Extract(ctx, headerCarrier(h))
}

// HTTP reads the span context of an incoming HTTP request's headers.
func HTTP(ctx context.Context, h propagation.HeaderCarrier) context.Context {
	return propagator.Extract(ctx, h)
}

// headerCarrier keeps header names as the propagator writes them (traceparent), since NATS
// headers are not canonicalised the way HTTP ones are.
type headerCarrier nats.Header

func (c headerCarrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c headerCarrier) Set(key, value string) { c[key] = []string{value} }

func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
