package lifecycle_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/lifecycle"
)

// The probes every service serves, the API included: alive always, ready only when its
// connections are.
func TestHandleHealth(t *testing.T) {
	for _, tt := range []struct {
		name  string
		ready error
		path  string
		code  int
		body  string
	}{
		{"alive", nil, "/healthz", 200, `{"status":"ok"}`},
		{"alive while not ready", errors.New("nats: RECONNECTING"), "/healthz", 200, `{"status":"ok"}`},
		{"ready", nil, "/readyz", 200, `{"status":"ready"}`},
		{"not ready", errors.New("nats: RECONNECTING"), "/readyz", 503, `{"status":"unavailable"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			lifecycle.HandleHealth(mux, func(context.Context) error { return tt.ready }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.code || strings.TrimSpace(rec.Body.String()) != tt.body || rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("GET %s: %d %s (%s), want %d %s", tt.path, rec.Code, rec.Body, rec.Header().Get("Content-Type"), tt.code, tt.body)
			}
		})
	}
}
