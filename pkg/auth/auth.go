// Package auth verifies the bearer tokens that callers of Partnership Hub
// present, and carries the resulting Principal through a request's context.
//
// Tokens are JWT access tokens from an OpenID provider (the development
// provider in package devoidc, Keycloak, Entra ID, ...). The verifier finds
// the provider's keys by OIDC discovery and checks signature, issuer,
// audience, expiry and not-before. Who the caller is, which organisation they
// act for and which roles they hold are taken only from a verified token.
package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Roles known to the hub.
const (
	RoleSubmitter      = "submitter"
	RoleUniversity     = "university"
	RoleSurveyProvider = "survey_provider"
	RoleAnalyst        = "analyst"
	RoleSteward        = "steward"
)

// ErrUnauthenticated is wrapped by every error that refuses a token.
var ErrUnauthenticated = errors.New("unauthenticated")

// nbfLeeway is the clock skew allowed on a token's not-before time.
const nbfLeeway = 30 * time.Second

// Claims names which token claims carry the organisation, roles and
// alliances. A name is looked up as a top-level claim first and otherwise as a
// dotted path into nested objects, so "realm_access.roles" reads Keycloak's
// realm roles.
type Claims struct {
	Org, Roles, Alliances string // defaults "org", "roles", "alliances"
}

// Config configures a Verifier.
type Config struct {
	// Issuer is the provider's issuer URL; discovery must report exactly it.
	Issuer string
	// Audience must be among the token's aud values.
	Audience string
	// Claims names the organisation, roles and alliances claims.
	Claims Claims
}

// Principal is who is calling, taken only from a verified token.
type Principal struct {
	Subject, ClientID, Org string
	Roles, Alliances       []string
}

// HasRole reports whether the principal holds role r.
func (p Principal) HasRole(r string) bool {
	return slices.Contains(p.Roles, r)
}

// Verifier verifies bearer tokens issued by one provider for one audience.
// It is safe for concurrent use.
type Verifier struct {
	verifier *oidc.IDTokenVerifier
	claims   Claims
	// The provider's token and authorization endpoints, from discovery.
	tokenURL, authorizeURL string
}

// Endpoints are the provider's token and authorization endpoints, as its discovery document
// names them: where callers get the tokens this verifier takes.
func (v *Verifier) Endpoints() (tokenURL, authorizeURL string) { return v.tokenURL, v.authorizeURL }

// NewVerifier discovers the provider at cfg.Issuer and returns a verifier for
// its tokens. The provider's keys are fetched when first needed and again when
// a token names an unknown key. It does not retry: a caller that starts
// before the provider should call it again. An HTTP client can be supplied
// with oidc.ClientContext(ctx, client).
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("auth config: issuer is required")
	}
	if cfg.Audience == "" {
		return nil, errors.New("auth config: audience is required")
	}
	claims := cfg.Claims
	if claims.Org == "" {
		claims.Org = "org"
	}
	if claims.Roles == "" {
		claims.Roles = "roles"
	}
	if claims.Alliances == "" {
		claims.Alliances = "alliances"
	}

	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover provider %s: %w", cfg.Issuer, err)
	}
	return &Verifier{
		verifier: provider.Verifier(&oidc.Config{
			ClientID: cfg.Audience,
			// Only asymmetric algorithms: never HS256 (whose key would be
			// the public key) nor "none".
			SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256},
		}),
		claims:   claims,
		tokenURL: provider.Endpoint().TokenURL, authorizeURL: provider.Endpoint().AuthURL,
	}, nil
}

// Verify checks the bearer token (with or without a "Bearer " prefix) and
// returns the principal it names. Every refusal wraps ErrUnauthenticated.
func (v *Verifier) Verify(ctx context.Context, bearer string) (Principal, error) {
	raw := strings.TrimSpace(bearer)
	if len(raw) > len("bearer ") && strings.EqualFold(raw[:len("bearer ")], "bearer ") {
		raw = strings.TrimSpace(raw[len("bearer "):])
	}
	if raw == "" {
		return Principal{}, fmt.Errorf("%w: no token", ErrUnauthenticated)
	}

	tok, err := v.verifier.Verify(ctx, raw)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: decode claims: %w", ErrUnauthenticated, err)
	}
	p, err := v.principal(claims)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	return p, nil
}

// principal checks the claims go-oidc leaves alone and reads the principal.
func (v *Verifier) principal(claims map[string]any) (Principal, error) {
	// go-oidc allows five minutes of skew on nbf; the hub allows less.
	if nbf, ok := claims["nbf"]; ok {
		n, ok := nbf.(float64)
		if !ok {
			return Principal{}, fmt.Errorf("claim nbf is %T, want a number", nbf)
		}
		notBefore := time.Unix(int64(n), 0)
		if now := time.Now(); now.Add(nbfLeeway).Before(notBefore) {
			return Principal{}, fmt.Errorf("token not valid before %v, now %v", notBefore.UTC(), now.UTC())
		}
	}

	sub, err := optionalString(claims, "sub")
	if err != nil {
		return Principal{}, err
	}
	if sub == "" {
		return Principal{}, errors.New("token has no sub")
	}
	var clientID string
	for _, name := range []string{"client_id", "azp", "appid"} {
		if clientID, err = optionalString(claims, name); err != nil {
			return Principal{}, err
		}
		if clientID != "" {
			break
		}
	}
	org, err := stringClaim(claims, v.claims.Org)
	if err != nil {
		return Principal{}, err
	}
	roles, err := listClaim(claims, v.claims.Roles)
	if err != nil {
		return Principal{}, err
	}
	alliances, err := listClaim(claims, v.claims.Alliances)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Subject: sub, ClientID: clientID, Org: org, Roles: roles, Alliances: alliances}, nil
}

// lookup finds a claim by its name, or else by the name as a dotted path into
// nested objects. Names such as "https://hub.example/roles" contain dots
// themselves, hence the top-level attempt first.
func lookup(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	var cur any = claims
	for part := range strings.SplitSeq(name, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func optionalString(claims map[string]any, name string) (string, error) {
	v, ok := claims[name]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("claim %s is %T, want a string", name, v)
	}
	return s, nil
}

// stringClaim reads a single string. A one-element array is accepted too, as
// identity providers map single-valued attributes to arrays (Keycloak); more
// elements would leave the organisation ambiguous.
func stringClaim(claims map[string]any, name string) (string, error) {
	v, ok := lookup(claims, name)
	if !ok || v == nil {
		return "", nil
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case []any:
		if len(v) == 1 {
			if s, ok := v[0].(string); ok {
				return s, nil
			}
		}
	}
	return "", fmt.Errorf("claim %s is %T, want a string", name, v)
}

// listClaim reads an array of strings, or a string of values separated by
// spaces or commas (as the OAuth2 scope claim is).
func listClaim(claims map[string]any, name string) ([]string, error) {
	v, ok := lookup(claims, name)
	if !ok || v == nil {
		return nil, nil
	}
	switch v := v.(type) {
	case string:
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("claim %s holds %T, want strings", name, e)
			}
			if s != "" {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	return nil, fmt.Errorf("claim %s is %T, want an array of strings", name, v)
}

type principalKey struct{}

// Context returns a copy of ctx that carries p.
func Context(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal stored by Context, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
