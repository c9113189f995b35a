package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
)

// trustAnyone is authentication switched off: every request is the council, token or not.
type trustAnyone struct{}

func (trustAnyone) Verify(context.Context, string) (auth.Principal, error) {
	return auth.Principal{Subject: "demo-council", ClientID: "demo-council", Org: "E06000001", Roles: []string{auth.RoleSubmitter}}, nil
}

// BenchmarkAuthenticatedRead measures GET /v1/workforce-returns (a ClickHouse read) with real
// token verification and with authentication switched off, in the same run, at 8 concurrent
// clients on loopback, and reports both rates and their ratio.
//
//	HUB_TEST_CLICKHOUSE_ADDR=… go test -run '^$' -bench AuthenticatedRead -benchtime 5s ./services/api
func BenchmarkAuthenticatedRead(b *testing.B) {
	ns := bustest.New(b)
	oidc := devoidctest.Start(b, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	ctx := context.Background()
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: oidc.Issuer, Audience: audience})
	if err != nil {
		b.Fatal(err)
	}
	status, err := submission.NewStore(ctx, ns.JS)
	if err != nil {
		b.Fatal(err)
	}
	conn, _ := chtest.New(b)
	deps := func(v api.Verifier) *api.Deps {
		return &api.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), JS: ns.JS, Status: status, Verifier: v,
			CH: conn, Limits: defaultLimits, Ready: func(context.Context) error { return nil }}
	}
	on := httptest.NewServer(api.Handler(deps(verifier)))
	defer on.Close()
	off := httptest.NewServer(api.Handler(deps(trustAnyone{})))
	defer off.Close()
	token := oidc.Token(b, "demo-council", "demo-secret")

	rate := func(base string) float64 {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		var n atomic.Int64
		start := time.Now()
		b.SetParallelism(4) // 4 × GOMAXPROCS clients
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("GET", base+"/v1/workforce-returns?org=E06000001&period=2025", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				n.Add(1)
			}
		})
		return float64(n.Load()) / time.Since(start).Seconds()
	}
	b.ResetTimer()
	withAuth := rate(on.URL)
	withoutAuth := rate(off.URL)
	b.ReportMetric(withAuth, "auth-req/s")
	b.ReportMetric(withoutAuth, "noauth-req/s")
	b.ReportMetric(withAuth/withoutAuth, "ratio")
	b.Logf("GET /v1/workforce-returns: %.0f req/s authenticated, %.0f req/s with authentication off, ratio %.2f", withAuth, withoutAuth, withAuth/withoutAuth)
}
