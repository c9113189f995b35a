// Package api is the hub's only HTTP edge: it verifies bearer tokens, authorises the caller,
// checks the shape of what is sent, publishes submissions to JetStream and answers at once with
// a submission id. It serves submission status and stored rows; it never writes fact tables.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/services/api/docsui"
)

// Version of the API document.
const Version = "1.1.0"

// Limits bound what one request may carry.
type Limits struct {
	MaxUploadBytes int64 `env:"MAX_UPLOAD_BYTES" envDefault:"67108864"` // a CSV upload (64 MiB)
	MaxJSONBytes   int64 `env:"MAX_JSON_BYTES" envDefault:"8388608"`    // a JSON submission (8 MiB)
	MaxRows        int   `env:"MAX_ROWS" envDefault:"500000"`           // rows in one submission
	ChunkRows      int   `env:"CHUNK_ROWS" envDefault:"1000"`           // rows per JetStream message
}

// Verifier turns a bearer token into a principal; *auth.Verifier is the real one.
type Verifier interface {
	Verify(ctx context.Context, bearer string) (auth.Principal, error)
}

// Deps are what the handlers use.
type Deps struct {
	Log      *slog.Logger
	JS       jetstream.JetStream
	Status   *submission.Store
	Audits   *audit.Store
	Surveys  *survey.Store
	Verifier Verifier
	Limits   Limits
	Rate     RateLimit
	// CH reads every kind's stored rows and the access trail.
	CH driver.Conn
	// Alliances holds the alliances, read through a short-lived cache.
	Alliances *alliance.Cache
	// Benchmarks reads the benchmark tables, with a cache; nil reads them uncached.
	Benchmarks *benchmark.Cache
	// Projections reads the projection inputs, with a cache; nil reads them uncached.
	Projections *projection.Cache
	// Contract says where the hub is reached and where tokens come from, for the OpenAPI
	// document; the docs page may call the OpenID provider for the OAuth2 flows.
	Contract Contract
	// Directory holds the organisations and regions in memory; nil reads them through a new one.
	Directory *reference.Directory
	// Ready reports whether NATS and ClickHouse can be reached.
	Ready func(ctx context.Context) error
	Now   func() time.Time
	// Telemetry (metrics.go): counters, the registry /metrics serves, spans; all optional.
	Metrics  *metrics.API
	Gatherer prometheus.Gatherer
	Tracing  trace.TracerProvider
}

// Config is the OpenAPI description of the hub's API, with the servers and security schemes of
// c.
func Config(c Contract) huma.Config {
	cfg := huma.DefaultConfig("Partnership Hub API", Version)
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	cfg.Info.Description = apiDescription
	cfg.Info.Contact = &huma.Contact{Name: "Partnership Hub stewards", URL: "https://github.com/partnership-hub/hub"}
	cfg.Info.License = &huma.License{Name: "Open Government Licence v3.0", URL: "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
	cfg.Servers = []*huma.Server{{URL: c.PublicURL, Description: "This hub"}}
	cfg.Tags = tags
	cfg.Components.SecuritySchemes = securitySchemes(c)
	cfg.Formats = maps.Clone(cfg.Formats) // huma's defaults are shared
	cfg.Formats[mediaJSON], cfg.Formats["json"] = jsonFormat, jsonFormat
	cfg.Transformers = []huma.Transformer{typeProblems, emptyArrays, describeBodies(cfg.Components.Schemas)}
	cfg.CreateHooks = nil // no $schema links in responses
	cfg.DocsPath = ""     // served by package docsui from the binary, not from a CDN
	return cfg
}

// Handler serves the API, the OpenAPI document (/openapi.json), its docs (/docs) and the
// health endpoints.
func Handler(d *Deps) http.Handler {
	mux := http.NewServeMux()
	lifecycle.HandleHealth(mux, d.Ready, d.Log)
	api := humago.New(mux, Config(d.Contract))
	Register(api, d)
	docsui.Register(mux, origin(d.Contract.Issuer), origin(d.Contract.TokenURL))
	serveProblems(mux)
	return readUnread(observe(d, mux), d.Limits.MaxUploadBytes)
}

// Register adds every operation to api: the submit and list operations of every registered data
// kind (kinds.All), then the reads of regional figures, the access trail, alliances and
// benchmarks. Handler serves it, and OpenAPIDocument and SchemaDocuments write the contract from
// it; tests call it through Handler on a real HTTP server (httptest), not through humatest.
func Register(api huma.API, d *Deps) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Directory == nil {
		d.Directory = reference.NewDirectory(d.CH, time.Minute)
	}
	api.UseMiddleware(recordAccess(d), authenticate(api, d, newLimiter(d.Rate)), queryNumbers(api), bodyTypes(api))
	registerSubmissions(api, d)
	registerKinds(api, d)
	registerAudits(api, d)
	registerSurveys(api, d)
	registerTrail(api, d)
	registerAlliances(api, d)
	registerProjections(api, d)
	registerBenchmarks(api, d)
	registerOpenData(api, d)
	describe(api)
}

// authenticate verifies the bearer token of every operation that declares security, puts the
// principal in the request context and applies the caller's rate limit (by address until the
// token is verified, so that nobody can make the hub verify tokens without limit). Nothing about
// the caller is ever taken from the body.
func authenticate(api huma.API, d *Deps, lim *limiter) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if len(ctx.Operation().Security) == 0 {
			next(ctx)
			return
		}
		h := ctx.Header("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			token, ok = strings.CutPrefix(h, "bearer ")
		}
		if !ok || token == "" {
			trail.Explain(ctx.Context(), "no bearer token")
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="partnership-hub"`)
			_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		p, err := d.Verifier.Verify(ctx.Context(), token)
		if err != nil {
			if wait := lim.wait("addr:" + host(ctx.RemoteAddr())); wait > 0 {
				refuseTooMany(api, ctx, d.Rate.Burst, wait)
				return
			}
			d.Log.Info("token refused", "err", err, "path", ctx.URL().Path)
			trail.Explain(ctx.Context(), err.Error())
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="partnership-hub", error="invalid_token"`)
			_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "the bearer token is not valid")
			return
		}
		rememberPrincipal(ctx.Context(), p)
		if wait := lim.wait("client:" + p.Subject); wait > 0 {
			trail.Explain(ctx.Context(), "rate limit")
			refuseTooMany(api, ctx, d.Rate.Burst, wait)
			return
		}
		next(huma.WithContext(ctx, auth.Context(ctx.Context(), p)))
	}
}

// origin is the scheme and host of a URL, as a Content-Security-Policy source; "" when it has none.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// principal returns the verified caller; the authenticate middleware guarantees one on every
// secured operation.
func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return p, huma.Error401Unauthorized("a bearer token is required")
	}
	return p, nil
}

// errInternal hides an internal failure from the caller and logs it.
func errInternal(log *slog.Logger, msg string, err error) error {
	if errors.Is(err, context.Canceled) {
		return huma.Error503ServiceUnavailable("request cancelled")
	}
	if errors.Is(err, benchmark.ErrBeingWritten) {
		// A recomputation under way for longer than a read waits: the figures are not in one
		// state yet, and a moment later they are.
		return huma.Error503ServiceUnavailable(msg + ": " + benchmark.ErrBeingWritten.Error() + ", try again in a moment")
	}
	log.Error(msg, "err", err)
	return huma.Error500InternalServerError(msg)
}

// OpenAPIDocument renders the API's OpenAPI document as indented JSON.
func OpenAPIDocument() ([]byte, error) {
	a := humago.New(http.NewServeMux(), Config(DocumentContract))
	d := &Deps{}
	// The document states the limits a hub has by default (HUB_MAX_UPLOAD_BYTES …); a hub's own
	// /openapi.json states its own.
	if err := config.Defaults(&d.Limits); err != nil {
		return nil, err
	}
	Register(a, d)
	b, err := json.MarshalIndent(a.OpenAPI(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var refPattern = regexp.MustCompile(`"#/components/schemas/([^"]+)"`)

// SchemaDocuments renders a versioned JSON Schema (2020-12) for each registered data kind's
// request body, from the same types the API documents, keyed by file name.
func SchemaDocuments() (map[string][]byte, error) {
	a := humago.New(http.NewServeMux(), Config(DocumentContract))
	Register(a, &Deps{})
	all := a.OpenAPI().Components.Schemas.Map()
	out := map[string][]byte{}
	for _, k := range kinds.All {
		docs := k.About().Docs
		// Only the definitions the root reaches, found by following its references.
		defs := map[string]any{}
		for todo := []string{docs.Root}; len(todo) > 0; todo = todo[1:] {
			name := todo[0]
			if _, done := defs[name]; done || all[name] == nil {
				continue
			}
			defs[name] = all[name]
			b, err := json.Marshal(all[name])
			if err != nil {
				return nil, err
			}
			for _, m := range refPattern.FindAllSubmatch(b, -1) {
				todo = append(todo, string(m[1]))
			}
		}
		doc := map[string]any{
			"$schema": "https://json-schema.org/draft/2020-12/schema",
			"$id":     "https://partnership-hub.example/schemas/" + docs.Schema,
			"title":   docs.Title,
			"$ref":    "#/$defs/" + docs.Root,
			"$defs":   defs,
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return nil, err
		}
		out[docs.Schema] = append(bytes.ReplaceAll(b, []byte("#/components/schemas/"), []byte("#/$defs/")), '\n')
	}
	return out, nil
}
