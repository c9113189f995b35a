package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/hub"
	"github.com/partnership-hub/hub/services/ingest"
)

// TestTraceFromAPIToIngestAndBenchmark follows one submission: the span ingest records for the
// stored chunk is a child of the API's request span, and the benchmark service's recompute a
// child of ingest's, each context carried in NATS message headers.
func TestTraceFromAPIToIngestAndBenchmark(t *testing.T) {
	ctx := context.Background()
	conn, _ := chtest.New(t)
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	ns := bustest.New(t)
	const audience = "partnership-hub"
	oidc := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: oidc.Issuer, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	status, err := submission.NewStore(ctx, ns.JS)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Two providers, as two processes would have, recording into one recorder.
	spans := tracetest.NewSpanRecorder()
	apiTracing := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	ingestTracing := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	benchmarkTracing := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	srv := httptest.NewServer(api.Handler(&api.Deps{Log: log, JS: ns.JS, Status: status, Verifier: verifier,
		Limits: api.Limits{MaxUploadBytes: 1 << 20, MaxJSONBytes: 1 << 20, MaxRows: 1000, ChunkRows: 1000},
		Ready:  func(context.Context) error { return nil }, Tracing: apiTracing}))
	t.Cleanup(srv.Close)

	runCtx, cancel := context.WithCancel(ctx)
	svc := ingest.New(ingest.Config{Workers: 1, BatchMessages: 20, FlushInterval: 50 * time.Millisecond, MaxAttempts: 3, AckWait: 5 * time.Second,
		OutageRetry: time.Second, Refresh: time.Second}, log, ns.JS, conn, status,
		workforce.Kind.Handler(conn, reference.NewDirectory(conn, time.Second), time.Now)).Observe(nil, ingestTracing)
	bench, err := benchmark.New(benchmark.Config{BatchMessages: 100, FlushInterval: 20 * time.Millisecond, AckWait: 30 * time.Second, OutageRetry: time.Second},
		log, ns.JS, conn)
	if err != nil {
		t.Fatal(err)
	}
	bench.Trace(benchmarkTracing)
	done := make(chan error, 2)
	go func() { done <- svc.Run(runCtx) }()
	go func() { done <- bench.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("a service stopped with %v", err)
			}
		}
	})

	req, _ := http.NewRequest("POST", srv.URL+"/v1/workforce-returns", strings.NewReader("org,period,inpost_fte\nE06000001,2025,100\n"))
	req.Header.Set("Authorization", "Bearer "+oidc.Token(t, "demo-council", hub.DemoSecret))
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submit: %d", resp.StatusCode)
	}

	var apiSpan, ingestSpan, benchmarkSpan sdktrace.ReadOnlySpan
	poll.Until(t, 30*time.Second, func() error {
		ended := spans.Ended()
		for _, s := range ended {
			switch s.Name() {
			case "POST /v1/workforce-returns":
				apiSpan = s
			case "ingest workforce":
				ingestSpan = s
			case "benchmark recompute":
				benchmarkSpan = s
			}
		}
		if ingestSpan == nil || benchmarkSpan == nil {
			return fmt.Errorf("no ingest or benchmark span among %d spans", len(ended))
		}
		return nil
	})
	if apiSpan == nil {
		t.Fatal("no API span")
	}
	parent := ingestSpan.Parent()
	if !parent.IsRemote() || parent.TraceID() != apiSpan.SpanContext().TraceID() || parent.SpanID() != apiSpan.SpanContext().SpanID() {
		t.Errorf("ingest span's parent = trace %s span %s (remote %v), want the API span: trace %s span %s",
			parent.TraceID(), parent.SpanID(), parent.IsRemote(), apiSpan.SpanContext().TraceID(), apiSpan.SpanContext().SpanID())
	}
	parent = benchmarkSpan.Parent()
	if !parent.IsRemote() || parent.TraceID() != apiSpan.SpanContext().TraceID() || parent.SpanID() != ingestSpan.SpanContext().SpanID() {
		t.Errorf("benchmark span's parent = trace %s span %s (remote %v), want the ingest span: trace %s span %s",
			parent.TraceID(), parent.SpanID(), parent.IsRemote(), apiSpan.SpanContext().TraceID(), ingestSpan.SpanContext().SpanID())
	}
	if links := benchmarkSpan.Links(); len(links) != 1 || links[0].SpanContext.SpanID() != ingestSpan.SpanContext().SpanID() {
		t.Errorf("benchmark span links = %+v, want the one event's span", links)
	}
}
