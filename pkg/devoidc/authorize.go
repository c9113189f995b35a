package devoidc

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"
)

// DashboardClient is the public client id of the web dashboard: people sign in with the
// authorization code flow and PKCE (S256), with no client secret.
const DashboardClient = "hub-dashboard"

// ScopeOfflineAccess is the scope that gets the dashboard a refresh token with its access
// token, to renew it without sending the person to sign in again.
const ScopeOfflineAccess = "offline_access"

// User is a person who may sign in to the dashboard. The development provider asks for no
// password: it offers its demo users to pick from.
type User struct {
	Username  string
	Name      string
	Org       string
	Roles     []string
	Alliances []string
}

// DemoUsers returns a demo person for each demo client: the steward, the council (Hartlepool),
// the North East analyst, the university (Newcastle), the NHS trust and the survey provider.
func DemoUsers() []User {
	return []User{
		{Username: "steward", Name: "Sam Steward", Roles: []string{"steward"}},
		{Username: "council", Name: "Chris Council (Hartlepool)", Org: "E06000001", Roles: []string{"submitter"}},
		{Username: "analyst", Name: "Alex Analyst (North East)", Roles: []string{"analyst"}, Alliances: []string{"north-east"}},
		{Username: "university", Name: "Uma University (Newcastle University)", Org: "10007799", Roles: []string{"university"}},
		{Username: "trust", Name: "Toni Trust (Cumbria, Northumberland, Tyne and Wear NHS FT)", Org: "RX4", Roles: []string{"submitter"}},
		{Username: "survey", Name: "Sasha Survey (health-check survey provider)", Roles: []string{"survey_provider"}},
	}
}

// registerDashboard adds the dashboard's public client to the store and turns PKCE on for
// every authorization code flow; it returns the users by name.
func registerDashboard(fcfg *fosite.Config, st *storage.MemoryStore, cfg Config) map[string]User {
	fcfg.EnforcePKCE = true
	fcfg.EnablePKCEPlainChallengeMethod = false
	fcfg.AuthorizeCodeLifespan = 5 * time.Minute
	fcfg.MinParameterEntropy = fosite.MinParameterEntropy
	st.Clients[DashboardClient] = &fosite.DefaultClient{
		ID:            DashboardClient,
		Public:        true,
		RedirectURIs:  slices.Clone(cfg.DashboardRedirectURIs),
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"},
		Scopes:        []string{"openid", "profile", ScopeOfflineAccess},
		Audience:      []string{cfg.Audience},
	}
	users := make(map[string]User, len(cfg.Users))
	for _, u := range cfg.Users {
		users[u.Username] = u
	}
	return users
}

var signIn = template.Must(template.New("sign-in").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partnership Hub: sign in (development)</title></head>
<body><h1>Sign in to Partnership Hub</h1>
<p>This is the development sign-in: pick a demo person.</p>
<form method="get" action="">
{{range $k, $v := .Query}}{{range $v}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
{{range .Users}}<p><button name="user" value="{{.Username}}">{{.Name}}</button></p>{{end}}
</form></body></html>
`))

// authorize is the authorization endpoint: without a chosen user it shows the sign-in page;
// with one it issues a code, bound by PKCE to the dashboard's code challenge.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := p.server.NewAuthorizeRequest(ctx, r)
	if err != nil {
		p.server.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	name := r.URL.Query().Get("user")
	if name == "" {
		q := r.URL.Query()
		users := make([]User, 0, len(p.users))
		for _, u := range p.users {
			users = append(users, u)
		}
		slices.SortFunc(users, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = signIn.Execute(w, map[string]any{"Query": q, "Users": users})
		return
	}
	u, ok := p.users[name]
	if !ok {
		p.server.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("Unknown user."))
		return
	}
	for _, scope := range ar.GetRequestedScopes() {
		ar.GrantScope(scope)
	}
	ar.GrantAudience(p.audience)
	now := time.Now().UTC()
	claims := p.claims(Client{ID: DashboardClient, Org: u.Org, Roles: u.Roles, Alliances: u.Alliances}, now)
	claims.Subject = u.Username
	claims.Extra["name"] = u.Name
	session := &oauth2.JWTSession{
		JWTHeader: &jwt.Headers{Extra: map[string]any{"kid": p.keyID}},
		JWTClaims: claims,
		Subject:   u.Username,
	}
	resp, err := p.server.NewAuthorizeResponse(ctx, ar, session)
	if err != nil {
		p.server.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	p.server.WriteAuthorizeResponse(ctx, w, ar, resp)
}
