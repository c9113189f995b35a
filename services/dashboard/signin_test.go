package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
	"github.com/partnership-hub/hub/pkg/poll"
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
// provider's page, and returns where it ends (and the redirect it stopped at, when the client
// stops following).
func signInAs(t *testing.T, client *http.Client, base, issuer, path, user string) (end, location string) {
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
	return resp.Request.URL.String(), resp.Header.Get("Location")
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
	end, _ := signInAs(t, client, base, issuer, "/", "council")
	if !strings.HasPrefix(end, issuer+"/authorize") {
		t.Errorf("with an expired token the dashboard went on to %s, want the sign-in page again", end)
	}
}

// TestSignsInAgainWhenTheTokenExpires: the development provider issues tokens that live
// eleven seconds. Once the person's token has really expired (a token the provider issued after
// it is refused by the API's own verifier), a form sent is not passed on but answered with a page
// that signs them in again back to the form's page, and the next page they open sends them
// through the provider again and back to that page.
func TestSignsInAgainWhenTheTokenExpires(t *testing.T) {
	const ttl = 11 * time.Second
	base, issuer := serveWith(t, ttl)
	authorizes := 0
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), issuer+"/authorize") {
			authorizes++
		}
		// The API is not running: stop once back on the page itself.
		if strings.HasPrefix(req.URL.String(), base+"/standards/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	signIn := func(path string) {
		t.Helper()
		if _, got := signInAs(t, client, base, issuer, path, "council"); got != path {
			t.Fatalf("after signing in the dashboard sends the person to %q, want %q", got, path)
		}
	}
	signIn("/standards/2?period=2024")

	// A token the provider issues now is younger than the person's: once it is refused as
	// expired, the person's has expired too.
	ctx := context.Background()
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: issuer, Audience: "partnership-hub"})
	if err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: "demo-council", ClientSecret: "demo-secret", TokenURL: issuer + "/token"}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.Verify(ctx, tok.AccessToken); err != nil {
		t.Fatalf("a token just issued is refused: %v", err)
	}
	poll.Until(t, 4*ttl, func() error {
		if _, err := verifier.Verify(ctx, tok.AccessToken); err == nil || !strings.Contains(err.Error(), "expired") {
			return fmt.Errorf("the token has not expired yet (%v)", err)
		}
		return nil
	})

	// A form sent now is not passed on.
	req, err := http.NewRequest(http.MethodPost, base+"/alliances", strings.NewReader(url.Values{"id": {"tees"}, "name": {"Tees"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", base+"/alliances/new")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Your session has ended") ||
		!strings.Contains(string(body), `href="/sign-in?next=%2falliances%2fnew"`) {
		t.Errorf("a form sent with an expired token: %d\n%.3000s", resp.StatusCode, body)
	}

	// The next page goes through the provider again, and back to the page.
	before := authorizes
	signIn("/standards/8?period=2024")
	if authorizes != before+1 {
		t.Errorf("the provider was asked %d times, want once", authorizes-before)
	}
}

// TestRefreshesTheExpiredToken: with offline_access the development provider, issuing tokens
// that live eleven seconds, gives a refresh token. Once the person's token has really expired
// (the API's verifier refuses it), the next page is served without sending the person to the
// provider's sign-in: the API is called with a new token, and the session keeps that token.
func TestRefreshesTheExpiredToken(t *testing.T) {
	const ttl = 11 * time.Second
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{LogLevel: "info", LogFormat: "text", ClientID: devoidc.DashboardClient,
		Scopes: []string{"openid", devoidc.ScopeOfflineAccess}, OIDCAudience: "partnership-hub",
		SessionLifetime: time.Hour, IdleTimeout: time.Hour, APITimeout: 5 * time.Second}
	srv := devoidctest.Start(t, devoidc.Config{Audience: "partnership-hub", TokenTTL: ttl, Clients: devoidc.DemoClients(),
		Users: devoidc.DemoUsers(), DashboardRedirectURIs: []string{cfg.CallbackURL(ln.Addr().String())}})
	cfg.OIDCIssuer = srv.Issuer
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: srv.Issuer, Audience: "partnership-hub"})
	if err != nil {
		t.Fatal(err)
	}

	// The API's door: it takes only tokens its verifier accepts, and remembers which it was given.
	var (
		mu     sync.Mutex
		tokens []string
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, err := verifier.Verify(r.Context(), tok); err != nil {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		tokens = append(tokens, tok)
		mu.Unlock()
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
	}))
	t.Cleanup(api.Close)
	cfg.APIURL = api.URL
	called := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(tokens)
	}

	public, _ := url.Parse(cfg.URL(ln.Addr().String()))
	s, err := newSignIn(ctx, cfg, cfg.CallbackURL(ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(cfg, public, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	dash := &httptest.Server{Listener: ln, Config: &http.Server{Handler: a.handler()}}
	dash.Start()
	t.Cleanup(dash.Close)
	base := public.String()
	base = strings.TrimSuffix(base, "/")

	var authorizes atomic.Int64
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), srv.Issuer+"/authorize") {
			authorizes.Add(1)
		}
		return nil
	}}
	// sessionToken is the token the person's session holds on the server.
	sessionToken := func() oauth2.Token {
		t.Helper()
		var cookie string
		for _, c := range jar.Cookies(public) {
			if c.Name == a.sessions.Cookie.Name {
				cookie = c.Value
			}
		}
		sctx, err := a.sessions.Load(ctx, cookie)
		if err != nil {
			t.Fatal(err)
		}
		var tok oauth2.Token
		if err := json.Unmarshal([]byte(a.sessions.GetString(sctx, keyToken)), &tok); err != nil {
			t.Fatalf("the session holds no token: %v", err)
		}
		return tok
	}

	if end, _ := signInAs(t, client, base, srv.Issuer, "/", "council"); end != base+"/" {
		t.Fatalf("signing in ended at %s", end)
	}
	first := sessionToken()
	if first.RefreshToken == "" {
		t.Fatal("the sign-in got no refresh token")
	}
	poll.Until(t, 4*ttl, func() error {
		if _, err := verifier.Verify(ctx, first.AccessToken); err == nil || !strings.Contains(err.Error(), "expired") {
			return fmt.Errorf("the token has not expired yet (%v)", err)
		}
		return nil
	})

	before, seen := authorizes.Load(), len(called())
	resp, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if authorizes.Load() != before || resp.Request.URL.String() != base+"/" {
		t.Errorf("with an expired token and a refresh token the person was sent to %s (the provider's sign-in %d times)",
			resp.Request.URL, authorizes.Load()-before)
	}
	after := called()[seen:]
	if len(after) == 0 {
		t.Fatal("the page did not call the API")
	}
	held := sessionToken()
	for _, tok := range after {
		if tok == first.AccessToken {
			t.Error("the API was called with the expired token")
		}
	}
	if held.AccessToken == first.AccessToken || held.RefreshToken == first.RefreshToken {
		t.Error("the session still holds the expired token")
	}
	if !slices.Contains(after, held.AccessToken) {
		t.Error("the API was not called with the token the session holds")
	}

	// Several requests of the session find the token expired at once (tabs, a page and its
	// download): the provider rotates refresh tokens and ends a sign-in whose refresh token is
	// spent twice, so they must share one refresh, and every one of them stays signed in.
	poll.Until(t, 4*ttl, func() error {
		if _, err := verifier.Verify(ctx, held.AccessToken); err == nil || !strings.Contains(err.Error(), "expired") {
			return fmt.Errorf("the token has not expired yet (%v)", err)
		}
		return nil
	})
	before = authorizes.Load()
	const together = 6
	ends := make([]string, together)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range together {
		wg.Go(func() {
			<-start
			resp, err := client.Get(base + "/")
			if err != nil {
				ends[i] = err.Error()
				return
			}
			resp.Body.Close()
			ends[i] = resp.Request.URL.String()
		})
	}
	close(start)
	wg.Wait()
	for i, end := range ends {
		if end != base+"/" {
			t.Errorf("request %d of %d sent together after the token expired ended at %s", i+1, together, end)
		}
	}
	if n := authorizes.Load() - before; n != 0 {
		t.Errorf("requests sent together after the token expired went to the provider's sign-in %d times", n)
	}
	if last := sessionToken(); last.AccessToken == held.AccessToken {
		t.Error("the session still holds the expired token after the requests sent together")
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
