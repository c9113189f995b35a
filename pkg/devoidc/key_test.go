package devoidc_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/devoidc"
)

// restartable serves one provider after another at the same issuer URL, as a hub restarted on
// the same address does.
type restartable struct {
	srv     *httptest.Server
	handler atomic.Pointer[http.Handler]
}

func newRestartable(t *testing.T) *restartable {
	r := &restartable{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { (*r.handler.Load()).ServeHTTP(w, req) }))
	t.Cleanup(r.srv.Close)
	return r
}

// start builds a provider on the key file and serves it from now on.
func (r *restartable) start(t *testing.T, keyFile string) {
	t.Helper()
	p, err := devoidc.New(devoidc.Config{Issuer: r.srv.URL, Audience: audience, Clients: devoidc.DemoClients(), KeyFile: keyFile})
	if err != nil {
		t.Fatalf("devoidc.New: %v", err)
	}
	h := p.Handler()
	r.handler.Store(&h)
}

func (r *restartable) token(t *testing.T) string {
	t.Helper()
	cc := clientcredentials.Config{ClientID: "demo-council", ClientSecret: "demo-secret", TokenURL: r.srv.URL + "/token", AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// verify checks a token as the hub's API does, with a verifier made after the restart.
func (r *restartable) verify(t *testing.T, token string) error {
	t.Helper()
	v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: r.srv.URL, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), token)
	return err
}

// A token issued before a restart still verifies after it when the provider keeps its key in a
// key file (the demo's data directory); without one, it does not.
func TestKeyFileKeepsTokensValidAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	keyFile := filepath.Join(dir, "dev-oidc-key.pem")
	r := newRestartable(t)

	r.start(t, keyFile)
	old := r.token(t)
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key file after the first start: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %04o, want 0600", perm)
	}
	if d, err := os.Stat(dir); err != nil || d.Mode().Perm() != 0o700 {
		t.Errorf("key directory: %v, mode %04o; want 0700", err, d.Mode().Perm())
	}

	r.start(t, keyFile) // restarted on the same directory
	if err := r.verify(t, old); err != nil {
		t.Fatalf("a token issued before the restart does not verify after it: %v", err)
	}
	if err := r.verify(t, r.token(t)); err != nil {
		t.Fatalf("a new token does not verify: %v", err)
	}

	r.start(t, "") // a key in memory only, as before: the old token is refused
	if err := r.verify(t, old); err == nil {
		t.Fatal("a token verified against a provider with another key")
	}
}

func TestKeyFileRefused(t *testing.T) {
	dir := t.TempDir()
	for name, prepare := range map[string]func(path string){
		"readable by others": func(path string) {
			r := newRestartable(t)
			r.start(t, path)
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"not a key": func(path string) {
			if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".pem")
			prepare(path)
			before, _ := os.ReadFile(path)
			_, err := devoidc.New(devoidc.Config{Issuer: "http://127.0.0.1:5556", Audience: audience, Clients: devoidc.DemoClients(), KeyFile: path})
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("New with a key file %s: %v, want a refusal naming the file", name, err)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("the key file was changed")
			}
		})
	}
}
