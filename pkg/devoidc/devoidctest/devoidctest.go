// Package devoidctest runs the development OpenID provider on a local port
// for tests, and fetches access tokens from it the way a real client does.
package devoidctest

import (
	"net/http/httptest"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/devoidc"
)

// Server is a development provider serving on a local port.
type Server struct {
	// Issuer is the provider's base URL, "http://127.0.0.1:<port>".
	Issuer   string
	Provider *devoidc.Provider
}

// Start serves a provider configured by cfg until the test ends. The issuer
// must equal the server's URL, so Start sets cfg.Issuer itself.
func Start(tb testing.TB, cfg devoidc.Config) *Server {
	tb.Helper()
	// The unstarted server already holds its listener, so the address is
	// known before the provider, and so the handler, is built.
	srv := httptest.NewUnstartedServer(nil)
	cfg.Issuer = "http://" + srv.Listener.Addr().String()
	p, err := devoidc.New(cfg)
	if err != nil {
		srv.Listener.Close()
		tb.Fatalf("devoidc.New: %v", err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	tb.Cleanup(srv.Close)
	return &Server{Issuer: cfg.Issuer, Provider: p}
}

// TokenURL is the provider's token endpoint.
func (s *Server) TokenURL() string {
	return s.Issuer + "/token"
}

// Token fetches an access token for a client with the client credentials
// grant and returns the raw JWT.
func (s *Server) Token(tb testing.TB, clientID, secret string) string {
	tb.Helper()
	tok, err := s.Credentials(clientID, secret, oauth2.AuthStyleInHeader).Token(tb.Context())
	if err != nil {
		tb.Fatalf("token for %s: %v", clientID, err)
	}
	return tok.AccessToken
}

// Credentials returns a client credentials configuration for the provider's
// token endpoint.
func (s *Server) Credentials(clientID, secret string, style oauth2.AuthStyle) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		TokenURL:     s.TokenURL(),
		AuthStyle:    style,
	}
}
