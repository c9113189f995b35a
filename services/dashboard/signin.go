package dashboard

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/partnership-hub/hub/pkg/auth"
)

// Person is who is signed in, from their verified access token.
type Person struct {
	Subject   string   `json:"sub"`
	Name      string   `json:"name"`
	Org       string   `json:"org,omitempty"`
	Roles     []string `json:"roles"`
	Alliances []string `json:"alliances,omitempty"`
}

// Has reports whether the person holds role r.
func (p Person) Has(r string) bool { return slices.Contains(p.Roles, r) }

// Steward reports whether the person is a hub steward.
func (p Person) Steward() bool { return p.Has(auth.RoleSteward) }

// Analyst reports whether the person is an alliance analyst (and not a steward).
func (p Person) Analyst() bool { return p.Has(auth.RoleAnalyst) && !p.Steward() }

// Session keys. The token never leaves the server: the browser holds only the session cookie.
const (
	keyState    = "signin.state"
	keyVerifier = "signin.verifier"
	keyNonce    = "signin.nonce"
	keyNext     = "signin.next"
	keyToken    = "token"
	keyPerson   = "person"
)

// signIn is the authorization code flow with PKCE against the configured provider.
type signIn struct {
	oauth    *oauth2.Config
	idTokens *oidc.IDTokenVerifier // for providers that also send an ID token
	access   *auth.Verifier        // the access token, as the API verifies it
	names    *oidc.IDTokenVerifier // the access token again, for its name claim
}

// signInWhenReachable discovers the provider, waiting for it when it is not up yet.
func signInWhenReachable(ctx context.Context, cfg Config, callback string, log *slog.Logger) (*signIn, error) {
	delay := 250 * time.Millisecond
	for {
		s, err := newSignIn(ctx, cfg, callback)
		if err == nil {
			return s, nil
		}
		log.Warn("OpenID provider not reachable yet", "issuer", cfg.OIDCIssuer, "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dashboard: OpenID provider %s: %w", cfg.OIDCIssuer, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func newSignIn(ctx context.Context, cfg Config, callback string) (*signIn, error) {
	provider, err := oidc.NewProvider(ctx, cfg.OIDCIssuer)
	if err != nil {
		return nil, err
	}
	access, err := auth.NewVerifier(ctx, auth.Config{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience,
		Claims: auth.Claims{Org: cfg.ClaimOrg, Roles: cfg.ClaimRoles, Alliances: cfg.ClaimAllies}})
	if err != nil {
		return nil, err
	}
	algs := []string{oidc.RS256, oidc.ES256}
	return &signIn{
		oauth: &oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: callback, Scopes: cfg.Scopes,
		},
		idTokens: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, SupportedSigningAlgs: algs}),
		access:   access,
		names:    provider.Verifier(&oidc.Config{ClientID: cfg.OIDCAudience, SupportedSigningAlgs: algs}),
	}, nil
}

// start sends the person to the provider, with a fresh state, nonce and PKCE verifier kept in
// their session.
func (a *app) start(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := a.sessions.RenewToken(ctx); err != nil {
		a.fail(w, r, fmt.Errorf("renew session: %w", err))
		return
	}
	state, nonce, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	a.sessions.Put(ctx, keyState, state)
	a.sessions.Put(ctx, keyNonce, nonce)
	a.sessions.Put(ctx, keyVerifier, verifier)
	a.sessions.Put(ctx, keyNext, localPath(r.URL.Query().Get("next")))
	http.Redirect(w, r, a.signIn.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusFound)
}

// errSignIn is a sign-in that cannot be completed: the person is asked to start again.
var errSignIn = errors.New("sign-in could not be completed")

// callback completes the sign-in: the state must be the one this session started with, the code
// is exchanged with the session's PKCE verifier, and the access token is verified as the API
// verifies it before anything of it is believed.
func (a *app) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	state := a.sessions.PopString(ctx, keyState)
	verifier := a.sessions.PopString(ctx, keyVerifier)
	nonce := a.sessions.PopString(ctx, keyNonce)
	next := a.sessions.PopString(ctx, keyNext)
	switch {
	case q.Get("error") != "":
		a.signInFailed(w, r, "the sign-in service said: "+q.Get("error"))
		return
	case state == "" || verifier == "":
		a.signInFailed(w, r, "this browser did not start a sign-in")
		return
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
		a.signInFailed(w, r, "the sign-in does not belong to this browser")
		return
	}
	tok, err := a.signIn.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		a.log.Info("code exchange refused", "err", err)
		a.signInFailed(w, r, "the sign-in service did not accept the code")
		return
	}
	person, err := a.signIn.person(ctx, tok, nonce)
	if err != nil {
		a.log.Info("token refused", "err", err)
		a.signInFailed(w, r, "the sign-in service's token could not be verified")
		return
	}
	if err := a.sessions.RenewToken(ctx); err != nil {
		a.fail(w, r, fmt.Errorf("renew session: %w", err))
		return
	}
	if err := a.keep(ctx, tok, person); err != nil {
		a.fail(w, r, err)
		return
	}
	a.log.Info("signed in", "sub", person.Subject, "org", person.Org, "roles", person.Roles)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// person verifies the tokens of a sign-in: the ID token, when the provider sends one (with the
// nonce of this sign-in), and the access token, which says who the person is to the hub.
func (s *signIn) person(ctx context.Context, tok *oauth2.Token, nonce string) (Person, error) {
	name := ""
	if raw, ok := tok.Extra("id_token").(string); ok && raw != "" {
		id, err := s.idTokens.Verify(ctx, raw)
		if err != nil {
			return Person{}, fmt.Errorf("id token: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(nonce)) != 1 {
			return Person{}, errors.New("id token: nonce does not match")
		}
		var c struct {
			Name string `json:"name"`
		}
		_ = id.Claims(&c)
		name = c.Name
	}
	p, err := s.access.Verify(ctx, tok.AccessToken)
	if err != nil {
		return Person{}, err
	}
	if name == "" {
		if at, err := s.names.Verify(ctx, tok.AccessToken); err == nil {
			var c struct {
				Name string `json:"name"`
			}
			_ = at.Claims(&c)
			name = c.Name
		}
	}
	if name == "" {
		name = p.Subject
	}
	return Person{Subject: p.Subject, Name: name, Org: p.Org, Roles: p.Roles, Alliances: p.Alliances}, nil
}

// keep stores the person's tokens and who they are in the session.
func (a *app) keep(ctx context.Context, tok *oauth2.Token, p Person) error {
	tb, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	pb, err := json.Marshal(p)
	if err != nil {
		return err
	}
	a.sessions.Put(ctx, keyToken, string(tb))
	a.sessions.Put(ctx, keyPerson, string(pb))
	return nil
}

// signedIn returns the session's person and a token that is valid now: refreshed when it has
// expired and the provider gave a refresh token. ok is false when the person must sign in
// (again).
func (a *app) signedIn(ctx context.Context) (Person, *oauth2.Token, bool) {
	var (
		p   Person
		tok oauth2.Token
	)
	pb, tb := a.sessions.GetString(ctx, keyPerson), a.sessions.GetString(ctx, keyToken)
	if pb == "" || tb == "" || json.Unmarshal([]byte(pb), &p) != nil || json.Unmarshal([]byte(tb), &tok) != nil {
		return p, nil, false
	}
	// Treat a token as expired a little early, so that it does not expire on its way to the API.
	tok.ExpiresIn = 0
	if tok.Valid() && time.Until(tok.Expiry) > 10*time.Second {
		return p, &tok, true
	}
	if tok.RefreshToken == "" {
		return p, nil, false
	}
	fresh, err := a.refresh.renew(ctx, a.signIn.oauth, tok.RefreshToken)
	if err != nil {
		a.log.Info("token refresh refused", "sub", p.Subject, "err", err)
		return p, nil, false
	}
	if err := a.keep(ctx, fresh, p); err != nil {
		return p, nil, false
	}
	return p, fresh, true
}

// signOut ends the session: the tokens are forgotten on the server and the cookie cleared.
func (a *app) signOut(w http.ResponseWriter, r *http.Request) {
	if err := a.sessions.Destroy(r.Context()); err != nil {
		a.fail(w, r, fmt.Errorf("end session: %w", err))
		return
	}
	http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
}

func (a *app) signInFailed(w http.ResponseWriter, r *http.Request, why string) {
	a.log.Info("sign-in failed", "why", why)
	a.render(w, r, http.StatusBadRequest, "problem", page{Title: "Sign-in could not be completed",
		Problem: &problem{Heading: "Sign-in could not be completed", Detail: "The sign-in could not be completed: " + why + ".", SignIn: true}})
}

// localPath keeps a return address on the dashboard: anything else goes to the overview.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		return "/"
	}
	return u.RequestURI()
}

// requireSignIn sends a person who is not signed in (or whose session has run out) to sign in,
// and back to where they were going afterwards.
func (a *app) requireSignIn(next func(w http.ResponseWriter, r *http.Request, v *visit)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, tok, ok := a.signedIn(r.Context())
		if !ok {
			if r.Method != http.MethodGet {
				// A form sent once the session has ended is not passed on: say so, and sign in
				// again back to the page the form was on.
				discardBody(r)
				a.render(w, r, http.StatusUnauthorized, "problem", page{Title: "Your session has ended",
					Problem: &problem{Heading: "Your session has ended", SignIn: true, Next: formPage(r),
						Detail: "You have been signed out, so what you sent was not sent on to the hub and nothing of it was stored. Sign in again, then send it again."}})
				return
			}
			http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r, &visit{app: a, person: p, token: tok, r: r})
	}
}

// formPage is the dashboard page a form was sent from (its Referer, when it is the
// dashboard's own), or the overview.
func formPage(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return "/"
	}
	return localPath(ref.RequestURI())
}

// maxDiscard is the most of a refused request's body the dashboard reads (and drops) before it
// answers: twice the API's default upload limit. Go's server would otherwise read 256 KiB of it
// and close the connection; Chromium reads an answer given early, but a client that sends the
// whole body before it reads anything meets a broken connection instead of why the form was
// refused. A larger body's connection is closed as before.
const maxDiscard = 128 << 20

// discardBody reads what is left of a request's body, up to maxDiscard, so that the answer
// given before it was read reaches the browser.
func discardBody(r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxDiscard))
	}
}

// newSessions keeps sessions in memory: a restart signs everyone out, which for a dashboard
// whose provider remembers who is signed in costs one click.
func newSessions(cfg Config, secure bool) *scs.SessionManager {
	s := scs.New()
	s.Lifetime = cfg.SessionLifetime
	s.IdleTimeout = cfg.IdleTimeout
	s.Cookie.Name = "hub_session"
	s.Cookie.HttpOnly = true
	s.Cookie.Secure = secure
	s.Cookie.SameSite = http.SameSiteLaxMode
	s.Cookie.Path = "/"
	s.Cookie.Persist = false
	if secure {
		s.Cookie.Name = "__Host-hub_session" // bound to this origin: no Domain, Path=/, Secure
	}
	return s
}
