package hub_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/services/hub"
)

// The development OpenID provider, whose demo secrets are published, is off unless asked for.
func TestDevOIDCIsOffUnlessAskedFor(t *testing.T) {
	t.Setenv("HUB_DEV_OIDC", "")
	os.Unsetenv("HUB_DEV_OIDC")
	var cfg hub.Config
	if _, err := config.Parse(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.DevOIDC {
		t.Fatal("the development OpenID provider is on with no HUB_DEV_OIDC")
	}
	t.Setenv("HUB_DEV_OIDC", "true")
	if _, err := config.Parse(&cfg); err != nil || !cfg.DevOIDC {
		t.Fatalf("HUB_DEV_OIDC=true: on %v, %v", cfg.DevOIDC, err)
	}
}

// Asked for, it is refused when the API or the provider would listen beyond loopback, before
// anything starts.
func TestDevOIDCRefusedBeyondLoopback(t *testing.T) {
	tests := []struct {
		api, provider string
		refused       string // the setting named in the refusal
	}{
		{"127.0.0.1:8080", "127.0.0.1:5556", ""},
		{"localhost:8080", "[::1]:5556", ""},
		{"127.0.0.2:8080", "127.0.0.1:0", ""},
		{"0.0.0.0:8080", "127.0.0.1:5556", "HUB_HTTP_ADDR"},
		{":8080", "127.0.0.1:5556", "HUB_HTTP_ADDR"},
		{"[::]:8080", "127.0.0.1:5556", "HUB_HTTP_ADDR"},
		{"192.168.1.10:8080", "127.0.0.1:5556", "HUB_HTTP_ADDR"},
		{"127.0.0.1:8080", "0.0.0.0:5556", "HUB_DEV_OIDC_ADDR"},
		{"127.0.0.1:8080", "hub.example.org:5556", "HUB_DEV_OIDC_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.api+" "+tt.provider, func(t *testing.T) {
			var cfg hub.Config
			if _, err := config.Parse(&cfg); err != nil {
				t.Fatal(err)
			}
			cfg.DevOIDC, cfg.API.HTTPAddr, cfg.DevOIDCAddr = true, tt.api, tt.provider
			cfg.API.ClickHouseAddr = "127.0.0.1:1" // nothing there: a run that gets past the check stops at once
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := hub.Run(ctx, cfg, slog.New(slog.DiscardHandler), nil)
			if tt.refused == "" {
				if errors.Is(err, hub.ErrDevOIDCExposed) {
					t.Fatalf("refused on loopback: %v", err)
				}
				return
			}
			if !errors.Is(err, hub.ErrDevOIDCExposed) || !strings.Contains(err.Error(), tt.refused) {
				t.Fatalf("Run = %v; want ErrDevOIDCExposed naming %s", err, tt.refused)
			}
		})
	}
}

// A restarted hub keeps the development provider's signing key in its key file: a client's token
// from before the restart is still taken by the API after it, and the log says loudly that the
// provider is for development only.
func TestDevOIDCTokensSurviveARestart(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "demo", "dev-oidc-key.pem")
	issuerAddr := freeAddr(t) // the same issuer before and after
	noDemo := func(cfg *hub.Config, _ chstore.Config) {
		cfg.Demo, cfg.DevOIDCKeyFile, cfg.DevOIDCAddr = false, keyFile, issuerAddr
	}
	var token string
	t.Run("before", func(t *testing.T) {
		r := startHubWith(t, noDemo)
		cc := clientcredentials.Config{ClientID: "demo-council", ClientSecret: hub.DemoSecret, TokenURL: r.s.Issuer + "/token"}
		tok, err := cc.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		token = tok.AccessToken
		if code := getWith(t, r.s.APIURL+"/v1/workforce-returns?period=2025", token); code != http.StatusOK {
			t.Fatalf("before the restart: %d", code)
		}
		if log := r.log.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, "DEVELOPMENT OpenID provider") || !strings.Contains(log, "never be reachable beyond this machine") {
			t.Errorf("the log does not warn of the development provider:\n%.2000s", log)
		}
	})
	t.Run("after", func(t *testing.T) {
		r := startHubWith(t, noDemo)
		if code := getWith(t, r.s.APIURL+"/v1/workforce-returns?period=2025", token); code != http.StatusOK {
			t.Fatalf("a token from before the restart: %d, want 200", code)
		}
	})
}

func getWith(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Logf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return resp.StatusCode
}
