package devoidc_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
)

const redirect = "http://127.0.0.1:3000/callback"

func dashboard(srv *devoidctest.Server) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    devoidc.DashboardClient,
		Endpoint:    oauth2.Endpoint{AuthURL: srv.Issuer + "/authorize", TokenURL: srv.Issuer + "/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: redirect,
		Scopes:      []string{"openid"},
	}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signIn follows the sign-in as a person would: the page lists the demo users, choosing one
// sends the browser back to the dashboard with a code (or an error).
func signIn(t *testing.T, authURL, user string) url.Values {
	t.Helper()
	resp, err := noRedirects.Get(authURL + "&user=" + url.QueryEscape(user))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("no redirect: %d %s", resp.StatusCode, b)
	}
	return loc.Query()
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: "partnership-hub", Clients: devoidc.DemoClients(), Users: devoidc.DemoUsers(), DashboardRedirectURIs: []string{redirect}})
	cfg := dashboard(srv)
	ctx := context.Background()

	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("state-123456789", oauth2.S256ChallengeOption(verifier))
	page, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	for _, u := range devoidc.DemoUsers() {
		if !strings.Contains(string(body), `value="`+u.Username+`"`) {
			t.Errorf("sign-in page does not offer %s", u.Username)
		}
	}

	q := signIn(t, authURL, "council")
	if q.Get("state") != "state-123456789" || q.Get("code") == "" {
		t.Fatalf("callback = %v", q)
	}
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Error("exchange with the wrong code verifier succeeded")
	}
	q = signIn(t, authURL, "council")
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(ctx, auth.Config{Issuer: srv.Issuer, Audience: "partnership-hub"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "council" || p.Org != "E06000001" || !p.HasRole(auth.RoleSubmitter) || p.ClientID != devoidc.DashboardClient {
		t.Errorf("principal = %+v", p)
	}
	// The code was used: a second exchange fails.
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a code was exchanged twice")
	}
}

func TestAuthorizationRefusals(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: "partnership-hub", Clients: devoidc.DemoClients(), Users: devoidc.DemoUsers(), DashboardRedirectURIs: []string{redirect}})
	cfg := dashboard(srv)
	verifier := oauth2.GenerateVerifier()
	tests := map[string]string{
		"no PKCE":               cfg.AuthCodeURL("state-123456789"),
		"plain PKCE":            cfg.AuthCodeURL("state-123456789", oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")),
		"unknown user":          cfg.AuthCodeURL("state-123456789", oauth2.S256ChallengeOption(verifier)) + "&user=mallory",
		"foreign redirect":      strings.Replace(cfg.AuthCodeURL("state-123456789", oauth2.S256ChallengeOption(verifier)), url.QueryEscape(redirect), url.QueryEscape("https://evil.example/cb"), 1),
		"a confidential client": strings.Replace(cfg.AuthCodeURL("state-123456789", oauth2.S256ChallengeOption(verifier)), "client_id="+devoidc.DashboardClient, "client_id=demo-steward", 1),
	}
	for name, u := range tests {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(u, "user=") {
				u += "&user=council"
			}
			resp, err := noRedirects.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			loc, _ := resp.Location()
			if loc != nil && loc.Query().Get("code") != "" {
				t.Fatalf("a code was issued: %s", loc)
			}
			if loc == nil && resp.StatusCode < 400 {
				t.Fatalf("status %d, want a refusal", resp.StatusCode)
			}
		})
	}
}

// TestDemoPeople signs in as each demo person and checks that the token says who they are: a
// person for every demo client, with that client's organisation, roles and alliances.
func TestDemoPeople(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: "partnership-hub", Clients: devoidc.DemoClients(), Users: devoidc.DemoUsers(), DashboardRedirectURIs: []string{redirect}})
	cfg := dashboard(srv)
	v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: srv.Issuer, Audience: "partnership-hub"})
	if err != nil {
		t.Fatal(err)
	}
	people := map[string]devoidc.User{}
	for _, u := range devoidc.DemoUsers() {
		people[u.Username] = u
	}
	for _, c := range devoidc.DemoClients() {
		t.Run(c.ID, func(t *testing.T) {
			u, ok := people[strings.TrimPrefix(c.ID, "demo-")]
			if !ok {
				t.Fatalf("no demo person for %s", c.ID)
			}
			verifier := oauth2.GenerateVerifier()
			q := signIn(t, cfg.AuthCodeURL("state-123456789", oauth2.S256ChallengeOption(verifier)), u.Username)
			tok, err := cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			p, err := v.Verify(context.Background(), tok.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != u.Username || p.Org != c.Org || strings.Join(p.Roles, ",") != strings.Join(c.Roles, ",") || strings.Join(p.Alliances, ",") != strings.Join(c.Alliances, ",") {
				t.Errorf("%s signs in as %+v, want the org, roles and alliances of %s", u.Username, p, c.ID)
			}
		})
	}
}

// TestRefreshTokenGrant: a sign-in granted offline_access gets a refresh token, which renews the
// access token (with a new refresh token) for the dashboard only: another client may not use it,
// and once used it is spent. A sign-in without offline_access gets none.
func TestRefreshTokenGrant(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: "partnership-hub", Clients: devoidc.DemoClients(), Users: devoidc.DemoUsers(), DashboardRedirectURIs: []string{redirect}})
	ctx := context.Background()
	signInWith := func(scopes ...string) *oauth2.Token {
		t.Helper()
		cfg := dashboard(srv)
		cfg.Scopes = scopes
		verifier := oauth2.GenerateVerifier()
		q := signIn(t, cfg.AuthCodeURL("state-123456789", oauth2.S256ChallengeOption(verifier)), "council")
		tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if tok := signInWith("openid"); tok.RefreshToken != "" {
		t.Error("a sign-in without offline_access got a refresh token")
	}
	tok := signInWith("openid", devoidc.ScopeOfflineAccess)
	if tok.RefreshToken == "" {
		t.Fatal("a sign-in with offline_access got no refresh token")
	}

	// Another client, authenticated with its own secret, may not use the dashboard's refresh token.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	req, _ := http.NewRequest(http.MethodPost, srv.Issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-steward", "demo-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "access_token") {
		t.Fatalf("another client refreshed the dashboard's token: %d %s", resp.StatusCode, body)
	}

	// The dashboard may, and gets a new access token for the same person.
	refresh := func(rt string) (*oauth2.Token, error) {
		return dashboard(srv).TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	}
	fresh, err := refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == "" || fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh gave access token changed %v, refresh token changed %v", fresh.AccessToken != tok.AccessToken, fresh.RefreshToken != tok.RefreshToken)
	}
	v, err := auth.NewVerifier(ctx, auth.Config{Issuer: srv.Issuer, Audience: "partnership-hub"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(ctx, fresh.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "council" || p.Org != "E06000001" || !p.HasRole(auth.RoleSubmitter) || p.ClientID != devoidc.DashboardClient {
		t.Errorf("refreshed principal = %+v", p)
	}
	// A spent refresh token is refused.
	if _, err := refresh(tok.RefreshToken); err == nil {
		t.Error("a refresh token was used twice")
	}
}
