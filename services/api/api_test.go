package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/services/api"
)

const audience = "partnership-hub"

type env struct {
	t      *testing.T
	url    string
	nats   *bustest.Server
	oidc   *devoidctest.Server
	tokens map[string]string
	ch     driver.Conn // the database, when HUB_TEST_CLICKHOUSE_ADDR is set
}

// clients are the demo clients plus a second council and a survey provider, to try the
// refusals between organisations and roles.
func clients() []devoidc.Client {
	return append(devoidc.DemoClients(),
		devoidc.Client{ID: "other-council", Secret: "s", Org: "E06000002", Roles: []string{auth.RoleSubmitter}},
		devoidc.Client{ID: "survey", Secret: "s", Roles: []string{auth.RoleSurveyProvider}},
		devoidc.Client{ID: "durham", Secret: "s", Org: "E06000047", Roles: []string{auth.RoleSubmitter}},
		devoidc.Client{ID: "westminster", Secret: "s", Org: "E09000033", Roles: []string{auth.RoleSubmitter}},
	)
}

type envOptions struct {
	limits api.Limits
	rate   api.RateLimit
	issuer string // trust this issuer instead of a development provider
}

func newEnv(t *testing.T, limits api.Limits) *env {
	return newEnvWith(t, envOptions{limits: limits})
}

func newEnvWith(t *testing.T, o envOptions) *env {
	t.Helper()
	ns := bustest.New(t)
	e := &env{t: t, nats: ns, tokens: map[string]string{}}
	issuer := o.issuer
	if issuer == "" {
		e.oidc = devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: clients()})
		issuer = e.oidc.Issuer
	}
	ctx := context.Background()
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: issuer, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	status, err := submission.NewStore(ctx, ns.JS)
	if err != nil {
		t.Fatal(err)
	}
	deps := &api.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), JS: ns.JS, Status: status, Verifier: verifier, Limits: o.limits, Rate: o.rate,
		Ready: func(context.Context) error { return nil },
	}
	if os.Getenv(chtest.AddrEnv) != "" {
		conn, _ := chtest.New(t)
		deps.Audits, deps.Surveys = audit.NewStore(conn), survey.NewStore(conn)
		deps.CH = conn
		e.ch = conn
		deps.Alliances = alliance.NewCache(alliance.NewStore(conn), time.Hour)
		if err := deps.Alliances.Follow(t.Context(), ns.NC); err != nil {
			t.Fatal(err)
		}
		// Benchmarks are read through the cache the API runs with, so that every benchmark test
		// also checks that one reader's cached answer never reaches another.
		store, err := benchmark.NewStore(conn)
		if err != nil {
			t.Fatal(err)
		}
		deps.Benchmarks = benchmark.NewCache(store, time.Hour)
		if err := deps.Benchmarks.Follow(t.Context(), ns.NC); err != nil {
			t.Fatal(err)
		}
		if err := reference.Seed(ctx, conn); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.Handler(deps))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	if e.oidc != nil {
		for _, c := range clients() {
			e.tokens[c.ID] = e.oidc.Token(t, c.ID, c.Secret)
		}
	}
	return e
}

var defaultLimits = api.Limits{MaxUploadBytes: 64 << 20, MaxJSONBytes: 1 << 20, MaxRows: 500000, ChunkRows: 1000}

func (e *env) do(method, path, client, contentType, body string, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if client != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[client])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// queued counts the chunks waiting in the submissions stream.
func (e *env) queued() uint64 { return e.stream(bus.StreamSubmissions).Msgs }

// stream reads the state of a stream.
func (e *env) stream(name string) jetstream.StreamState {
	e.t.Helper()
	s, err := e.nats.JS.Stream(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return info.State
}

type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

func TestSubmitAndFollow(t *testing.T) {
	e := newEnv(t, defaultLimits)
	csv := "org,period,inpost_fte,vacancy_fte\nE06000001,2025,100,x\nE06000001,2024,abc,1\n"
	resp, body := e.do("POST", "/v1/workforce-returns", "demo-council", "text/csv", csv)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var ref api.SubmissionRef
	if err := json.Unmarshal(body, &ref); err != nil {
		t.Fatal(err)
	}
	if ref.ID == "" || ref.Status != "pending" || ref.Rows != 2 || resp.Header.Get("Location") != ref.StatusURL {
		t.Fatalf("ref = %+v, location %q", ref, resp.Header.Get("Location"))
	}
	if got := e.queued(); got != 1 {
		t.Errorf("queued chunks = %d, want 1", got)
	}
	// The chunk carries the organisation from the token and the row refused while reading.
	s, _ := e.nats.JS.Stream(context.Background(), bus.StreamSubmissions)
	msg, err := s.GetLastMsgForSubject(context.Background(), bus.SubmitSubject("workforce", "E06000001"))
	if err != nil {
		t.Fatal(err)
	}
	var envl submission.Envelope
	if err := json.Unmarshal(msg.Data, &envl); err != nil {
		t.Fatal(err)
	}
	if envl.Org != "E06000001" || envl.Submitter != "demo-council" || envl.Steward || len(envl.Rejected) != 1 || envl.Rejected[0].Row != 3 {
		t.Errorf("envelope = %+v", envl)
	}

	resp, body = e.do("GET", ref.StatusURL, "demo-council", "", "")
	var st submission.Status
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Status != submission.StatusPending {
		t.Errorf("status %d %s, want pending", resp.StatusCode, body)
	}
	for _, who := range []string{"other-council", "demo-analyst"} {
		if resp, body := e.do("GET", ref.StatusURL, who, "", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s reading the status: %d %s, want 403", who, resp.StatusCode, body)
		}
	}
	if resp, _ := e.do("GET", ref.StatusURL, "demo-steward", "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("steward reading the status: %d, want 200", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/v1/submissions/no-such-id", "demo-council", "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown submission: %d, want 404", resp.StatusCode)
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t, defaultLimits)
	body := `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 100}]}`
	var ids []string
	for range 3 {
		resp, b := e.do("POST", "/v1/workforce-returns", "demo-council", "application/json", body, "Idempotency-Key", "return-2025")
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		var ref api.SubmissionRef
		_ = json.Unmarshal(b, &ref)
		ids = append(ids, ref.ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("ids = %v, want one id", ids)
	}
	// Without a key, the same body is recognised by its hash.
	e.do("POST", "/v1/workforce-returns", "demo-council", "application/json", body)
	e.do("POST", "/v1/workforce-returns", "demo-council", "application/json", body)
	if got := e.queued(); got != 2 {
		t.Errorf("queued chunks = %d, want 2 (one per distinct submission)", got)
	}
	resp, b := e.do("POST", "/v1/workforce-returns", "demo-council", "application/json", strings.Replace(body, "100", "101", 1), "Idempotency-Key", "return-2025")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("reused key with another body: %d %s, want 422", resp.StatusCode, b)
	}
	// Another client's identical key is its own.
	resp, _ = e.do("POST", "/v1/workforce-returns", "demo-steward", "application/json", body, "Idempotency-Key", "return-2025")
	if resp.StatusCode != http.StatusAccepted || e.queued() != 3 {
		t.Errorf("steward with the same key: %d, queued %d; want 202 and 3", resp.StatusCode, e.queued())
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t, defaultLimits)
	good := `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 100}]}`
	tests := []struct {
		name, client, contentType, body string
		want                            int
		location                        string
	}{
		{"no token", "", "application/json", good, 401, ""},
		{"another council's row in JSON", "demo-council", "application/json", `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 1}, {"org": "E06000002", "period": "2025", "inpost_fte": 1}]}`, 403, "row 2 org"},
		{"another council's row in CSV among good and bad rows", "demo-council", "text/csv", "org,period,inpost_fte\nE06000001,2025,1\nE06000001,2024,oops\nE06000002,2023,1\n", 403, "row 4 org"},
		{"analyst", "demo-analyst", "application/json", good, 403, ""},
		{"survey provider", "survey", "application/json", good, 403, ""},
		{"organisation in the body instead of the token", "demo-analyst", "application/json", `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 1}], "org": "E06000001", "roles": ["steward"]}`, 403, ""},
		{"role injected in the body", "demo-council", "application/json", `{"returns": [{"org": "E06000002", "period": "2025", "inpost_fte": 1, "roles": ["steward"]}], "roles": ["steward"]}`, 422, ""},
		{"malformed JSON", "demo-council", "application/json", `{"returns": [`, 422, "body"},
		{"unknown CSV column", "demo-council", "text/csv", "org,period,inpost_fte,salary\nE06000001,2025,1,30000\n", 422, "row 1 salary"},
		{"empty CSV", "demo-council", "text/csv", "", 400, ""},
		{"XML", "demo-council", "application/xml", "<returns/>", 415, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", "/v1/workforce-returns", tt.client, tt.contentType, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d: %s; want %d", resp.StatusCode, body, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q, want application/problem+json", ct)
			}
			var p problem
			if err := json.Unmarshal(body, &p); err != nil || p.Status != tt.want || p.Detail == "" {
				t.Errorf("problem = %+v (%v)", p, err)
			}
			if tt.location != "" {
				found := false
				for _, d := range p.Errors {
					found = found || d.Location == tt.location
				}
				if !found {
					t.Errorf("no error at %q in %s", tt.location, body)
				}
			}
		})
	}
	if got := e.queued(); got != 0 {
		t.Errorf("queued chunks after refusals = %d, want 0", got)
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t, api.Limits{MaxUploadBytes: 4096, MaxJSONBytes: 100, MaxRows: 3, ChunkRows: 2})
	big := `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 100, "cases": 1000, "vacancy_fte": 12, "agency_fte": 3, "starters_fte": 4}]}`
	if resp, b := e.do("POST", "/v1/workforce-returns", "demo-council", "application/json", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("JSON over its limit: %d %s, want 413", resp.StatusCode, b)
	}
	if resp, b := e.do("POST", "/v1/workforce-returns", "demo-council", "text/csv", "org,period,cases\n"+strings.Repeat("E06000001,2025,1\n", 300)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("CSV over the upload limit: %d %s, want 413", resp.StatusCode, b)
	}
	var rows strings.Builder
	rows.WriteString("org,period,cases\n")
	for y := 2020; y < 2024; y++ {
		fmt.Fprintf(&rows, "E06000001,%d,1\n", y)
	}
	if resp, b := e.do("POST", "/v1/workforce-returns", "demo-council", "text/csv", rows.String()); resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(b, []byte("split the file")) {
		t.Errorf("too many rows: %d %s, want 422", resp.StatusCode, b)
	}
	if e.queued() != 0 {
		t.Errorf("queued %d chunks, want 0", e.queued())
	}
	// Three rows in chunks of two: two messages.
	if resp, b := e.do("POST", "/v1/workforce-returns", "demo-council", "text/csv", "org,period,cases\nE06000001,2021,1\nE06000001,2022,x\nE06000001,2023,1\n"); resp.StatusCode != http.StatusAccepted || e.queued() != 2 {
		t.Errorf("chunked submission: %d %s, queued %d; want 202 and 2", resp.StatusCode, b, e.queued())
	}
}

func TestReadReturnsScoping(t *testing.T) {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " is not set")
	}
	e := newEnv(t, defaultLimits)
	for _, tt := range []struct {
		client, query string
		want          int
	}{
		{"demo-council", "", 200},
		{"demo-council", "?org=E06000001&period=2025", 200},
		{"demo-council", "?org=E06000002", 403},
		{"other-council", "?org=E06000001", 403},
		{"demo-analyst", "?org=E06000001", 403},
		{"demo-steward", "?org=E06000002", 200},
		{"demo-steward", "", 422},
		{"", "?org=E06000001", 401},
	} {
		resp, b := e.do("GET", "/v1/workforce-returns"+tt.query, tt.client, "", "")
		if resp.StatusCode != tt.want {
			t.Errorf("%s GET %s: %d %s, want %d", tt.client, tt.query, resp.StatusCode, b, tt.want)
		}
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t, defaultLimits)
	for _, p := range []string{"/healthz", "/readyz", "/openapi.json"} {
		if resp, b := e.do("GET", p, "", "", ""); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, b)
		}
	}
}

// The committed OpenAPI document is the one the API serves; `make openapi` renews it.
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	want, err := api.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/openapi.json is stale: run `make openapi`")
	}
}

// The committed JSON Schemas are the ones the API's types give; `make openapi` renews them.
func TestSchemasAreCurrent(t *testing.T) {
	docs, err := api.SchemaDocuments()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no schemas")
	}
	for name, want := range docs {
		got, err := os.ReadFile("../../schemas/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("schemas/%s is stale: run `make openapi`", name)
		}
	}
}

// The API answers its readiness probe with the services' one handler: 503 while NATS or
// ClickHouse cannot be reached.
func TestReadyzFollowsTheConnections(t *testing.T) {
	for _, tt := range []struct {
		ready error
		code  int
	}{{nil, http.StatusOK}, {errors.New("nats: RECONNECTING"), http.StatusServiceUnavailable}} {
		h := api.Handler(&api.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(context.Context) error { return tt.ready }})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code != tt.code {
			t.Errorf("ready %v: /readyz %d %s, want %d", tt.ready, rec.Code, rec.Body, tt.code)
		}
	}
}
