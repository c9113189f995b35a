// Package dashboard is the hub's web front end for people: regional analysts, principal social
// workers, workforce leads and university placement teams. It is a backend for the frontend:
// people sign in with the authorization code flow and PKCE against the hub's OpenID provider,
// their tokens stay on the server in a session, and every figure is read through the hub API
// with the person's own token, so the API stays the one place where access rules live. Pages are
// rendered on the server with GOV.UK Frontend and work without JavaScript.
package dashboard

import (
	_ "time/tzdata" // UK time on a machine without time zones (the images)

	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/config"
)

// Config is the dashboard's configuration, read from HUB_* variables.
type Config struct {
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"json"`

	Addr string `env:"DASHBOARD_ADDR" envDefault:"127.0.0.1:3000"` // listen address
	// PublicURL is where people reach the dashboard (its sign-in callback is PublicURL/callback);
	// empty: http://Addr. Cookies are Secure when it is https.
	PublicURL string `env:"DASHBOARD_URL"`
	// APIURL is the hub API the dashboard reads every figure from.
	APIURL string `env:"DASHBOARD_API_URL" envDefault:"http://127.0.0.1:8080"`

	OIDCIssuer   string `env:"OIDC_ISSUER" envDefault:"http://127.0.0.1:5556"`
	OIDCAudience string `env:"OIDC_AUDIENCE" envDefault:"partnership-hub"`
	ClaimOrg     string `env:"OIDC_CLAIM_ORG" envDefault:"org"`
	ClaimRoles   string `env:"OIDC_CLAIM_ROLES" envDefault:"roles"`
	ClaimAllies  string `env:"OIDC_CLAIM_ALLIANCES" envDefault:"alliances"`
	// The dashboard's OAuth2 client: public (no secret, PKCE) by default, as the development
	// provider's hub-dashboard; a secret makes it a confidential client as well.
	ClientID     string `env:"DASHBOARD_CLIENT_ID" envDefault:"hub-dashboard"`
	ClientSecret string `env:"DASHBOARD_CLIENT_SECRET" envDefault:""`
	// offline_access asks for a refresh token, so that an expired access token is renewed
	// without sending the person to sign in again.
	Scopes []string `env:"DASHBOARD_SCOPES" envDefault:"openid,profile,offline_access"`

	SessionLifetime time.Duration `env:"DASHBOARD_SESSION_LIFETIME" envDefault:"8h"`  // longest a session lasts
	IdleTimeout     time.Duration `env:"DASHBOARD_IDLE_TIMEOUT" envDefault:"30m"`     // a session unused this long ends
	APITimeout      time.Duration `env:"DASHBOARD_API_TIMEOUT" envDefault:"30s"`      // one call to the API
	ShutdownTimeout time.Duration `env:"DASHBOARD_SHUTDOWN_TIMEOUT" envDefault:"10s"` // requests in flight at shutdown
}

// Logger builds the structured logger the settings ask for.
func (c Config) Logger() (*slog.Logger, error) {
	return config.Common{LogLevel: c.LogLevel, LogFormat: c.LogFormat}.Logger()
}

// callbackPath is where the OpenID provider sends a person back to after signing in.
const callbackPath = "/callback"

// CallbackURL is the redirect URI the dashboard registers with its provider when it listens on
// addr and cfg names no public URL.
func (c Config) CallbackURL(addr string) string {
	return c.URL(addr) + callbackPath
}

// URL is where people reach the dashboard when it listens on addr.
func (c Config) URL(addr string) string {
	return strings.TrimSuffix(c.publicURL(addr), "/")
}

func (c Config) publicURL(addr string) string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	return "http://" + addr
}

// Run listens on cfg.Addr and serves the dashboard until ctx is cancelled.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("dashboard: listen on %s: %w", cfg.Addr, err)
	}
	return Serve(ctx, ln, cfg, log)
}

// Serve serves the dashboard on ln until ctx is cancelled, then lets the requests in flight
// finish. It waits for the OpenID provider, which may start after it.
func Serve(ctx context.Context, ln net.Listener, cfg Config, log *slog.Logger) error {
	defer ln.Close()
	public, err := url.Parse(cfg.publicURL(ln.Addr().String()))
	if err != nil || public.Host == "" {
		return fmt.Errorf("HUB_DASHBOARD_URL %q: not an absolute URL", cfg.PublicURL)
	}
	signIn, err := signInWhenReachable(ctx, cfg, cfg.CallbackURL(ln.Addr().String()), log)
	if err != nil {
		return err
	}
	app, err := newApp(cfg, public, signIn, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           app.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a CSV upload
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("dashboard listening", "addr", ln.Addr().String(), "url", public.String(), "api", cfg.APIURL, "issuer", cfg.OIDCIssuer)

	select {
	case err := <-serveErr:
		return fmt.Errorf("dashboard: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("dashboard: shutdown: %w", err)
	}
	log.Info("dashboard stopped")
	return nil
}
