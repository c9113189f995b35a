package dashboard

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
)

//go:embed web/static
var static embed.FS

// assetsBuilt tells whether `npm run build` has put the front-end assets in place.
func assetsBuilt() bool {
	_, err := fs.Stat(static, "web/static/dist/app.css")
	return err == nil
}

type app struct {
	cfg      Config
	log      *slog.Logger
	public   *url.URL
	signIn   *signIn
	sessions *scs.SessionManager
	api      *http.Client
	pages    *templates
	metrics  *metrics.API
	registry *prometheus.Registry
	periods  periodCache
	catalog  catalogCache
	refresh  refresher
}

func newApp(cfg Config, public *url.URL, s *signIn, log *slog.Logger) (*app, error) {
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	if !assetsBuilt() {
		log.Warn("dashboard assets are not built (npm run build in services/dashboard): pages have no styles")
	}
	reg := metrics.NewRegistry()
	m, err := metrics.NewAPI(reg)
	if err != nil {
		return nil, err
	}
	return &app{
		cfg: cfg, log: log, public: public, signIn: s,
		sessions: newSessions(cfg, public.Scheme == "https"),
		api:      &http.Client{Timeout: cfg.APITimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}},
		pages:    pages, metrics: m, registry: reg,
	}, nil
}

// handler is every route, behind the security headers, cross-origin protection for every
// form, compression and the session.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	dist, _ := fs.Sub(static, "web/static/dist")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheable(http.FileServerFS(dist))))
	lifecycle.HandleHealth(mux, a.ready, a.log)
	mux.Handle("GET /metrics", metrics.Handler(a.registry))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	mux.HandleFunc("GET /sign-in", a.start)
	mux.HandleFunc("GET "+callbackPath, a.callback)
	mux.HandleFunc("POST /sign-out", a.signOut)
	mux.HandleFunc("GET /signed-out", a.signedOut)
	a.routes(mux)

	protect := http.NewCrossOriginProtection()
	var h http.Handler = a.sessions.LoadAndSave(protect.Handler(mux))
	h = gzhttp.GzipHandler(h)
	return a.observe(secureHeaders(h), mux)
}

// contentSecurityPolicy allows nothing but the dashboard's own scripts, styles and images: no
// inline script, no other origin, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// cacheable lets browsers keep the assets for a day: their names do not change between builds,
// so not for longer.
func cacheable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// observe counts every request by the route it matched.
func (a *app) observe(next http.Handler, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		_, route := mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		a.metrics.Request(route, sw.code, time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ready says whether the API answers.
func (a *app) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.APIURL+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := a.api.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("api: %s", resp.Status)
	}
	return nil
}

// fail answers an unexpected failure without its details, which go to the log.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("dashboard request failed", "path", r.URL.Path, "err", err)
	a.render(w, r, http.StatusInternalServerError, "problem", page{Title: "Sorry, there is a problem with the service",
		Problem: &problem{Heading: "Sorry, there is a problem with the service", Detail: "Try again later."}})
}

func (a *app) signedOut(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "signed-out", page{Title: "You have signed out"})
}
