package devoidc_test

import (
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
)

const audience = "partnership-hub"

func TestNewRejectsBadConfig(t *testing.T) {
	good := devoidc.Config{Issuer: "http://127.0.0.1:5556", Audience: audience, Clients: devoidc.DemoClients()}
	tests := []struct {
		name   string
		change func(*devoidc.Config)
	}{
		{"no issuer", func(c *devoidc.Config) { c.Issuer = "" }},
		{"relative issuer", func(c *devoidc.Config) { c.Issuer = "/oidc" }},
		{"issuer not http", func(c *devoidc.Config) { c.Issuer = "ftp://example.org" }},
		{"no audience", func(c *devoidc.Config) { c.Audience = "" }},
		{"negative TTL", func(c *devoidc.Config) { c.TokenTTL = -time.Second }},
		{"client without id", func(c *devoidc.Config) { c.Clients = []devoidc.Client{{Secret: "s"}} }},
		{"client without secret", func(c *devoidc.Config) { c.Clients = []devoidc.Client{{ID: "a"}} }},
		{"client twice", func(c *devoidc.Config) {
			c.Clients = []devoidc.Client{{ID: "a", Secret: "s"}, {ID: "a", Secret: "t"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			if _, err := devoidc.New(cfg); err == nil {
				t.Fatal("New succeeded, want an error")
			}
		})
	}
	t.Run("good", func(t *testing.T) {
		if _, err := devoidc.New(good); err != nil {
			t.Fatalf("New: %v", err)
		}
	})
}

func TestDiscovery(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})

	var doc struct {
		Issuer        string   `json:"issuer"`
		JWKSURI       string   `json:"jwks_uri"`
		TokenEndpoint string   `json:"token_endpoint"`
		Algs          []string `json:"id_token_signing_alg_values_supported"`
		GrantTypes    []string `json:"grant_types_supported"`
	}
	getJSON(t, srv.Issuer+"/.well-known/openid-configuration", &doc)

	if doc.Issuer != srv.Issuer {
		t.Errorf("issuer = %q, want %q", doc.Issuer, srv.Issuer)
	}
	if doc.JWKSURI != srv.Issuer+"/jwks" {
		t.Errorf("jwks_uri = %q", doc.JWKSURI)
	}
	if doc.TokenEndpoint != srv.Issuer+"/token" {
		t.Errorf("token_endpoint = %q", doc.TokenEndpoint)
	}
	if !slices.Equal(doc.Algs, []string{"RS256"}) {
		t.Errorf("id_token_signing_alg_values_supported = %v, want [RS256]", doc.Algs)
	}
	if !slices.Contains(doc.GrantTypes, "client_credentials") {
		t.Errorf("grant_types_supported = %v, want client_credentials", doc.GrantTypes)
	}
}

func TestJWKS(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})

	key := fetchKey(t, srv)
	if key.KeyID == "" {
		t.Error("key has no kid")
	}
	if key.Algorithm != "RS256" || key.Use != "sig" {
		t.Errorf("alg, use = %q, %q; want RS256, sig", key.Algorithm, key.Use)
	}
	if !key.IsPublic() {
		t.Error("JWKS holds a private key")
	}
	rsaKey, ok := key.Key.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("key is %T, want *rsa.PublicKey", key.Key)
	}
	if bits := rsaKey.N.BitLen(); bits != 2048 {
		t.Errorf("key has %d bits, want 2048", bits)
	}
}

func TestTokenClaims(t *testing.T) {
	const ttl = 10 * time.Minute
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, TokenTTL: ttl, Clients: devoidc.DemoClients()})
	key := fetchKey(t, srv)

	tests := []struct {
		client        string
		wantOrg       any // nil when the claim must be absent
		wantRoles     []any
		wantAlliances any
	}{
		{client: "demo-steward", wantRoles: []any{"steward"}},
		{client: "demo-council", wantOrg: "E06000001", wantRoles: []any{"submitter"}},
		{client: "demo-analyst", wantRoles: []any{"analyst"}, wantAlliances: []any{"north-east"}},
	}
	for _, tt := range tests {
		t.Run(tt.client, func(t *testing.T) {
			raw := srv.Token(t, tt.client, "demo-secret")
			header, claims := parse(t, raw, key)

			if header.KeyID != key.KeyID {
				t.Errorf("kid = %q, want %q", header.KeyID, key.KeyID)
			}
			if header.Algorithm != "RS256" {
				t.Errorf("alg = %q, want RS256", header.Algorithm)
			}
			for name, want := range map[string]any{
				"iss": srv.Issuer, "sub": tt.client, "client_id": tt.client, "aud": []any{audience},
				"org": tt.wantOrg, "roles": tt.wantRoles, "alliances": tt.wantAlliances,
			} {
				got, present := claims[name]
				switch {
				case want == nil && present:
					t.Errorf("claim %s = %#v, want it absent", name, got)
				case want != nil && !equalJSON(got, want):
					t.Errorf("claim %s = %#v, want %#v", name, got, want)
				}
			}
			if jti, _ := claims["jti"].(string); jti == "" {
				t.Error("no jti")
			}
			iat, nbf, exp := seconds(t, claims, "iat"), seconds(t, claims, "nbf"), seconds(t, claims, "exp")
			now := time.Now().Unix()
			if iat < now-60 || iat > now+1 {
				t.Errorf("iat = %d, now is %d", iat, now)
			}
			if nbf != iat {
				t.Errorf("nbf = %d, want iat %d", nbf, iat)
			}
			if got := time.Duration(exp-iat) * time.Second; got < ttl-time.Second || got > ttl+time.Second {
				t.Errorf("exp - iat = %v, want %v", got, ttl)
			}
		})
	}

	t.Run("jti is unique", func(t *testing.T) {
		_, a := parse(t, srv.Token(t, "demo-steward", "demo-secret"), key)
		_, b := parse(t, srv.Token(t, "demo-steward", "demo-secret"), key)
		if a["jti"] == b["jti"] {
			t.Errorf("two tokens share jti %v", a["jti"])
		}
	})
}

func TestTokenDefaultTTL(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	_, claims := parse(t, srv.Token(t, "demo-steward", "demo-secret"), fetchKey(t, srv))
	if got := seconds(t, claims, "exp") - seconds(t, claims, "iat"); got != int64(time.Hour/time.Second) {
		t.Errorf("exp - iat = %ds, want 3600s", got)
	}
}

func TestTokenExtraClaims(t *testing.T) {
	client := devoidc.Client{
		ID: "keycloak-like", Secret: "s", Org: "E06000002", Roles: []string{"analyst"},
		Extra: map[string]any{
			"realm_access": map[string]any{"roles": []string{"steward"}},
			"org":          "overridden?", // registered by the provider: must not win
			"sub":          "someone-else",
		},
	}
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: []devoidc.Client{client}})
	_, claims := parse(t, srv.Token(t, client.ID, client.Secret), fetchKey(t, srv))

	want := map[string]any{
		"realm_access": map[string]any{"roles": []any{"steward"}},
		"org":          "E06000002",
		"sub":          client.ID,
		"roles":        []any{"analyst"},
	}
	for name, w := range want {
		if got := claims[name]; !equalJSON(got, w) {
			t.Errorf("claim %s = %#v, want %#v", name, got, w)
		}
	}
}

func TestTokenClientAuthentication(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})

	for _, tt := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"basic", oauth2.AuthStyleInHeader},
		{"client_secret_post", oauth2.AuthStyleInParams},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := srv.Credentials("demo-council", "demo-secret", tt.style).Token(t.Context())
			if err != nil {
				t.Fatalf("token: %v", err)
			}
			if !strings.EqualFold(tok.TokenType, "bearer") || tok.AccessToken == "" {
				t.Errorf("token type %q, access token %q", tok.TokenType, tok.AccessToken)
			}
		})
	}
}

func TestTokenRefusals(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})

	tests := []struct {
		name       string
		form       url.Values
		basic      [2]string // id, secret; empty for none
		wantStatus int
		wantError  string
	}{
		{
			name:       "unknown client",
			form:       url.Values{"grant_type": {"client_credentials"}},
			basic:      [2]string{"nobody", "demo-secret"},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name:       "wrong secret",
			form:       url.Values{"grant_type": {"client_credentials"}},
			basic:      [2]string{"demo-steward", "wrong"},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name: "wrong secret in form",
			form: url.Values{
				"grant_type": {"client_credentials"}, "client_id": {"demo-steward"}, "client_secret": {"wrong"},
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name:       "no credentials",
			form:       url.Values{"grant_type": {"client_credentials"}},
			wantStatus: http.StatusBadRequest, wantError: "invalid_request",
		},
		{
			name:       "unsupported grant",
			form:       url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}},
			basic:      [2]string{"demo-steward", "demo-secret"},
			wantStatus: http.StatusBadRequest, wantError: "unsupported_grant_type",
		},
		{
			name:       "scope not granted",
			form:       url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}},
			basic:      [2]string{"demo-steward", "demo-secret"},
			wantStatus: http.StatusBadRequest, wantError: "invalid_scope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.TokenURL(), strings.NewReader(tt.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.basic[0] != "" {
				req.SetBasicAuth(tt.basic[0], tt.basic[1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()

			var body struct {
				Error string `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("decode error body: %v", err)
			}
			if resp.StatusCode != tt.wantStatus || body.Error != tt.wantError {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body.Error, tt.wantStatus, tt.wantError)
			}
		})
	}
}

func TestDemoClients(t *testing.T) {
	want := map[string]devoidc.Client{
		"demo-steward":    {ID: "demo-steward", Secret: "demo-secret", Roles: []string{"steward"}},
		"demo-council":    {ID: "demo-council", Secret: "demo-secret", Org: "E06000001", Roles: []string{"submitter"}},
		"demo-analyst":    {ID: "demo-analyst", Secret: "demo-secret", Roles: []string{"analyst"}, Alliances: []string{"north-east"}},
		"demo-survey":     {ID: "demo-survey", Secret: "demo-secret", Roles: []string{"survey_provider"}},
		"demo-university": {ID: "demo-university", Secret: "demo-secret", Org: "10007799", Roles: []string{"university"}},
		"demo-trust":      {ID: "demo-trust", Secret: "demo-secret", Org: "RX4", Roles: []string{"submitter"}},
	}
	got := devoidc.DemoClients()
	if len(got) != len(want) {
		t.Fatalf("%d demo clients, want %d", len(got), len(want))
	}
	for _, c := range got {
		if !equalJSON(c, want[c.ID]) {
			t.Errorf("demo client %s = %+v, want %+v", c.ID, c, want[c.ID])
		}
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", u, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", u, err)
	}
}

func fetchKey(t *testing.T, srv *devoidctest.Server) jose.JSONWebKey {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, srv.Issuer+"/jwks", &set)
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	return set.Keys[0]
}

// parse checks the token's RS256 signature against key and returns its
// header and claims.
func parse(t *testing.T, raw string, key jose.JSONWebKey) (jose.Header, map[string]any) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	claims := map[string]any{}
	if err := tok.Claims(key.Key, &claims); err != nil {
		t.Fatalf("verify token: %v", err)
	}
	return tok.Headers[0], claims
}

func seconds(t *testing.T, claims map[string]any, name string) int64 {
	t.Helper()
	v, ok := claims[name].(float64)
	if !ok {
		t.Fatalf("claim %s = %#v, want a number", name, claims[name])
	}
	return int64(v)
}

// equalJSON reports whether a and b encode to the same JSON.
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
