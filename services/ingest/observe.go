package ingest

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/partnership-hub/hub/pkg/metrics"
)

// tracerName names the spans ingest starts.
const tracerName = "github.com/partnership-hub/hub/services/ingest"

// Observe makes the service count what it does in m and record a span per stored chunk with tp,
// as a child of the API's span that published the chunk. Either may be nil.
func (s *Service) Observe(m *metrics.Ingest, tp trace.TracerProvider) *Service {
	s.metrics = m
	if tp != nil {
		s.tracer = tp.Tracer(tracerName)
	}
	return s
}

// chunkSpan starts the span of one stored chunk; ctx carries the trace whose context the API put
// in the message's headers (consumer.Delivery's Context).
func (s *Service) chunkSpan(ctx context.Context, k Kind, it item) (context.Context, trace.Span) {
	tracer := s.tracer
	if tracer == nil {
		tracer = noop.NewTracerProvider().Tracer(tracerName)
	}
	return tracer.Start(ctx, "ingest "+k.Name(), trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("hub.submission", it.d.Value.ID),
		attribute.Int("hub.chunk", it.d.Value.Chunk),
		attribute.Int("hub.rows.accepted", it.checked.Result.Accepted),
		attribute.Int("hub.rows.rejected", len(it.checked.Result.Rejected)),
	))
}
