package docsui_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/services/api/docsui"
)

// TestServedFromTheBinary checks that the page and every file it loads come from the hub, under a
// policy that lets the page load nothing from another origin. The Swagger UI files are built by
// scripts/docs-ui.sh; make test sets HUB_REQUIRE_DOCS_UI so that a binary without them fails here.
func TestServedFromTheBinary(t *testing.T) {
	if !docsui.Built() {
		if os.Getenv("HUB_REQUIRE_DOCS_UI") != "" {
			t.Fatal("the docs UI is not built: run scripts/docs-ui.sh")
		}
		t.Skip("the docs UI is not built (scripts/docs-ui.sh)")
	}
	mux := http.NewServeMux()
	docsui.Register(mux, "http://127.0.0.1:5556")
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, tc := range []struct{ path, contentType, has string }{
		{"/docs", "text/html", `src="/docs/swagger-ui-bundle.js"`},
		{"/docs/init.js", "text/javascript", `url: "/openapi.json"`},
		{"/docs/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"},
		{"/docs/swagger-ui.css", "text/css", ".swagger-ui"},
		{"/docs/oauth2-redirect.html", "text/html", "oauth2-redirect.js"},
		{"/docs/oauth2-redirect.js", "text/javascript", "swaggerUIRedirectOauth2"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			if _, err := b.ReadFrom(resp.Body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !strings.Contains(b.String(), tc.has) {
				t.Errorf("the answer lacks %q", tc.has)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self' http://127.0.0.1:5556"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
		})
	}
}
