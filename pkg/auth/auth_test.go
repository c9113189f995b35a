package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/auth/authtest"
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
	iss := authtest.Start(t)

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
			v := newVerifier(t, auth.Config{Issuer: iss.URL, Audience: audience, Claims: tt.claims})
			got, err := v.Verify(t.Context(), iss.Sign(t, tt.alg, iss.Claims(tt.set)))
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
	iss := authtest.Start(t)

	dev := newVerifier(t, auth.Config{Issuer: srv.Issuer, Audience: audience})
	devOtherAudience := newVerifier(t, auth.Config{Issuer: srv.Issuer, Audience: "another-service"})
	test := newVerifier(t, auth.Config{Issuer: iss.URL, Audience: audience})

	good := srv.Token(t, "demo-council", "demo-secret")
	header, payload := authtest.DecodeParts(t, good)
	kid, _ := header["kid"].(string)

	// A key not in the provider's JWKS.
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	publicPEM := authtest.PublicKeyPEM(t, srv.Issuer)

	tampered := strings.Split(good, ".")
	promoted := maps.Clone(payload)
	promoted["roles"] = []string{auth.RoleSteward}
	tampered[1] = authtest.EncodeSegment(t, promoted)

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
		{"alg none", dev, authtest.EncodeSegment(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) +
			"." + authtest.EncodeSegment(t, payload) + "."},
		{"HS256 with the public key as secret", dev, authtest.SignWith(t, jose.HS256, publicPEM, kid, payload)},
		{"unknown kid", dev, authtest.SignWith(t, jose.RS256, attacker, "unknown", payload)},
		{"known kid, other key", dev, authtest.SignWith(t, jose.RS256, attacker, kid, payload)},
		{"expired", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{
			"iat": time.Now().Add(-2 * time.Hour).Unix(), "nbf": time.Now().Add(-2 * time.Hour).Unix(),
			"exp": time.Now().Add(-time.Hour).Unix(),
		}))},
		{"signed by the test issuer, naming another", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"iss": srv.Issuer}))},
		{"no exp", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"exp": nil}))},
		// go-oidc alone would allow five minutes of skew.
		{"not yet valid", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"nbf": time.Now().Add(2 * time.Minute).Unix()}))},
		{"no sub", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"sub": nil}))},
		{"roles of the wrong type", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"roles": 7}))},
		{"roles holding a number", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"roles": []any{"steward", 1}}))},
		{"several orgs", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"org": []string{"E06000001", "E06000002"}}))},
		{"wrong audience, test issuer", test, iss.Sign(t, jose.RS256, iss.Claims(map[string]any{"aud": "another-service"}))},
		{"ES384 is not allowed", test, iss.Sign(t, jose.ES384, iss.Claims(nil))},
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
