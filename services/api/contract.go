package api

import (
	"fmt"
	"html"
	"net/http"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The contract: what the OpenAPI document promises a client beyond each operation's own
// types. Every operation states the roles it serves (x-hub-roles and its description) and every
// status the hub may answer it with, each a problem (RFC 9457) whose type names a page the hub
// serves at /problems/{kind}; the security schemes say where tokens come from.

// Contract says where the hub is reached and where its callers get tokens, for the OpenAPI
// document: its servers and security schemes.
type Contract struct {
	// PublicURL is the API's address as clients reach it.
	PublicURL string
	// Issuer is the OpenID provider; TokenURL and AuthorizeURL its endpoints for the
	// client-credentials and the authorization-code (PKCE) flows.
	Issuer, TokenURL, AuthorizeURL string
}

// DocumentContract is the contract api/openapi.json states: the hub of `make demo`.
var DocumentContract = Contract{
	PublicURL:    "http://127.0.0.1:8080",
	Issuer:       "http://127.0.0.1:5556",
	TokenURL:     "http://127.0.0.1:5556/token",
	AuthorizeURL: "http://127.0.0.1:5556/authorize",
}

// Security schemes: OAuth2 (client credentials for systems, authorization code with PKCE for
// people), and the bearer token as such (for the docs page's "Authorize", where a token is
// pasted). No OpenID Connect discovery scheme: the docs page would fetch the discovery document
// from the provider as it loads.
const (
	schemeOAuth2 = "oauth2"
	schemeBearer = "bearer"
)

var secured = []map[string][]string{{schemeOAuth2: {}}, {schemeBearer: {}}}

// Tags group the operations; each is declared with what it holds.
var tags = []*huma.Tag{
	{Name: "Workforce", Description: "Workforce returns: in-post, starters, leavers, agency, vacancies, caseloads and absence, per organisation and period (Standard 2)."},
	{Name: "Demand", Description: "Service demand: children in need, children looked after and the child population per local authority and reporting year to 31 March (Standard 2, current and future need)."},
	{Name: "Standard 8", Description: "Placements, placement capacity and practice educators: universities' and employers' partnership figures."},
	{Name: "Audits", Description: "The employer audit: RAG ratings of the standards' items, action plans and the regional RAG mix."},
	{Name: "Surveys", Description: "Health-check survey results, aggregated, and staff agreement per standard with disclosure control."},
	{Name: "Submissions", Description: "Following a submission: pending, then accepted, partially accepted or rejected, with every refused row."},
	{Name: "Benchmarks", Description: "The metric catalogue and the benchmarks of Standards 2 and 8 for every organisation, region and England."},
	{Name: "Projections", Description: "The social work workforce projected forward: supply from leavers and starters, demand from the service demand kind, with scenarios."},
	{Name: "Open data", Description: "Tables in the DfE's open-data layout (Explore Education Statistics) with their metadata files."},
	{Name: "Access", Description: "Alliances (named sets of organisations) and the access trail of every request."},
}

// problemKinds are the kinds of problem the hub answers, by status: the last part of each
// problem's type (/problems/{kind}), its title and when it happens.
var problemKinds = map[int]struct{ kind, when string }{
	http.StatusBadRequest:            {"bad-request", "The request cannot be read: a body that is not valid JSON or CSV at all, or a malformed parameter."},
	http.StatusUnauthorized:          {"unauthorized", "No bearer token, or one the hub does not accept (signature, issuer, audience, expiry, not-before). The answer carries `WWW-Authenticate: Bearer realm=\"partnership-hub\"`, with `error=\"invalid_token\"` when a token was refused. Get a token from the OpenID provider (see the security schemes) and send it as `Authorization: Bearer <token>`."},
	http.StatusForbidden:             {"forbidden", "Your token's roles or organisation do not allow this: the roles each operation serves are in its description and in `x-hub-roles`. A submission naming another organisation than yours is refused whole, with the rows concerned in `errors`; nothing of it is stored."},
	http.StatusNotFound:              {"not-found", "What the path names does not exist, or is not yours to see (a submission of another client, an alliance you may not see are answered 403 or 404 as the operation says)."},
	http.StatusMethodNotAllowed:      {"method-not-allowed", "The path exists but not with this method."},
	http.StatusNotAcceptable:         {"not-acceptable", "The Accept header accepts none of the media types the operation answers in (listed in its 200 answer)."},
	http.StatusRequestEntityTooLarge: {"too-large", "The body is larger than the operation takes: CSV uploads up to HUB_MAX_UPLOAD_BYTES (64 MiB by default), JSON submissions up to HUB_MAX_JSON_BYTES (8 MiB), other JSON bodies up to 1 MiB (alliances 64 KiB). Send large files as text/csv. Nothing is stored."},
	http.StatusUnsupportedMediaType:  {"unsupported-media-type", "The Content-Type is not one the operation takes: the answer names those it takes, which its request body lists (application/json or text/csv for submissions). A body sent without a Content-Type is read as JSON, or, for a submission, as JSON when it begins with { or [ and as CSV otherwise."},
	http.StatusUnprocessableEntity:   {"unprocessable", "A parameter or the body breaks the contract: the `errors` list says where (`location`: a parameter, `body`, or `row N field`) and why. For a submission, a body that cannot be read as the kind (an unknown or repeated column, no rows, more rows than HUB_MAX_ROWS, an Idempotency-Key used before for another body) is refused whole and nothing is stored; rows that can be read but break a rule are not refused here: they are listed in the submission's status."},
	http.StatusTooManyRequests:       {"too-many-requests", "More requests than HUB_RATE_LIMIT a second (bursts of HUB_RATE_BURST) from your client, or from your address before its token is verified. Wait `Retry-After` seconds; `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` describe the limit. A refused submission is not stored: send it again with the same Idempotency-Key."},
	http.StatusInternalServerError:   {"internal", "The hub failed to answer; the failure is logged. A submission answered so is not stored unless the same Idempotency-Key later answers 202 with repeat: true."},
	http.StatusServiceUnavailable:    {"unavailable", "The hub cannot answer now: NATS or ClickHouse cannot be reached, the benchmarks asked for are being recomputed, or the request was cancelled. Try again later; a submission answered so is not stored."},
}

// problemType is the type of a problem with status: a page the hub serves.
func problemType(status int) string {
	if k, ok := problemKinds[status]; ok {
		return "/problems/" + k.kind
	}
	return "about:blank"
}

// typeProblems sets the type of every problem the API answers with.
func typeProblems(_ huma.Context, _ string, v any) (any, error) {
	if e, ok := v.(*huma.ErrorModel); ok && (e.Type == "" || e.Type == "about:blank") {
		e.Type = problemType(e.Status)
	}
	return v, nil
}

// serveProblems serves the page each problem type names.
func serveProblems(mux *http.ServeMux) {
	mux.HandleFunc("GET /problems/{kind}", func(w http.ResponseWriter, r *http.Request) {
		for status, k := range problemKinds {
			if k.kind != r.PathValue("kind") {
				continue
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", "default-src 'none'")
			title := fmt.Sprintf("%d %s", status, http.StatusText(status))
			fmt.Fprintf(w, "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>%s: Partnership Hub API</title></head>\n"+
				"<body><main><h1>%s</h1><p>%s</p><p>The answer is a problem (RFC 9457, <code>application/problem+json</code>): <code>title</code>, <code>detail</code> and, where the hub can say which part, <code>errors</code>. "+
				"The API is described at <a href=\"/docs\">/docs</a> and <a href=\"/openapi.json\">/openapi.json</a>.</p></main></body></html>\n",
				html.EscapeString(title), html.EscapeString(title), html.EscapeString(k.when))
			return
		}
		http.NotFound(w, r)
	})
}

// describe completes every operation's contract once all are registered: the statuses the hub
// may answer it with, the roles it serves, the content types it takes.
func describe(api huma.API) {
	doc := api.OpenAPI()
	problem := doc.Components.Schemas.Schema(reflect.TypeOf(huma.ErrorModel{}), true, "")
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch} {
			if op == nil {
				continue
			}
			roles := operationRoles[op.OperationID]
			if len(roles) > 0 {
				if op.Extensions == nil {
					op.Extensions = map[string]any{}
				}
				names := make([]string, len(roles))
				lines := make([]string, len(roles))
				for i, r := range roles {
					names[i], lines[i] = r.role, fmt.Sprintf("`%s`: %s", r.role, r.may)
				}
				op.Extensions["x-hub-roles"] = slices.Compact(slices.Sorted(slices.Values(names)))
				op.Description = strings.TrimSpace(op.Description + "\n\n**Roles.** " + strings.Join(lines, "; ") + ".")
			}
			if op.RequestBody != nil {
				// huma offers a raw body as octet-stream too; the hub takes only what is listed.
				delete(op.RequestBody.Content, "application/octet-stream")
			}
			for _, status := range statusesOf(op) {
				code := strconv.Itoa(status)
				if op.Responses[code] == nil || op.Responses[code].Description == http.StatusText(status) {
					op.Responses[code] = problemResponse(status, problem)
				}
			}
			delete(op.Responses, "default")
			addExamples(doc.Components.Schemas, op)
		}
	}
	noNullArrays(doc.Components.Schemas.Map())
}

// statusesOf lists the error statuses an operation may answer with.
func statusesOf(op *huma.Operation) []int {
	set := map[int]bool{http.StatusInternalServerError: true, http.StatusServiceUnavailable: true}
	if len(op.Security) > 0 {
		set[http.StatusUnauthorized], set[http.StatusForbidden], set[http.StatusTooManyRequests] = true, true, true
	}
	for _, p := range op.Parameters {
		set[http.StatusUnprocessableEntity] = true
		if p.In == "path" {
			set[http.StatusNotFound] = true
		}
	}
	if op.RequestBody != nil {
		set[http.StatusBadRequest], set[http.StatusRequestEntityTooLarge], set[http.StatusUnsupportedMediaType], set[http.StatusUnprocessableEntity] = true, true, true, true
	}
	for code, r := range op.Responses {
		if strings.HasPrefix(code, "2") && len(r.Content) > 1 {
			set[http.StatusNotAcceptable] = true
		}
		if n, err := strconv.Atoi(code); err == nil && n >= 400 {
			set[n] = true
		}
	}
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

func problemResponse(status int, problem *huma.Schema) *huma.Response {
	r := &huma.Response{
		Description: problemKinds[status].when,
		Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: problem}},
	}
	if r.Description == "" {
		r.Description = http.StatusText(status)
	}
	header := func(description string, typ string) *huma.Param {
		return &huma.Param{Description: description, Schema: &huma.Schema{Type: typ}}
	}
	switch status {
	case http.StatusUnauthorized:
		r.Headers = map[string]*huma.Param{"WWW-Authenticate": header(`Bearer realm="partnership-hub", with error="invalid_token" when a token was refused`, huma.TypeString)}
	case http.StatusTooManyRequests:
		r.Headers = map[string]*huma.Param{
			"Retry-After":         header("Seconds to wait before the next request", huma.TypeInteger),
			"RateLimit-Limit":     header("Requests the client may make in a burst (HUB_RATE_BURST)", huma.TypeInteger),
			"RateLimit-Remaining": header("Requests left in the burst: 0", huma.TypeInteger),
			"RateLimit-Reset":     header("Seconds until a request is allowed again", huma.TypeInteger),
		}
	}
	return r
}

// noNullArrays declares arrays as never null: the API writes an empty array for none (see
// emptyArrays).
func noNullArrays(schemas map[string]*huma.Schema) {
	var walk func(s *huma.Schema)
	walk = func(s *huma.Schema) {
		if s == nil {
			return
		}
		if s.Type == huma.TypeArray {
			s.Nullable = false
		}
		walk(s.Items)
		for _, p := range s.Properties {
			walk(p)
		}
	}
	for _, s := range schemas {
		walk(s)
	}
}

// emptyArrays writes a nil slice in an answer as an empty array, never null, as the contract
// says: it copies the answer with every nil slice made empty.
func emptyArrays(_ huma.Context, _ string, v any) (any, error) {
	rv := reflect.ValueOf(v)
	if !hasNilSlice(rv, 0) {
		return v, nil
	}
	cp := reflect.New(rv.Type()).Elem()
	cp.Set(rv)
	fill(cp, 0)
	return cp.Interface(), nil
}

const maxDepth = 8

func hasNilSlice(v reflect.Value, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasNilSlice(v.Elem(), depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && hasNilSlice(v.Field(i), depth+1) {
				return true
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return false // raw bytes
		}
		if v.IsNil() {
			return true
		}
		for i := range v.Len() {
			if hasNilSlice(v.Index(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// fill makes every nil slice in v empty, copying what it changes so that the caller's values
// are left alone.
func fill(v reflect.Value, depth int) {
	if depth > maxDepth {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() && v.CanSet() && hasNilSlice(v.Elem(), depth+1) {
			cp := reflect.New(v.Type().Elem())
			cp.Elem().Set(v.Elem())
			fill(cp.Elem(), depth+1)
			v.Set(cp)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); v.Type().Field(i).IsExported() && f.CanSet() {
				fill(f, depth+1)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 || !v.CanSet() {
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		if hasNilSlice(v, depth) {
			cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(cp, v)
			for i := range cp.Len() {
				fill(cp.Index(i), depth+1)
			}
			v.Set(cp)
		}
	}
}

const apiDescription = `Workforce, placement, survey and audit data from employers and universities in a regional social work partnership, and benchmarks for the Standards for employers of social workers in England.

**Tokens.** Every /v1 call needs an OAuth2 bearer token from the hub's OpenID provider: a system (a council's scheduled job, a data team's script, hub-cli) uses the client-credentials flow with the client id and secret the stewards gave it; a person signs in with the authorization-code flow and PKCE (S256). The organisation, roles and alliances come from the token's claims, never from the body. The roles each operation serves are in its description and in ` + "`x-hub-roles`" + `.

**Submissions.** A submission (POST of a data kind, as JSON or CSV) is answered at once with 202 and a submission id; rows are checked and stored in the background, and GET /v1/submissions/{id} tells the outcome of every row. Send an ` + "`Idempotency-Key`" + ` (any string up to 200 characters unique to the submission; without one, a hash of the body is used): the same key and body again within 24 hours returns the first submission (` + "`repeat: true`" + `) and stores nothing twice; the same key with another body is refused (422). Limits: CSV uploads up to 64 MiB, JSON submissions up to 8 MiB, 500,000 rows (the hub's settings HUB_MAX_UPLOAD_BYTES, HUB_MAX_JSON_BYTES, HUB_MAX_ROWS).

**Errors** are problems (RFC 9457, ` + "`application/problem+json`" + `) whose ` + "`type`" + ` names a page at /problems/{kind}: every status an operation may answer is listed with it. **Rate limit**: HUB_RATE_LIMIT requests a second per client (429 with Retry-After).

**Names.** An organisation is ` + "`org`" + ` everywhere, in bodies, queries, answers and CSV columns: the organisation a record is for (the one that reports a row, the one a figure or a query is about; in an access record, the caller's). Where a record names a second organisation in another role, that one is ` + "`<role>_org`" + `: ` + "`host_org`" + `, the organisation hosting a placement the university (` + "`org`" + `) reports; ` + "`target_org`" + `, the organisation an access record's request concerned. An organisation's code is never ` + "`code`" + ` or ` + "`org_code`" + `; ` + "`code`" + ` is an area's (a region's ONS code or an alliance's id, in an ` + "`area`" + ` or ` + "`region`" + ` object; ` + "`area_code`" + ` in CSV). Old names still answered for one version are marked deprecated (in the schema, or in a CSV answer's description) and listed in the changelog with the version that removes them. A year on its own (a survey year, an audit cycle, a workforce profile's reporting year) is one type in bodies, queries and answers: an integer YYYY (2000–2100); a period that may be a quarter or an academic year is a string (` + "`period`" + ` YYYY or YYYY-Qn, ` + "`academic_year`" + ` YYYY/YY). Every enumeration's values are lower case with underscores (` + "`red`" + `, ` + "`partially_accepted`" + `), but a path segment's (` + "`standard-2`" + `); a submission's enumerated values are read in any letter case.

**Changes** are listed in the API changelog (CHANGELOG.md in the repository).`

// securitySchemes says where tokens come from: OAuth2 with both flows (the provider's discovery
// document, at the issuer's /.well-known/openid-configuration, names the same endpoints), and
// the bearer token itself.
func securitySchemes(c Contract) map[string]*huma.SecurityScheme {
	return map[string]*huma.SecurityScheme{
		schemeOAuth2: {Type: "oauth2", Description: "The hub's OpenID provider (issuer " + c.Issuer + "; discovery at /.well-known/openid-configuration). Systems use the client-credentials flow; people the authorization-code flow with PKCE (code_challenge_method S256 only). " +
			"The hub takes no scopes: what a caller may do comes from the roles in its token (x-hub-roles of each operation).",
			Flows: &huma.OAuthFlows{
				ClientCredentials: &huma.OAuthFlow{TokenURL: c.TokenURL, Scopes: map[string]string{}},
				AuthorizationCode: &huma.OAuthFlow{AuthorizationURL: c.AuthorizeURL, TokenURL: c.TokenURL, Scopes: map[string]string{}},
			}},
		schemeBearer: {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "An access token from the provider, sent as Authorization: Bearer <token> (RS256 or ES256; issuer, audience and expiry checked)."},
	}
}

// schemaNames are the names the contract gives the hub's types, where their Go names would not
// read well as a class name in a generated client, by Go name or, where two packages have a type
// of that name, by package and name. (Each data kind names its own submission and list bodies:
// kind.Docs.Root and kind.List.Schema.)
var schemaNames = map[string]string{
	"demand.Return":           "ServiceDemandRow",
	"demand.Stored":           "StoredServiceDemandRow",
	"ErrorModel":              "Problem",
	"ErrorDetail":             "ProblemDetail",
	"Entry":                   "AccessRecord",
	"TrailOutputBody":         "AccessTrail",
	"AlliancesOutputBody":     "AllianceList",
	"PutAllianceInputBody":    "AllianceDefinition",
	"Return":                  "WorkforceReturn",
	"Stored":                  "StoredWorkforceReturn",
	"Rating":                  "AuditRating",
	"Status":                  "SubmissionStatus",
	"MetricsOutputBody":       "MetricCatalogue",
	"AgreementOutputBody":     "SurveyAgreement",
	"RagMixOutputBody":        "RagMix",
	"TriangulationOutputBody": "Triangulation",
	"Plan":                    "ActionPlan",
	"PlanItem":                "ActionPlanItem",
	"Mix":                     "RatingMix",
	"Figure":                  "AgreementFigure",
}

func schemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n, ok := schemaNames[path.Base(t.PkgPath())+"."+name]; ok {
		return n
	}
	if n, ok := schemaNames[name]; ok {
		return n
	}
	return name
}
