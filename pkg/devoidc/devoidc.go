// Package devoidc is a development OpenID provider for Partnership Hub.
//
// It issues RS256-signed JWT access tokens through the OAuth2 client
// credentials grant (and, to the dashboard's people, the authorization code
// flow with PKCE, renewed with refresh tokens), carrying the organisation, roles and alliances claims that
// the hub authorises on. It exists so that the hub can be run and tested
// end to end without a real identity provider (Keycloak, Entra ID); its
// clients' secrets are published, so it must never be used in production. Its
// signing key lives in memory, or in a key file (Config.KeyFile) so that the
// tokens it issued still verify after a restart.
//
// The token endpoint is built on github.com/ory/fosite; discovery and JWKS are
// served alongside it so that ordinary OIDC libraries (go-oidc) can verify the
// tokens.
package devoidc

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"
	"golang.org/x/crypto/bcrypt"
)

const (
	// defaultTokenTTL is how long access tokens live when Config.TokenTTL is zero.
	defaultTokenTTL = time.Hour
	// refreshTokenTTL is how long a refresh token lives; each refresh issues a new one.
	refreshTokenTTL = 24 * time.Hour
	// keyBits is the size of the in-memory RSA signing key.
	keyBits = 2048

	pathDiscovery = "/.well-known/openid-configuration"
	pathJWKS      = "/jwks"
	pathToken     = "/token"
	pathAuthorize = "/authorize"
)

// Client is a registered OAuth2 client of the development provider.
type Client struct {
	ID, Secret string
	Org        string   // organisation code put in the org claim ("" for none)
	Roles      []string // put in the roles claim
	Alliances  []string // put in the alliances claim

	// Extra holds further claims merged into every access token of the
	// client, such as {"realm_access": {"roles": [...]}} to imitate Keycloak.
	// It cannot override the registered claims (iss, sub, aud, exp, iat, nbf,
	// jti) nor client_id, org, roles and alliances.
	Extra map[string]any
}

// Config configures a Provider.
type Config struct {
	// Issuer is the provider's base URL, e.g. "http://127.0.0.1:5556".
	// Discovery reports exactly this value and tokens carry it in iss.
	Issuer string
	// Audience is the aud of every access token, e.g. "partnership-hub".
	Audience string
	// TokenTTL is how long access tokens live; 1h when zero.
	TokenTTL time.Duration
	// Clients are the registered clients; see DemoClients.
	Clients []Client
	// Users are the people who may sign in to the dashboard (authorization code with PKCE);
	// see DemoUsers. DashboardRedirectURIs are where the dashboard client may be sent back to.
	Users                 []User
	DashboardRedirectURIs []string
	// KeyFile keeps the signing key (PEM, PKCS #8) across restarts: read when it exists, made
	// (mode 0600, in a directory made 0700) when it does not. A key file others may read is
	// refused. Empty keeps a new key in memory, so tokens stop verifying when the provider stops.
	KeyFile string
}

// Provider is an in-memory OpenID provider that issues access tokens to its
// registered clients through the client credentials grant.
type Provider struct {
	issuer   string
	audience string
	baseURL  string // issuer without a trailing slash, for building endpoint URLs
	keyID    string
	jwks     []byte // marshalled public JSON Web Key Set
	clients  map[string]Client
	users    map[string]User
	server   fosite.OAuth2Provider // fosite: client authentication and the grants
}

// DemoClients returns the demo clients of the development provider. All of
// them use the secret "demo-secret".
func DemoClients() []Client {
	const secret = "demo-secret"
	return []Client{
		{ID: "demo-steward", Secret: secret, Roles: []string{"steward"}},
		{ID: "demo-council", Secret: secret, Org: "E06000001", Roles: []string{"submitter"}}, // Hartlepool
		{ID: "demo-analyst", Secret: secret, Roles: []string{"analyst"}, Alliances: []string{"north-east"}},
		{ID: "demo-survey", Secret: secret, Roles: []string{"survey_provider"}},
		{ID: "demo-university", Secret: secret, Org: "10007799", Roles: []string{"university"}}, // Newcastle University (UKPRN)
		{ID: "demo-trust", Secret: secret, Org: "RX4", Roles: []string{"submitter"}},            // Cumbria, Northumberland, Tyne and Wear NHS FT (ODS)
	}
}

// New checks cfg and returns a provider with its RSA-2048 signing key: the one in cfg.KeyFile,
// or a new one (written there when a key file is named).
func New(cfg Config) (*Provider, error) {
	if err := validate(cfg); err != nil {
		return nil, fmt.Errorf("devoidc config: %w", err)
	}
	ttl := cfg.TokenTTL
	if ttl == 0 {
		ttl = defaultTokenTTL
	}

	key, err := signingKey(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	public := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := public.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("key thumbprint: %w", err)
	}
	public.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{public}})
	if err != nil {
		return nil, fmt.Errorf("marshal key set: %w", err)
	}

	globalSecret := make([]byte, 32)
	if _, err := rand.Read(globalSecret); err != nil {
		return nil, fmt.Errorf("generate global secret: %w", err)
	}

	baseURL := strings.TrimSuffix(cfg.Issuer, "/")
	// Every field whose getter fills in a default lazily is set here: those
	// getters write to the config and would race under concurrent requests.
	fcfg := &fosite.Config{
		AccessTokenLifespan:      ttl,
		AccessTokenIssuer:        cfg.Issuer,
		IDTokenIssuer:            cfg.Issuer,
		TokenURL:                 baseURL + pathToken,
		GlobalSecret:             globalSecret,
		HashCost:                 bcrypt.MinCost, // secrets are development secrets
		ScopeStrategy:            fosite.ExactScopeStrategy,
		AudienceMatchingStrategy: fosite.DefaultAudienceMatchingStrategy,
		// Only a sign-in granted offline_access gets a refresh token; it lives as long as the
		// dashboard's longest session.
		RefreshTokenScopes:   []string{ScopeOfflineAccess},
		RefreshTokenLifespan: refreshTokenTTL,
	}
	fcfg.ClientSecretsHasher = &fosite.BCrypt{Config: fcfg}

	st := storage.NewMemoryStore()
	clients := make(map[string]Client, len(cfg.Clients))
	for _, c := range cfg.Clients {
		hash, err := fcfg.ClientSecretsHasher.Hash(context.Background(), []byte(c.Secret))
		if err != nil {
			return nil, fmt.Errorf("hash secret of client %q: %w", c.ID, err)
		}
		st.Clients[c.ID] = &fosite.DefaultClient{
			ID:         c.ID,
			Secret:     hash,
			GrantTypes: []string{"client_credentials"},
			Audience:   []string{cfg.Audience},
		}
		clients[c.ID] = cloneClient(c)
	}

	getKey := func(context.Context) (any, error) { return key, nil }
	users := registerDashboard(fcfg, st, cfg)
	strategy := compose.NewOAuth2JWTStrategy(getKey, compose.NewOAuth2HMACStrategy(fcfg), fcfg)
	provider := compose.Compose(fcfg, st, strategy,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2PKCEFactory,
		compose.OAuth2RefreshTokenGrantFactory,
	)

	return &Provider{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		baseURL:  baseURL,
		keyID:    public.KeyID,
		jwks:     jwks,
		clients:  clients,
		users:    users,
		server:   provider,
	}, nil
}

func validate(cfg Config) error {
	u, err := url.Parse(cfg.Issuer)
	switch {
	case cfg.Issuer == "":
		return errors.New("issuer is required")
	case err != nil:
		return fmt.Errorf("issuer: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("issuer %q is not an absolute http(s) URL", cfg.Issuer)
	case cfg.Audience == "":
		return errors.New("audience is required")
	case cfg.TokenTTL < 0:
		return fmt.Errorf("token TTL %v is negative", cfg.TokenTTL)
	}
	seen := make(map[string]bool, len(cfg.Clients))
	for i, c := range cfg.Clients {
		switch {
		case c.ID == "":
			return fmt.Errorf("client %d: id is required", i)
		case c.Secret == "":
			return fmt.Errorf("client %q: secret is required", c.ID)
		case seen[c.ID]:
			return fmt.Errorf("client %q: registered twice", c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

// cloneClient copies c so that later changes by the caller do not reach the
// provider.
func cloneClient(c Client) Client {
	c.Roles = slices.Clone(c.Roles)
	c.Alliances = slices.Clone(c.Alliances)
	c.Extra = maps.Clone(c.Extra)
	return c
}

// Handler serves discovery at /.well-known/openid-configuration, the public
// key set at /jwks and the token endpoint at /token. The routes are relative
// to the root: if the issuer has a path, mount the handler under it with
// http.StripPrefix.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathDiscovery, p.discovery)
	mux.HandleFunc("GET "+pathJWKS, p.keys)
	mux.HandleFunc("POST "+pathToken, p.token)
	mux.HandleFunc("GET "+pathAuthorize, p.authorize)
	return mux
}

// discoveryDocument is the subset of OpenID Provider Metadata that a client
// credentials only provider can truthfully report.
type discoveryDocument struct {
	Issuer                            string   `json:"issuer"`
	JWKSURI                           string   `json:"jwks_uri"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, discoveryDocument{
		Issuer:                            p.issuer,
		JWKSURI:                           p.baseURL + pathJWKS,
		TokenEndpoint:                     p.baseURL + pathToken,
		AuthorizationEndpoint:             p.baseURL + pathAuthorize,
		ResponseTypesSupported:            []string{"code"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		GrantTypesSupported:               []string{"client_credentials", "authorization_code", "refresh_token"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{string(jose.RS256)},
		ClaimsSupported: []string{
			"iss", "sub", "aud", "exp", "iat", "nbf", "jti",
			"client_id", "org", "roles", "alliances",
		},
	})
}

func (p *Provider) keys(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(p.jwks) // a write error means the client has gone
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body) // a write error means the client has gone
}

// token implements the token endpoint: fosite authenticates the client
// (HTTP Basic or client_secret_post) and runs the client credentials grant;
// the provider adds its claims to the session before the token is signed. The
// dashboard's codes and refresh tokens restore the session of the sign-in.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// fosite answers invalid_request for a grant no handler takes; RFC 6749
	// section 5.2 asks for unsupported_grant_type.
	grant := r.PostFormValue("grant_type")
	if grant != "" && grant != "client_credentials" && grant != "authorization_code" && grant != "refresh_token" {
		p.server.WriteAccessError(ctx, w, nil, fosite.ErrUnsupportedGrantType)
		return
	}
	session := &oauth2.JWTSession{JWTHeader: &jwt.Headers{Extra: map[string]any{"kid": p.keyID}}}

	req, err := p.server.NewAccessRequest(ctx, r, session)
	if err != nil {
		p.server.WriteAccessError(ctx, w, req, err)
		return
	}
	if grant == "authorization_code" || grant == "refresh_token" {
		// A person's token: fosite restored the session made when the person signed in
		// (for a refresh, of the token refreshed, which fosite checked was issued to this client).
		if s, ok := req.GetSession().(*oauth2.JWTSession); ok && s.JWTClaims != nil {
			now := time.Now().UTC()
			s.JWTClaims.IssuedAt, s.JWTClaims.NotBefore = now, now
		}
		resp, err := p.server.NewAccessResponse(ctx, req)
		if err != nil {
			p.server.WriteAccessError(ctx, w, req, err)
			return
		}
		p.server.WriteAccessResponse(ctx, w, req, resp)
		return
	}
	client, ok := p.clients[req.GetClient().GetID()]
	if !ok {
		// fosite authenticated a client that is not registered: cannot happen
		// unless the store and the client map disagree.
		p.server.WriteAccessError(ctx, w, req, fosite.ErrServerError.WithHint("Unknown client."))
		return
	}
	session.Subject = client.ID
	session.JWTClaims = p.claims(client, time.Now().UTC())
	req.GrantAudience(p.audience)

	resp, err := p.server.NewAccessResponse(ctx, req)
	if err != nil {
		p.server.WriteAccessError(ctx, w, req, err)
		return
	}
	p.server.WriteAccessResponse(ctx, w, req, resp)
}

// claims returns the claims fosite completes with exp, iat, iss, aud and jti.
func (p *Provider) claims(c Client, now time.Time) *jwt.JWTClaims {
	extra := maps.Clone(c.Extra)
	if extra == nil {
		extra = make(map[string]any)
	}
	extra["client_id"] = c.ID
	delete(extra, "org")
	if c.Org != "" {
		extra["org"] = c.Org
	}
	roles := c.Roles
	if roles == nil {
		roles = []string{}
	}
	extra["roles"] = roles
	delete(extra, "alliances")
	if len(c.Alliances) > 0 {
		extra["alliances"] = c.Alliances
	}
	return &jwt.JWTClaims{
		Subject:   c.ID,
		Issuer:    p.issuer,
		IssuedAt:  now,
		NotBefore: now,
		Extra:     extra,
	}
}
