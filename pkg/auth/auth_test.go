package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
)

const audience = "partnership-hub"

func TestVerifyDemoClients(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	v := newVerifier(t, auth.Config{Issuer: srv.Issuer, Audience: audience})

	tests := []struct {
		client string
		want   auth.Principal
	}{
		{"demo-steward", auth.Principal{Subject: "demo-steward", ClientID: "demo-steward", Roles: []string{auth.RoleSteward}}},
		{"demo-council", auth.Principal{
			Subject: "demo-council", ClientID: "demo-council", Org: "E06000001", Roles: []string{auth.RoleSubmitter},
		}},
		{"demo-analyst", auth.Principal{
			Subject: "demo-analyst", ClientID: "demo-analyst", Roles: []string{auth.RoleAnalyst}, Alliances: []string{"north-east"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.client, func(t *testing.T) {
			token := srv.Token(t, tt.client, "demo-secret")
			for _, bearer := range []string{token, "Bearer " + token} {
				got, err := v.Verify(t.Context(), bearer)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				assertPrincipal(t, got, tt.want)
			}
		})
	}
}

func TestVerifyClaimPaths(t *testing.T) {
	client := devoidc.Client{
		ID: "keycloak-like", Secret: "s",
		Extra: map[string]any{
			"realm_access": map[string]any{"roles": []string{"analyst", "steward"}},
			"hub":          map[string]any{"org": "E06000047", "alliances": "north-east, yorkshire"},
		},
	}
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: []devoidc.Client{client}})
	v := newVerifier(t, auth.Config{
		Issuer: srv.Issuer, Audience: audience,
		Claims: auth.Claims{Org: "hub.org", Roles: "realm_access.roles", Alliances: "hub.alliances"},
	})

	got, err := v.Verify(t.Context(), srv.Token(t, client.ID, client.Secret))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	assertPrincipal(t, got, auth.Principal{
		Subject: client.ID, ClientID: client.ID, Org: "E06000047",
		Roles: []string{"analyst", "steward"}, Alliances: []string{"north-east", "yorkshire"},
	})
	if !got.HasRole(auth.RoleSteward) || got.HasRole(auth.RoleSubmitter) {
		t.Errorf("HasRole on %v: steward %v, submitter %v", got.Roles, got.HasRole(auth.RoleSteward), got.HasRole(auth.RoleSubmitter))
	}
}

// TestVerifyClaimShapes covers token shapes the development provider does
// not issue but other providers do, with tokens signed by a test issuer.
func TestVerifyClaimShapes(t *testing.T) {
	iss := startTestIssuer(t)

	tests := []struct {
		name   string
		claims auth.Claims
		alg    jose.SignatureAlgorithm
		set    map[string]any
		want   auth.Principal
	}{
		{
			name: "space separated roles, azp (Entra ID v2)",
			alg:  jose.RS256,
			set:  map[string]any{"azp": "app-2", "roles": "analyst steward"},
			want: auth.Principal{Subject: "subject-1", ClientID: "app-2", Roles: []string{"analyst", "steward"}},
		},
		{
			name: "comma separated roles, appid (Entra ID v1)",
			alg:  jose.ES256,
			set:  map[string]any{"appid": "app-1", "roles": "university,survey_provider"},
			want: auth.Principal{Subject: "subject-1", ClientID: "app-1", Roles: []string{"university", "survey_provider"}},
		},
		{
			name: "client_id wins over azp",
			alg:  jose.RS256,
			set:  map[string]any{"client_id": "cid", "azp": "azp"},
			want: auth.Principal{Subject: "subject-1", ClientID: "cid"},
		},
		{
			name:   "single-valued org attribute as array (Keycloak)",
			alg:    jose.RS256,
			claims: auth.Claims{Org: "attributes.org"},
			set:    map[string]any{"attributes": map[string]any{"org": []string{"E06000001"}}},
			want:   auth.Principal{Subject: "subject-1", Org: "E06000001"},
		},
		{
			name:   "claim name containing dots",
			alg:    jose.RS256,
			claims: auth.Claims{Roles: "https://hub.example/roles"},
			set:    map[string]any{"https://hub.example/roles": []string{"steward"}},
			want:   auth.Principal{Subject: "subject-1", Roles: []string{"steward"}},
		},
		{
			name: "not before within leeway",
			alg:  jose.RS256,
			set:  map[string]any{"nbf": time.Now().Add(10 * time.Second).Unix()},
			want: auth.Principal{Subject: "subject-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, auth.Config{Issuer: iss.url, Audience: audience, Claims: tt.claims})
			got, err := v.Verify(t.Context(), iss.sign(t, tt.alg, iss.claims(tt.set)))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			assertPrincipal(t, got, tt.want)
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	other := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	iss := startTestIssuer(t)

	dev := newVerifier(t, auth.Config{Issuer: srv.Issuer, Audience: audience})
	devOtherAudience := newVerifier(t, auth.Config{Issuer: srv.Issuer, Audience: "another-service"})
	test := newVerifier(t, auth.Config{Issuer: iss.url, Audience: audience})

	good := srv.Token(t, "demo-council", "demo-secret")
	header, payload := decodeParts(t, good)
	kid, _ := header["kid"].(string)

	// A key not in the provider's JWKS.
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustMarshalPKIX(t, srv)})

	tampered := strings.Split(good, ".")
	promoted := maps.Clone(payload)
	promoted["roles"] = []string{auth.RoleSteward}
	tampered[1] = encodeSegment(t, promoted)

	tests := []struct {
		name     string
		verifier *auth.Verifier
		token    string
	}{
		{"empty", dev, ""},
		{"bearer without token", dev, "Bearer "},
		{"garbage", dev, "not-a-token"},
		{"three garbage segments", dev, "a.b.c"},
		{"wrong audience", devOtherAudience, good},
		{"another issuer", dev, other.Token(t, "demo-council", "demo-secret")},
		{"tampered payload", dev, strings.Join(tampered, ".")},
		{"alg none", dev, encodeSegment(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) +
			"." + encodeSegment(t, payload) + "."},
		{"HS256 with the public key as secret", dev, signWith(t, jose.HS256, publicPEM, kid, payload)},
		{"unknown kid", dev, signWith(t, jose.RS256, attacker, "unknown", payload)},
		{"known kid, other key", dev, signWith(t, jose.RS256, attacker, kid, payload)},
		{"expired", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{
			"iat": time.Now().Add(-2 * time.Hour).Unix(), "nbf": time.Now().Add(-2 * time.Hour).Unix(),
			"exp": time.Now().Add(-time.Hour).Unix(),
		}))},
		{"signed by the test issuer, naming another", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"iss": srv.Issuer}))},
		{"no exp", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"exp": nil}))},
		// go-oidc alone would allow five minutes of skew.
		{"not yet valid", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"nbf": time.Now().Add(2 * time.Minute).Unix()}))},
		{"no sub", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"sub": nil}))},
		{"roles of the wrong type", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"roles": 7}))},
		{"roles holding a number", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"roles": []any{"steward", 1}}))},
		{"several orgs", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"org": []string{"E06000001", "E06000002"}}))},
		{"wrong audience, test issuer", test, iss.sign(t, jose.RS256, iss.claims(map[string]any{"aud": "another-service"}))},
		{"ES384 is not allowed", test, iss.sign(t, jose.ES384, iss.claims(nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.verifier.Verify(t.Context(), tt.token)
			if !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatalf("Verify = %+v, %v; want an error wrapping ErrUnauthenticated", p, err)
			}
			t.Logf("refused: %v", err)
			if p.Subject != "" || p.Org != "" || len(p.Roles) != 0 {
				t.Errorf("refused token still gave principal %+v", p)
			}
		})
	}

	// The good token itself passes, so each refusal above is down to its change.
	if _, err := dev.Verify(t.Context(), good); err != nil {
		t.Errorf("good token refused: %v", err)
	}
}

func TestNewVerifier(t *testing.T) {
	srv := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: devoidc.DemoClients()})
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	notOIDC := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notOIDC.Close)

	tests := []struct {
		name string
		cfg  auth.Config
	}{
		{"no issuer", auth.Config{Audience: audience}},
		{"no audience", auth.Config{Issuer: srv.Issuer}},
		{"issuer differs from discovery", auth.Config{Issuer: srv.Issuer + "/", Audience: audience}},
		{"provider down", auth.Config{Issuer: closed.URL, Audience: audience}},
		{"no discovery document", auth.Config{Issuer: notOIDC.URL, Audience: audience}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := auth.NewVerifier(t.Context(), tt.cfg); err == nil {
				t.Fatal("NewVerifier succeeded, want an error")
			}
		})
	}
}

func TestContext(t *testing.T) {
	if p, ok := auth.FromContext(t.Context()); ok {
		t.Fatalf("empty context gave principal %+v", p)
	}
	want := auth.Principal{Subject: "s", ClientID: "c", Org: "E06000001", Roles: []string{auth.RoleSubmitter}}
	got, ok := auth.FromContext(auth.Context(t.Context(), want))
	if !ok {
		t.Fatal("no principal in context")
	}
	assertPrincipal(t, got, want)
}

func TestHasRole(t *testing.T) {
	p := auth.Principal{Roles: []string{auth.RoleAnalyst, auth.RoleUniversity}}
	for role, want := range map[string]bool{
		auth.RoleAnalyst: true, auth.RoleUniversity: true,
		auth.RoleSteward: false, auth.RoleSubmitter: false, auth.RoleSurveyProvider: false, "": false,
	} {
		if got := p.HasRole(role); got != want {
			t.Errorf("HasRole(%q) = %v, want %v", role, got, want)
		}
	}
}

func newVerifier(t *testing.T, cfg auth.Config) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

func assertPrincipal(t *testing.T, got, want auth.Principal) {
	t.Helper()
	if got.Subject != want.Subject || got.ClientID != want.ClientID || got.Org != want.Org ||
		!slices.Equal(got.Roles, want.Roles) || !slices.Equal(got.Alliances, want.Alliances) {
		t.Errorf("principal = %+v, want %+v", got, want)
	}
}

// testIssuer is an OpenID provider whose tokens the test writes itself, to
// reach claim shapes and validity periods the development provider never
// issues. It serves discovery and a JWKS holding an RSA and an EC key.
type testIssuer struct {
	url  string
	keys map[jose.SignatureAlgorithm]jose.JSONWebKey // private keys, by the alg they sign with
}

func startTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss := &testIssuer{keys: map[jose.SignatureAlgorithm]jose.JSONWebKey{
		jose.RS256: {Key: rsaKey, KeyID: "rsa", Algorithm: string(jose.RS256), Use: "sig"},
		jose.ES256: {Key: ec256, KeyID: "ec256", Algorithm: string(jose.ES256), Use: "sig"},
		jose.ES384: {Key: ec384, KeyID: "ec384", Algorithm: string(jose.ES384), Use: "sig"},
	}}
	var set jose.JSONWebKeySet
	for _, k := range iss.keys {
		set.Keys = append(set.Keys, k.Public())
	}

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.url = srv.URL
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer": iss.url, "jwks_uri": iss.url + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "ES384"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, set) })
	return iss
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // the test fails on the client side if this does
}

// claims returns a valid set of claims with the given ones set; a nil value
// removes a claim.
func (iss *testIssuer) claims(set map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": iss.url, "sub": "subject-1", "aud": []string{audience},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range set {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func (iss *testIssuer) sign(t *testing.T, alg jose.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	key := iss.keys[alg]
	return signWith(t, alg, key.Key, key.KeyID, claims)
}

// signWith signs claims with key, naming kid in the header.
func signWith(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return raw
}

// decodeParts returns a JWT's header and payload without verifying it.
func decodeParts(t *testing.T, raw string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("decode part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("unmarshal part %d: %v", i, err)
		}
	}
	return header, payload
}

func encodeSegment(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// mustMarshalPKIX returns the DER form of the provider's public key, as an
// attacker would take it from the JWKS.
func mustMarshalPKIX(t *testing.T, srv *devoidctest.Server) []byte {
	t.Helper()
	resp, err := http.Get(srv.Issuer + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) == 0 {
		t.Fatal("empty JWKS")
	}
	der, err := x509.MarshalPKIXPublicKey(set.Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
