// Package docsui serves the API reference at /docs from files built into the binary: Swagger UI
// from npm (package.json and its lockfile here, copied into dist/ by scripts/docs-ui.sh) and the
// page that starts it on the hub's own OpenAPI document. Nothing is loaded from another origin,
// so the reference works on a closed network; "Try it out" calls the hub that serves the page.
package docsui

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed all:dist
var dist embed.FS

//go:embed page
var page embed.FS

// Path is where the reference is served.
const Path = "/docs"

// files are the Swagger UI files the page loads, as scripts/docs-ui.sh copies them.
var files = []string{"swagger-ui-bundle.js", "swagger-ui.css", "oauth2-redirect.html", "oauth2-redirect.js"}

// Built tells whether the Swagger UI files were built into this binary.
func Built() bool {
	for _, f := range files {
		if _, err := fs.Stat(dist, "dist/"+f); err != nil {
			return false
		}
	}
	return true
}

// Register adds the reference to mux: GET /docs and the files it loads. connect names the
// origins, besides the hub's own, that the page may call: the OpenID provider's, for the OAuth2
// flows of "Authorize".
func Register(mux *http.ServeMux, connect ...string) {
	sources := []string{"'self'"}
	for _, c := range connect {
		if c != "" {
			sources = append(sources, c)
		}
	}
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		// Swagger UI sets style attributes from React.
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + strings.Join(sources, " "),
		"form-action 'self'",
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
	serve := func(fsys fs.FS, name, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				http.Error(w, "The API reference was not built into this hub: build it with make build (scripts/docs-ui.sh). "+
					"The OpenAPI document is at /openapi.json.", http.StatusServiceUnavailable)
				return
			}
			h := w.Header()
			h.Set("Content-Type", contentType)
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cache-Control", "no-cache")
			_, _ = w.Write(b)
		}
	}
	mux.HandleFunc("GET "+Path, serve(page, "page/index.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET "+Path+"/page.css", serve(page, "page/page.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET "+Path+"/init.js", serve(page, "page/init.js", "text/javascript; charset=utf-8"))
	for _, f := range files {
		ct := "text/javascript; charset=utf-8"
		switch {
		case strings.HasSuffix(f, ".css"):
			ct = "text/css; charset=utf-8"
		case strings.HasSuffix(f, ".html"):
			ct = "text/html; charset=utf-8"
		}
		mux.HandleFunc("GET "+Path+"/"+f, serve(dist, "dist/"+f, ct))
	}
}
