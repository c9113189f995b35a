package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/metrics/metricstest"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/tracing"
	"github.com/partnership-hub/hub/services/api"
)

// TestMetricsAndTraceContext sends a submission, then scrapes /metrics for the request and
// submission counters, and reads the queued chunk's headers for the API span's trace context.
func TestMetricsAndTraceContext(t *testing.T) {
	ns := bustest.New(t)
	oidc := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	ctx := context.Background()
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: oidc.Issuer, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	status, err := submission.NewStore(ctx, ns.JS)
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	m, err := metrics.NewAPI(reg)
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewSpanRecorder()
	deps := &api.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), JS: ns.JS, Status: status, Verifier: verifier, Limits: defaultLimits,
		Ready:   func(context.Context) error { return nil },
		Metrics: m, Gatherer: reg, Tracing: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
	}
	srv := httptest.NewServer(api.Handler(deps))
	t.Cleanup(srv.Close)

	submissions := `hub_api_submissions_total{kind="workforce",outcome="queued"}`
	accepted := `hub_http_requests_total{code="202",route="POST /v1/workforce-returns"}`
	before := metricstest.Scrape(t, srv.URL+"/metrics")
	if before[accepted] != 0 || before[submissions] != 0 {
		t.Fatalf("counters before any submission: %v, %v", before[accepted], before[submissions])
	}

	token := oidc.Token(t, "demo-council", "demo-secret")
	post := func(key string) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/workforce-returns", strings.NewReader("org,period,inpost_fte\nE06000001,2025,100\n"))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("submit: %d", resp.StatusCode)
		}
	}
	post("metrics-1")
	post("metrics-1") // the same key again: a repeat
	if resp, err := http.Get(srv.URL + "/v1/no-such-thing"); err == nil {
		resp.Body.Close()
	}

	after := metricstest.Scrape(t, srv.URL+"/metrics")
	for series, want := range map[string]float64{
		accepted:    2,
		submissions: 1,
		`hub_api_submissions_total{kind="workforce",outcome="repeat"}`:                1,
		`hub_http_request_duration_seconds_count{route="POST /v1/workforce-returns"}`: 2,
		`hub_http_requests_total{code="404",route="unmatched"}`:                       1,
		`hub_http_requests_total{code="200",route="GET /metrics"}`:                    1,
	} {
		if got := after[series]; got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}

	// The chunk carries the trace context of the request's server span.
	stream, err := ns.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.GetLastMsgForSubject(ctx, bus.SubmitSubject(submission.KindWorkforce, "E06000001"))
	if err != nil {
		t.Fatal(err)
	}
	remote := trace.SpanContextFromContext(tracing.Extract(ctx, msg.Header))
	if !remote.IsValid() {
		t.Fatalf("no trace context in the chunk's headers: %v", msg.Header)
	}
	var found bool
	for _, s := range spans.Ended() {
		if s.Name() == "POST /v1/workforce-returns" && s.SpanContext().SpanID() == remote.SpanID() {
			found = s.SpanContext().TraceID() == remote.TraceID()
		}
	}
	if !found {
		t.Errorf("no API span with trace %s and span %s among %d spans", remote.TraceID(), remote.SpanID(), len(spans.Ended()))
	}
}
