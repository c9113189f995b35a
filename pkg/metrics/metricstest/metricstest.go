// Package metricstest scrapes a /metrics endpoint in tests.
package metricstest

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
)

// Scrape fetches url (a /metrics endpoint) and returns every sample by its series as the text
// format writes it: the name, then the labels in name order, e.g.
// `hub_http_requests_total{code="202",route="POST /v1/workforce-returns"}`.
func Scrape(tb testing.TB, url string) map[string]float64 {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("scrape %s: %d %s", url, resp.StatusCode, b)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			tb.Fatalf("scrape %s: malformed line %q", url, line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("scrape %s: line %q: %v", url, line, err)
		}
		samples[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("scrape %s: %v", url, err)
	}
	return samples
}

// ServeHealth serves a health listener (lifecycle.ServeHealth) on a free port until the test ends,
// with a registry that already reports the consumers of streams and the dead-letter stream;
// checks that /healthz and /readyz answer 200; and returns the registry, for the service's own
// metrics, and the listener's base URL.
func ServeHealth(tb testing.TB, conns *lifecycle.Conns, log *slog.Logger, streams ...string) (*prometheus.Registry, string) {
	tb.Helper()
	reg := metrics.NewRegistry()
	if err := reg.Register(metrics.NewConsumers(conns.JS, bus.StreamDeadLetter, streams...)); err != nil {
		tb.Fatal(err)
	}
	hs, err := lifecycle.ServeHealth("127.0.0.1:0", conns.Ready, reg, log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := hs.Stop(); err != nil {
			tb.Error(err)
		}
	})
	base := "http://" + hs.Addr()
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil {
			tb.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			tb.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	return reg, base
}
