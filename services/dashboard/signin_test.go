package dashboard

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
)

// serveWith runs the dashboard against a development provider whose tokens live ttl, and
// returns its address and the provider's. The API is not needed to sign in.
func serveWith(t *testing.T, ttl time.Duration) (dashboard, issuer string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{LogLevel: "info", LogFormat: "text", ClientID: devoidc.DashboardClient, Scopes: []string{"openid"},
		OIDCAudience: "partnership-hub", APIURL: "http://127.0.0.1:1", SessionLifetime: time.Hour, IdleTimeout: time.Hour,
		APITimeout: time.Second, ShutdownTimeout: time.Second}
	srv := devoidctest.Start(t, devoidc.Config{Audience: "partnership-hub", TokenTTL: ttl, Clients: devoidc.DemoClients(),
		Users: devoidc.DemoUsers(), DashboardRedirectURIs: []string{cfg.CallbackURL(ln.Addr().String())}})
	cfg.OIDCIssuer = srv.Issuer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dashboard stopped with %v", err)
		}
	})
	return cfg.URL(ln.Addr().String()), srv.Issuer
}

// signInAs follows the sign-in from path as a browser does, choosing the demo user on the
// provider's page, and returns where it ends.
func signInAs(t *testing.T, client *http.Client, base, issuer, path, user string) string {
	t.Helper()
	resp, err := client.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := resp.Request.URL.String()
	if !strings.HasPrefix(page, issuer+"/authorize") {
		t.Fatalf("%s signed out went to %s, want the provider's sign-in page", path, page)
	}
	resp, err = client.Get(page + "&user=" + url.QueryEscape(user))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Request.URL.String()
}

// TestSignInReturnsToThePage: a person sent to sign in comes back to the page they asked for.
func TestSignInReturnsToThePage(t *testing.T) {
	base, _ := serveWith(t, time.Hour)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		// The API is not running: stop once back on the page itself.
		if strings.HasPrefix(req.URL.String(), base+"/standards/2") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(base + "/standards/2?period=2024")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Request.URL.String()
	resp, err = client.Get(loc + "&user=council")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Location"); got != "/standards/2?period=2024" {
		t.Errorf("after signing in the dashboard sends the person to %q, want the page they asked for", got)
	}
}

// TestExpiredTokenSignsInAgain: a token that has expired, with no refresh token to renew it, is
// not used: the person is sent to sign in again.
func TestExpiredTokenSignsInAgain(t *testing.T) {
	// Tokens are treated as expired ten seconds early, so a five-second token is expired at once.
	base, issuer := serveWith(t, 5*time.Second)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	end := signInAs(t, client, base, issuer, "/", "council")
	if !strings.HasPrefix(end, issuer+"/authorize") {
		t.Errorf("with an expired token the dashboard went on to %s, want the sign-in page again", end)
	}
}

// TestSessionCookie: the session cookie is HttpOnly and SameSite=Lax always, and Secure, with
// the __Host- prefix that binds it to the origin, when the dashboard is served over TLS.
func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		s := newSessions(Config{SessionLifetime: time.Hour, IdleTimeout: time.Minute}, secure)
		c := s.Cookie
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" || c.Persist {
			t.Errorf("secure %v: cookie %+v", secure, c)
		}
		if secure && !strings.HasPrefix(c.Name, "__Host-") {
			t.Errorf("over TLS the cookie is %q, want the __Host- prefix", c.Name)
		}
	}
}
