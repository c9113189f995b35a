package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
)

// RunConfig is the API service's configuration, read from HUB_* variables.
type RunConfig struct {
	config.Common

	HTTPAddr        string        `env:"HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	ReadTimeout     time.Duration `env:"HTTP_READ_TIMEOUT" envDefault:"2m"` // long enough for a 64 MiB upload on a slow line
	WriteTimeout    time.Duration `env:"HTTP_WRITE_TIMEOUT" envDefault:"2m"`
	ShutdownTimeout time.Duration `env:"HTTP_SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// How long a benchmark read is kept without news of its period's recomputation; 0: no cache.
	BenchmarkCacheTTL time.Duration `env:"BENCHMARK_CACHE_TTL" envDefault:"30s"`
	// How long the list of alliances is kept without news of a change; 0: no cache.
	AllianceCacheTTL time.Duration `env:"ALLIANCE_CACHE_TTL" envDefault:"10s"`
	// How often the organisations held in memory are read again.
	ReferenceRefresh time.Duration `env:"REFERENCE_REFRESH" envDefault:"1m"`

	// PublicURL is the API's address as clients reach it (behind a proxy, say), for the OpenAPI
	// document's servers; empty: http:// and the address it listens on.
	PublicURL string `env:"PUBLIC_URL"`

	OIDCIssuer string `env:"OIDC_ISSUER" envDefault:"http://127.0.0.1:5556"`
	// The provider's token and authorization endpoints for the OpenAPI document's OAuth2 flows;
	// empty: those its discovery document names.
	OIDCTokenURL     string `env:"OIDC_TOKEN_URL" envDefault:""`
	OIDCAuthorizeURL string `env:"OIDC_AUTHORIZE_URL" envDefault:""`
	OIDCAudience     string `env:"OIDC_AUDIENCE" envDefault:"partnership-hub"`
	ClaimOrg         string `env:"OIDC_CLAIM_ORG" envDefault:"org"`
	ClaimRoles       string `env:"OIDC_CLAIM_ROLES" envDefault:"roles"`
	ClaimAlliances   string `env:"OIDC_CLAIM_ALLIANCES" envDefault:"alliances"`

	Limits Limits
	Rate   RateLimit
}

// Run serves the API until ctx is cancelled, then stops taking requests, lets those in flight
// finish and closes its connections. ready, when not nil, receives the address once it listens.
func Run(ctx context.Context, cfg RunConfig, log *slog.Logger, ready chan<- string) error {
	conns, err := lifecycle.Connect(ctx, cfg.Common, "hub-api", log)
	if err != nil {
		return err
	}
	defer conns.Close()
	js, ch := conns.JS, conns.CH
	tel, err := lifecycle.NewTelemetry(ctx, cfg.Common, "hub-api")
	if err != nil {
		return err
	}
	defer flushTelemetry(tel, log)

	verifier, err := verifierWhenReachable(ctx, auth.Config{
		Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience,
		Claims: auth.Claims{Org: cfg.ClaimOrg, Roles: cfg.ClaimRoles, Alliances: cfg.ClaimAlliances},
	}, log)
	if err != nil {
		return err
	}
	status, err := submission.NewStore(ctx, js)
	if err != nil {
		return err
	}
	store, err := benchmark.NewStore(ch)
	if err != nil {
		return err
	}
	cache := benchmark.NewCache(store, cfg.BenchmarkCacheTTL)
	if err := cache.Follow(ctx, js.Conn()); err != nil {
		return fmt.Errorf("follow benchmark recomputations: %w", err)
	}
	// Projections start from inputs the benchmark service writes with each recomputation.
	projections := projection.NewCache(projection.NewInputStore(ch), cfg.BenchmarkCacheTTL)
	sub, err := js.Conn().Subscribe(benchmark.RecomputedSubject, func(*nats.Msg) { projections.Drop() })
	if err != nil {
		return fmt.Errorf("follow benchmark recomputations: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	alliances := alliance.NewCache(alliance.NewStore(ch), cfg.AllianceCacheTTL)
	if err := alliances.Follow(ctx, js.Conn()); err != nil {
		return fmt.Errorf("follow alliance changes: %w", err)
	}
	deps := &Deps{
		Log: log, JS: js, Status: status,
		Audits: audit.NewStore(ch), Surveys: survey.NewStore(ch),
		Verifier: verifier, Limits: cfg.Limits, Rate: cfg.Rate, CH: ch, Alliances: alliances,
		Ready: conns.Ready, Benchmarks: cache, Projections: projections, Directory: reference.NewDirectory(ch, cfg.ReferenceRefresh),
	}
	if err := deps.instrument(tel); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	tokenURL, authorizeURL := verifier.Endpoints()
	deps.Contract = Contract{
		PublicURL: cmp.Or(cfg.PublicURL, "http://"+ln.Addr().String()), Issuer: cfg.OIDCIssuer,
		TokenURL: cmp.Or(cfg.OIDCTokenURL, tokenURL), AuthorizeURL: cmp.Or(cfg.OIDCAuthorizeURL, authorizeURL),
	}
	srv := &http.Server{
		Handler:           Handler(deps),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("api listening", "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("api shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// verifierWhenReachable waits for the OpenID provider's discovery document, which may start
// after the API (in the all-in-one mode, or when both roll out together).
func verifierWhenReachable(ctx context.Context, cfg auth.Config, log *slog.Logger) (*auth.Verifier, error) {
	delay := 250 * time.Millisecond
	for {
		v, err := auth.NewVerifier(ctx, cfg)
		if err == nil {
			return v, nil
		}
		log.Warn("OpenID provider not reachable yet", "issuer", cfg.Issuer, "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("OpenID provider %s: %w", cfg.Issuer, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}
