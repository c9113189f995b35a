// Package hub runs every Partnership Hub service in one process, with an embedded NATS
// JetStream server and, when asked for (make demo, tests), the development OpenID provider: for a
// laptop, a demo, or a small single-node install.
package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/dashboard"
	"github.com/partnership-hub/hub/services/ingest"
)

// Config is the all-in-one configuration: the API's settings (HUB_HTTP_ADDR, HUB_CLICKHOUSE_*,
// HUB_OIDC_*, …), the ingest settings (HUB_INGEST_*), and what the all-in-one mode adds.
type Config struct {
	API    api.RunConfig
	Ingest ingest.Config `envPrefix:"INGEST_"`
	// Benchmark tunes the benchmark service (HUB_BENCHMARK_*).
	Benchmark benchmark.Config `envPrefix:"BENCHMARK_"`
	// Dashboard is the web front end (HUB_DASHBOARD_*); an empty HUB_DASHBOARD_ADDR turns it
	// off. Its API, issuer and claims are the all-in-one API's.
	Dashboard dashboard.Config

	NATSHost     string `env:"NATS_HOST" envDefault:"127.0.0.1"`
	NATSPort     int    `env:"NATS_PORT" envDefault:"4222"` // -1 picks a free port
	NATSStoreDir string `env:"NATS_STORE_DIR" envDefault:".demo/nats"`

	// DevOIDC runs the development OpenID provider, whose demo clients' secrets are published
	// (a steward token for anyone who knows demo-secret): off unless asked for (make demo and
	// tests do), and refused when the API or the provider would listen beyond loopback.
	DevOIDC     bool   `env:"DEV_OIDC" envDefault:"false"`
	DevOIDCAddr string `env:"DEV_OIDC_ADDR" envDefault:"127.0.0.1:5556"` // its address; the issuer is http://<addr>
	// DevOIDCKeyFile keeps the provider's signing key, so that a restart does not log every
	// client out; empty keeps it in memory.
	DevOIDCKeyFile string `env:"DEV_OIDC_KEY_FILE" envDefault:".demo/dev-oidc-key.pem"`
	// Where the dashboard client may be sent back to after a person signs in.
	DashboardRedirects []string `env:"DEV_OIDC_DASHBOARD_REDIRECTS" envDefault:"http://127.0.0.1:3000/callback,http://localhost:3000/callback"`

	Demo bool `env:"DEMO" envDefault:"false"` // load the DfE workforce figures 2017–2025 through the API at start
}

// Logger builds the structured logger the API's settings ask for (HUB_LOG_LEVEL, HUB_LOG_FORMAT).
func (c Config) Logger() (*slog.Logger, error) { return c.API.Logger() }

// Started tells where the running hub is.
type Started struct {
	APIURL, Issuer, NATSURL, ClickHouse string
	DashboardURL                        string // empty when the dashboard is off
	// The development provider's demo clients and people; empty when it is off.
	DemoClients []devoidc.Client
	DemoUsers   []devoidc.User
}

// Run starts everything, calls started once the API listens (and the demo data is loaded, if
// asked for), and runs until ctx is cancelled; then it stops the API, drains ingest, and shuts
// down the OpenID provider and NATS, in that order.
func Run(ctx context.Context, cfg Config, log *slog.Logger, started func(Started)) error {
	if cfg.DevOIDC {
		if err := devOIDCOnLoopback(cfg); err != nil {
			return err
		}
	}
	if err := Migrate(ctx, cfg.API.ClickHouse(), log); err != nil {
		return err
	}

	ns, err := bus.StartEmbedded(bus.EmbeddedConfig{Host: cfg.NATSHost, Port: cfg.NATSPort, StoreDir: cfg.NATSStoreDir})
	if err != nil {
		return err
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	cfg.API.NATSURL = ns.ClientURL()
	log.Info("embedded nats started", "url", ns.ClientURL(), "store", cfg.NATSStoreDir)

	// The dashboard listens before the provider starts, so that its sign-in callback (on a port
	// chosen now, in tests) is among the redirect URIs the provider accepts.
	var dashboardLn net.Listener
	if cfg.Dashboard.Addr != "" {
		if dashboardLn, err = net.Listen("tcp", cfg.Dashboard.Addr); err != nil {
			return fmt.Errorf("dashboard: listen on %s: %w", cfg.Dashboard.Addr, err)
		}
		defer dashboardLn.Close()
		if cb := cfg.Dashboard.CallbackURL(dashboardLn.Addr().String()); !slices.Contains(cfg.DashboardRedirects, cb) {
			cfg.DashboardRedirects = append(slices.Clone(cfg.DashboardRedirects), cb)
		}
	}

	if cfg.DevOIDC {
		issuer, stop, err := startDevOIDC(cfg, log)
		if err != nil {
			return err
		}
		defer stop()
		cfg.API.OIDCIssuer = issuer
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return ingest.Run(gctx, ingest.RunConfig{Common: cfg.API.Common, Ingest: cfg.Ingest}, log.With("service", "ingest"))
	})
	g.Go(func() error {
		return benchmark.Run(gctx, benchmark.RunConfig{Common: cfg.API.Common, Benchmark: cfg.Benchmark}, log.With("service", "benchmark"))
	})
	ready := make(chan string, 1)
	g.Go(func() error { return api.Run(gctx, cfg.API, log.With("service", "api"), ready) })
	g.Go(func() error {
		select {
		case <-gctx.Done():
			return nil
		case addr := <-ready:
			s := Started{APIURL: "http://" + addr, Issuer: cfg.API.OIDCIssuer, NATSURL: ns.ClientURL(), ClickHouse: cfg.API.ClickHouseAddr}
			if cfg.DevOIDC {
				s.DemoClients, s.DemoUsers = devoidc.DemoClients(), devoidc.DemoUsers()
			}
			if dashboardLn != nil {
				d := cfg.Dashboard
				d.APIURL, d.OIDCIssuer, d.OIDCAudience = s.APIURL, cfg.API.OIDCIssuer, cfg.API.OIDCAudience
				d.ClaimOrg, d.ClaimRoles, d.ClaimAllies = cfg.API.ClaimOrg, cfg.API.ClaimRoles, cfg.API.ClaimAlliances
				s.DashboardURL = d.URL(dashboardLn.Addr().String())
				g.Go(func() error { return dashboard.Serve(gctx, dashboardLn, d, log.With("service", "dashboard")) })
			}
			if cfg.Demo {
				if err := LoadDemo(gctx, s, log); err != nil {
					return fmt.Errorf("demo data: %w", err)
				}
			}
			if started != nil {
				started(s)
			}
			return nil
		}
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("hub stopped")
	return err
}

// Migrate creates the database if needed, applies the migrations and loads the reference data.
func Migrate(ctx context.Context, cfg chstore.Config, log *slog.Logger) error {
	if err := chstore.EnsureDatabase(ctx, cfg); err != nil {
		return err
	}
	ch, err := chstore.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer ch.Close()
	applied, err := cfg.Schema().Migrate(ctx, ch, log)
	if err != nil {
		return err
	}
	if err := reference.Seed(ctx, ch); err != nil {
		return err
	}
	if err := audit.Seed(ctx, ch); err != nil {
		return err
	}
	if err := survey.Seed(ctx, ch); err != nil {
		return err
	}
	log.Info("clickhouse ready", "database", cfg.Database, "migrations_applied", len(applied))
	return nil
}

// ErrDevOIDCExposed refuses the development OpenID provider where others could reach it or the
// API it signs tokens for.
var ErrDevOIDCExposed = errors.New("the development OpenID provider gives a steward token to anyone who knows the published secret demo-secret, so it runs only when the API and the provider listen on loopback")

// devOIDCOnLoopback refuses the development provider unless the API and the provider both
// listen on a loopback address (127.0.0.0/8, ::1 or localhost).
func devOIDCOnLoopback(cfg Config) error {
	for _, a := range []struct{ name, addr string }{{"HUB_HTTP_ADDR", cfg.API.HTTPAddr}, {"HUB_DEV_OIDC_ADDR", cfg.DevOIDCAddr}} {
		host, _, err := net.SplitHostPort(a.addr)
		ip := net.ParseIP(host)
		if err != nil || !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			return fmt.Errorf("%w: %s is %q. Listen on 127.0.0.1, or set HUB_DEV_OIDC=false and HUB_OIDC_ISSUER to your own provider", ErrDevOIDCExposed, a.name, a.addr)
		}
	}
	return nil
}

func startDevOIDC(cfg Config, log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", cfg.DevOIDCAddr)
	if err != nil {
		return "", nil, fmt.Errorf("development OpenID provider: listen on %s: %w", cfg.DevOIDCAddr, err)
	}
	issuer := "http://" + ln.Addr().String()
	p, err := devoidc.New(devoidc.Config{Issuer: issuer, Audience: cfg.API.OIDCAudience, Clients: devoidc.DemoClients(),
		Users: devoidc.DemoUsers(), DashboardRedirectURIs: cfg.DashboardRedirects, KeyFile: cfg.DevOIDCKeyFile})
	if err != nil {
		ln.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("development OpenID provider", "err", err)
		}
	}()
	log.Warn("DEVELOPMENT OpenID provider started: its demo clients' secrets are published (demo-secret gives a steward token), so it must never be reachable beyond this machine; set HUB_DEV_OIDC=false and HUB_OIDC_ISSUER for real use",
		"issuer", issuer, "key_file", cmp.Or(cfg.DevOIDCKeyFile, "none (in memory)"))
	return issuer, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
