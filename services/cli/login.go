package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Login is what `hub-cli login` stores: where the hub is and the client credentials to get its
// tokens with. The file holds a secret, so it is written for its owner only (0600, in a 0700
// directory), and refused when anyone else may read it.
type Login struct {
	API          string `json:"api"`
	TokenURL     string `json:"token_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Scopes       string `json:"scopes,omitempty"`
}

const loginFile = "login.json"

func (e Env) configDir() (string, error) {
	if e.ConfigDir != "" {
		return e.ConfigDir, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory: %w (give --config)", err)
	}
	return filepath.Join(dir, "partnership-hub"), nil
}

// save writes the login for its owner only.
func (e Env) save(l Login) (string, error) {
	dir, err := e.configDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, loginFile)
	tmp, err := os.CreateTemp(dir, ".login-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// load reads the stored login.
func (e Env) load() (Login, error) {
	var l Login
	dir, err := e.configDir()
	if err != nil {
		return l, err
	}
	path := filepath.Join(dir, loginFile)
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return l, exitWith(ExitUsage, "not logged in: run hub-cli login first")
	}
	if err != nil {
		return l, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return l, exitWith(ExitUsage, "%s may be read by others (mode %v): it holds a client secret; chmod 600 it or log in again", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return l, err
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

type loginCmd struct {
	API          string `help:"The hub's API, e.g. https://hub.example.org" required:"" env:"HUB_API_URL"`
	ClientID     string `help:"Your system's client id" required:"" env:"HUB_CLIENT_ID"`
	ClientSecret string `help:"Its secret (else read from standard input, one line)" env:"HUB_CLIENT_SECRET"`
	TokenURL     string `help:"The OpenID provider's token endpoint (default: the one the hub's OpenAPI document names, or --issuer's)"`
	Issuer       string `help:"The OpenID provider, to find its token endpoint by OpenID Connect discovery"`
	Scopes       string `help:"Scopes to ask for, space-separated"`
}

func (c *loginCmd) Run(r *run) error {
	l := Login{API: strings.TrimRight(c.API, "/"), ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL, Scopes: c.Scopes}
	if l.ClientSecret == "" {
		line, err := bufio.NewReader(r.env.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		l.ClientSecret = strings.TrimSpace(line)
		if l.ClientSecret == "" {
			return exitWith(ExitUsage, "no client secret: give --client-secret, HUB_CLIENT_SECRET or one line on standard input")
		}
	}
	if l.TokenURL == "" {
		var err error
		if l.TokenURL, err = findTokenURL(r.ctx, l.API, c.Issuer); err != nil {
			return err
		}
	}
	hc := l.client(r.ctx)
	if _, err := hc.get(r.ctx, "/v1/metrics", "application/json"); err != nil {
		return err
	}
	path, err := r.env.save(l)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Logged in to %s as %s (stored in %s).\n", l.API, l.ClientID, path)
	return nil
}

// findTokenURL asks OpenID Connect discovery of the issuer when one is given, or else the hub's
// own OpenAPI document, whose security scheme names the token endpoint.
func findTokenURL(ctx context.Context, api, issuer string) (string, error) {
	if issuer != "" {
		var d struct {
			TokenEndpoint string `json:"token_endpoint"`
		}
		if err := getJSON(ctx, strings.TrimRight(issuer, "/")+"/.well-known/openid-configuration", &d); err != nil {
			return "", err
		}
		if d.TokenEndpoint == "" {
			return "", exitWith(ExitRefused, "%s names no token endpoint", issuer)
		}
		return d.TokenEndpoint, nil
	}
	doc, err := readContract(ctx, api)
	if err != nil {
		return "", err
	}
	for _, s := range doc.Components.SecuritySchemes {
		if f := s.Flows.ClientCredentials; f != nil && f.TokenURL != "" {
			return f.TokenURL, nil
		}
		if s.OpenIDConnectURL != "" {
			return findTokenURL(ctx, api, strings.TrimSuffix(s.OpenIDConnectURL, "/.well-known/openid-configuration"))
		}
	}
	return "", exitWith(ExitUsage, "the hub's OpenAPI document names no token endpoint: give --token-url or --issuer")
}

// getJSON reads a public JSON document.
func getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return exitWith(ExitUsage, "%v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return exitWith(ExitRefused, "%s cannot be reached: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return exitWith(ExitRefused, "%s answered %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return exitWith(ExitRefused, "%s: %v", url, err)
	}
	return nil
}

// client is an HTTP client for the hub that gets (and renews) its tokens with the login's client
// credentials.
func (l Login) client(ctx context.Context) *hubClient {
	cc := clientcredentials.Config{ClientID: l.ClientID, ClientSecret: l.ClientSecret, TokenURL: l.TokenURL}
	if l.Scopes != "" {
		cc.Scopes = strings.Fields(l.Scopes)
	}
	base := &http.Client{Timeout: 30 * time.Second}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, base)
	return &hubClient{api: l.API, http: &http.Client{Transport: &oauth2.Transport{Source: cc.TokenSource(ctx), Base: http.DefaultTransport}}}
}
