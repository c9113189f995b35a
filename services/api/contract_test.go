package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/pkg/workforce"
	"github.com/partnership-hub/hub/services/api"
)

// document is the part of the OpenAPI document the contract tests read.
type document struct {
	Info struct {
		Contact map[string]string `json:"contact"`
		License map[string]string `json:"license"`
	} `json:"info"`
	Servers    []struct{ URL string }  `json:"servers"`
	Tags       []struct{ Name string } `json:"tags"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type  string `json:"type"`
			Flows map[string]struct {
				TokenURL         string `json:"tokenUrl"`
				AuthorizationURL string `json:"authorizationUrl"`
			} `json:"flows"`
		} `json:"securitySchemes"`
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
	Paths map[string]map[string]struct {
		OperationID string                `json:"operationId"`
		Tags        []string              `json:"tags"`
		Security    []map[string][]any    `json:"security"`
		Roles       []string              `json:"x-hub-roles"`
		Parameters  []struct{ In string } `json:"parameters"`
		RequestBody *struct {
			Content map[string]json.RawMessage `json:"content"`
		} `json:"requestBody"`
		Responses map[string]response `json:"responses"`
	} `json:"paths"`
}

type response struct {
	Headers map[string]json.RawMessage `json:"headers"`
	Content map[string]json.RawMessage `json:"content"`
}

// bodies gives each body's example (empty when it has none), by where it is.
func bodies(request *struct {
	Content map[string]json.RawMessage `json:"content"`
}, responses map[string]response) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	add := func(where string, content map[string]json.RawMessage) {
		for ct, raw := range content {
			var mt struct {
				Example json.RawMessage `json:"example"`
			}
			_ = json.Unmarshal(raw, &mt)
			out[where+" "+ct] = mt.Example
		}
	}
	if request != nil {
		add("request", request.Content)
	}
	for code, r := range responses {
		add(code, r.Content)
	}
	return out
}

func readDocument(t *testing.T) document {
	t.Helper()
	var doc document
	decodeDocument(t, &doc)
	return doc
}

// decodeDocument reads the OpenAPI document into v.
func decodeDocument(t *testing.T, v any) {
	t.Helper()
	b, err := api.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestTheContract checks what the document promises every client: where the hub is and where
// tokens come from, and for every operation its roles, its tags, the content types it takes and
// every status it may answer, each a problem.
func TestTheContract(t *testing.T) {
	doc := readDocument(t)
	if len(doc.Servers) == 0 || doc.Info.Contact["url"] == "" || doc.Info.License["name"] == "" {
		t.Errorf("servers %v, contact %v, licence %v", doc.Servers, doc.Info.Contact, doc.Info.License)
	}
	oauth := doc.Components.SecuritySchemes["oauth2"]
	if cc, ac := oauth.Flows["clientCredentials"], oauth.Flows["authorizationCode"]; cc.TokenURL == "" || ac.TokenURL == "" || ac.AuthorizationURL == "" {
		t.Errorf("OAuth2 flows %+v: want client credentials and authorization code with their URLs", oauth.Flows)
	}
	declared := map[string]bool{}
	for _, tag := range doc.Tags {
		declared[tag.Name] = true
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			t.Run(op.OperationID, func(t *testing.T) {
				if len(op.Roles) == 0 {
					t.Errorf("%s %s states no roles (x-hub-roles): add it to operationRoles", method, path)
				}
				for _, tag := range op.Tags {
					if !declared[tag] {
						t.Errorf("tag %q is not declared", tag)
					}
				}
				want := []string{"500", "503"}
				if len(op.Security) > 0 {
					want = append(want, "401", "403", "429")
				}
				if slices.ContainsFunc(op.Parameters, func(p struct{ In string }) bool { return p.In == "path" }) {
					want = append(want, "404")
				}
				if op.RequestBody != nil {
					want = append(want, "413", "415", "422")
					if _, ok := op.RequestBody.Content["application/octet-stream"]; ok || len(op.RequestBody.Content) == 0 {
						t.Errorf("the body's content types %v: want only those the hub takes", op.RequestBody.Content)
					}
				}
				for _, code := range want {
					if _, ok := op.Responses[code]; !ok {
						t.Errorf("no %s answer documented", code)
					}
				}
				if _, ok := op.Responses["default"]; ok {
					t.Error("a default answer: every status is listed instead")
				}
				for ct, mt := range bodies(op.RequestBody, op.Responses) {
					if len(mt) == 0 {
						t.Errorf("%s has no example", ct)
					}
				}
				for code, r := range op.Responses {
					if code >= "400" {
						if _, ok := r.Content["application/problem+json"]; !ok {
							t.Errorf("%s is not a problem", code)
						}
					}
				}
				for code, headers := range map[string][]string{"401": {"WWW-Authenticate"}, "429": {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}} {
					for _, h := range headers {
						if r, ok := op.Responses[code]; ok && r.Headers[h] == nil {
							t.Errorf("%s does not document the header %s", code, h)
						}
					}
				}
			})
		}
	}
	for name, s := range doc.Components.Schemas {
		if strings.Contains(string(s), `"array","null"`) {
			t.Errorf("schema %s has an array that may be null: arrays are never null", name)
		}
	}
}

// TestRolesMatchTheAccessRule checks the roles each operation states against what the API
// answers each role (accessRows): a role is stated when some call of it is not refused.
func TestRolesMatchTheAccessRule(t *testing.T) {
	stated := map[string][]string{}
	for _, ops := range readDocument(t).Paths {
		for _, op := range ops {
			stated[op.OperationID] = op.Roles
		}
	}
	// The workforce table of the open data holds stored rows, which an analyst may not read; the
	// benchmark tables of the same operation are for analysts too.
	dependsOnTable := map[string]string{"get-open-data": "analyst"}
	for id, row := range accessRows {
		for role, w := range row.want {
			if role == "no token" {
				continue
			}
			allowed := slices.ContainsFunc(w[:], func(status int) bool { return status != http.StatusForbidden && status != http.StatusUnauthorized })
			if allowed != slices.Contains(stated[id], role) && dependsOnTable[id] != role {
				t.Errorf("%s: the API allows role %s: %v; the contract states roles %v", id, role, allowed, stated[id])
			}
		}
	}
}

// TestProblemsAreTyped checks that an answered problem's type is a page the hub serves.
func TestProblemsAreTyped(t *testing.T) {
	e := newEnv(t, defaultLimits)
	resp, body := e.do("GET", "/v1/metrics", "", "", "")
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != 401 || p.Type != "/problems/unauthorized" ||
		!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
		t.Fatalf("%d %s (%v), WWW-Authenticate %q", resp.StatusCode, body, err, resp.Header.Get("WWW-Authenticate"))
	}
	resp, body = e.do("GET", p.Type, "", "", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "401 Unauthorized") {
		t.Errorf("the problem's page: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/problems/nonsense", "", "", ""); resp.StatusCode != 404 {
		t.Errorf("a page for no problem: %d", resp.StatusCode)
	}
}

// page is a paged list's answer.
type page struct {
	Entries []struct {
		RequestID string `json:"request_id"`
	} `json:"entries"`
	Alliances  []struct{ ID string }     `json:"alliances"`
	Returns    []struct{ Period string } `json:"returns"`
	NextCursor string                    `json:"next_cursor"`
}

// readPages follows a paged list from path to its last page, checking that next_cursor and the
// Link header agree, and returns the pages.
func readPages(t *testing.T, e *env, path string) []page {
	t.Helper()
	var pages []page
	for next := path; next != ""; {
		resp, body := e.do("GET", next, "demo-steward", "", "")
		var p page
		if resp.StatusCode != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
		}
		pages = append(pages, p)
		link := resp.Header.Get("Link")
		if (p.NextCursor == "") != (link == "") || (link != "" && !strings.Contains(link, "cursor="+p.NextCursor)) {
			t.Fatalf("next_cursor %q beside Link %q", p.NextCursor, link)
		}
		next = ""
		if link != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
		if len(pages) > 10 {
			t.Fatal("more pages than items")
		}
	}
	return pages
}

// TestPagedLists reads the access trail and the alliances a page at a time: every item once, in
// order, and a cursor the hub did not give refused.
func TestPagedLists(t *testing.T) {
	e := newEnv(t, defaultLimits)
	if e.ch == nil {
		t.Skip("needs ClickHouse (HUB_TEST_CLICKHOUSE_ADDR)")
	}
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Second).Add(-time.Minute)
	var entries []trail.Entry
	for i, id := range []string{"r-c", "r-a", "r-e", "r-b", "r-d"} {
		// Two records a second: a page may end inside a second.
		entries = append(entries, trail.Entry{At: at.Add(-time.Duration(i/2) * time.Second), RequestID: id, Method: "GET", Path: "/v1/metrics",
			Operation: "list-metrics", Status: 200, Outcome: trail.Allowed, Org: "E06000099"})
	}
	if err := trail.Insert(ctx, e.ch, entries); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range readPages(t, e, "/v1/access-trail?org=E06000099&limit=2") {
		for _, r := range p.Entries {
			got = append(got, r.RequestID)
		}
	}
	// Newest first, then by request id.
	if want := []string{"r-a", "r-c", "r-b", "r-e", "r-d"}; !slices.Equal(got, want) {
		t.Errorf("trail pages %v, want %v", got, want)
	}

	for _, id := range []string{"pages-b", "pages-a", "pages-c"} {
		if resp, body := e.do("PUT", "/v1/alliances/"+id, "demo-steward", "application/json", `{"name": "Pages", "members": ["E06000001"]}`); resp.StatusCode != 200 {
			t.Fatalf("PUT %s: %d %s", id, resp.StatusCode, body)
		}
	}
	got = nil
	pages := readPages(t, e, "/v1/alliances?limit=2")
	for _, p := range pages {
		for _, a := range p.Alliances {
			if strings.HasPrefix(a.ID, "pages-") {
				got = append(got, a.ID)
			}
		}
	}
	if want := []string{"pages-a", "pages-b", "pages-c"}; !slices.Equal(got, want) || len(pages) < 2 {
		t.Errorf("alliances over %d pages: %v, want %v", len(pages), got, want)
	}
	if resp, body := e.do("GET", "/v1/alliances?cursor=bm9uc2Vuc2U", "demo-steward", "", ""); resp.StatusCode != 422 {
		t.Errorf("a cursor the hub did not give: %d %s", resp.StatusCode, body)
	}

	// Stored rows of every kind are paged the same way (kind.List); the workforce returns here.
	var returns []workforce.Stored
	for i, p := range []string{"2021", "2019", "2023", "2020", "2022"} {
		returns = append(returns, workforce.Stored{Row: workforce.Row{Row: i + 2, Return: workforce.Return{Org: "E06000099", Period: p}},
			SubmissionID: "s", SubmittedBy: "test", ReceivedAt: at})
	}
	if err := workforce.NewStore(e.ch).Insert(ctx, returns); err != nil {
		t.Fatal(err)
	}
	got = nil
	pages = readPages(t, e, "/v1/workforce-returns?org=E06000099&limit=2")
	for _, p := range pages {
		for _, r := range p.Returns {
			got = append(got, r.Period)
		}
	}
	if want := []string{"2019", "2020", "2021", "2022", "2023"}; !slices.Equal(got, want) || len(pages) != 3 {
		t.Errorf("workforce returns over %d pages: %v, want %v", len(pages), got, want)
	}
	if resp, body := e.do("GET", "/v1/workforce-returns?org=E06000099&cursor=bm9uc2Vuc2U", "demo-steward", "", ""); resp.StatusCode != 422 {
		t.Errorf("a cursor the hub did not give: %d %s", resp.StatusCode, body)
	}
}

// TestOldNamesAreDeprecated checks that every old name of a field or column the contract still
// answers for one version is marked deprecated where a client reads it: the property in the
// schema (deprecated: true), the CSV column in the CSV answer's description.
func TestOldNamesAreDeprecated(t *testing.T) {
	doc := readDocument(t)
	for schema, props := range map[string][]string{"OrgFigure": {"code"}, "Position": {"code"}, "Neighbour": {"code"}} {
		var s struct {
			Properties map[string]struct {
				Deprecated bool `json:"deprecated"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(doc.Components.Schemas[schema], &s); err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
		if _, ok := s.Properties["org"]; !ok {
			t.Errorf("%s has no org", schema)
		}
		for _, p := range props {
			if !s.Properties[p].Deprecated {
				t.Errorf("%s.%s is not marked deprecated", schema, p)
			}
		}
	}
	for _, path := range []string{"/v1/benchmarks/standard-2", "/v1/benchmarks/standard-8", "/v1/benchmarks/{metric}/trend", "/v1/projections"} {
		var mt struct {
			Schema struct {
				Description string `json:"description"`
			} `json:"schema"`
			Example string `json:"example"`
		}
		if err := json.Unmarshal(doc.Paths[path]["get"].Responses["200"].Content["text/csv"], &mt); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		header, _, _ := strings.Cut(mt.Example, "\r\n")
		if d := mt.Schema.Description; !strings.Contains(d, "org_code`, the last, is deprecated") || !strings.Contains(header, ",org,") || !strings.HasSuffix(header, ",org_code") {
			t.Errorf("%s: CSV %q, header %q: want org, and org_code last and deprecated", path, d, header)
		}
	}
}

// TestOneTypeForAYear checks that a survey year and an audit cycle (and a workforce profile's
// reporting year, a year on its own too) have one schema wherever they are, in bodies, queries
// and answers: an integer YYYY with the same bounds.
func TestOneTypeForAYear(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string         `json:"name"`
				Schema map[string]any `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	decodeDocument(t, &doc)
	shape := func(s map[string]any) string {
		out, _ := json.Marshal(map[string]any{"type": s["type"], "format": s["format"], "minimum": s["minimum"], "maximum": s["maximum"], "pattern": s["pattern"]})
		return string(out)
	}
	seen := map[string][]string{}
	for _, p := range []string{"AuditRating.cycle", "GroupResult.year", "ActionPlan.cycle", "RagMix.cycle", "Triangulation.cycle", "SurveyAgreement.year",
		"LevelProfile.year", "StoredLevelProfile.year"} {
		schema, prop, _ := strings.Cut(p, ".")
		s := doc.Components.Schemas[schema].Properties[prop]
		if s == nil {
			t.Errorf("no %s", p)
			continue
		}
		seen[shape(s)] = append(seen[shape(s)], p)
	}
	for path, name := range map[string]string{"/v1/audits/action-plan": "cycle", "/v1/audits/rag-mix": "cycle", "/v1/triangulation": "cycle", "/v1/surveys/agreement": "year", "/v1/workforce-profile": "year"} {
		i := slices.IndexFunc(doc.Paths[path]["get"].Parameters, func(p struct {
			Name   string         `json:"name"`
			Schema map[string]any `json:"schema"`
		}) bool {
			return p.Name == name
		})
		if i < 0 {
			t.Errorf("%s has no %s=", path, name)
			continue
		}
		s := doc.Paths[path]["get"].Parameters[i].Schema
		seen[shape(s)] = append(seen[shape(s)], path+" "+name+"=")
	}
	want := `{"format":"int64","maximum":2100,"minimum":2000,"pattern":null,"type":"integer"}`
	if len(seen) != 1 || seen[want] == nil {
		t.Errorf("a survey year or an audit cycle has %d schemas, want one (%s): %v", len(seen), want, seen)
	}
}

// TestEnumsHaveOneCasing checks the one casing rule of enumerations: every value the document
// declares is lower case with underscores (red, partially_accepted), but a path segment's, which
// is written as paths are (standard-2); "" only where a value may be empty.
func TestEnumsHaveOneCasing(t *testing.T) {
	var doc any
	decodeDocument(t, &doc)
	lower := regexp.MustCompile(`^([a-z][a-z0-9_]*)?$`)
	enums := 0
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["in"] == "path" {
				return
			}
			if values, ok := x["enum"].([]any); ok {
				enums++
				for _, e := range values {
					if s, ok := e.(string); ok && !lower.MatchString(s) {
						t.Errorf("%s: enum value %q is not lower case with underscores", where, s)
					}
				}
			}
			for k, c := range x {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", where, i), c)
			}
		}
	}
	walk("", doc)
	if enums < 10 {
		t.Errorf("%d enumerations found: the walk missed them", enums)
	}
}

// TestSubmitOperationsStateTheirRules checks that every kind's submit operation states, where a
// client reads it, its CSV columns, the upload limits and the idempotency rules, and that every
// CSV body, asked for or answered, names its columns.
func TestSubmitOperationsStateTheirRules(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Description string `json:"description"`
			RequestBody *struct {
				Content map[string]struct {
					Schema struct {
						Description string `json:"description"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Description string `json:"description"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	decodeDocument(t, &doc)
	for _, k := range kinds.All {
		op := doc.Paths[k.About().Docs.Path]["post"]
		for _, want := range append([]string{"**Columns.**", "**Limits.**", "64 MiB", "8 MiB", "500000 rows", "**Idempotency.**", "Idempotency-Key", "24 hours", "repeat: true"}, k.Columns()...) {
			if !strings.Contains(op.Description, want) {
				t.Errorf("%s does not state %q", op.OperationID, want)
			}
		}
	}
	for path, ops := range doc.Paths {
		for _, op := range ops {
			var csv []string
			if op.RequestBody != nil {
				if c, ok := op.RequestBody.Content["text/csv"]; ok {
					csv = append(csv, c.Schema.Description)
				}
			}
			for _, r := range op.Responses {
				if c, ok := r.Content["text/csv"]; ok {
					csv = append(csv, c.Schema.Description)
				}
			}
			names := regexp.MustCompile(`column|header row [a-z_]+(,[a-z_]+)+`)
			for _, d := range csv {
				if !names.MatchString(d) {
					t.Errorf("%s %s: a CSV body that names no columns: %q", path, op.OperationID, d)
				}
			}
		}
	}
}

// TestEveryListIsPaged checks that every list operation (stored rows of every kind, the access
// trail, alliances, a submission's errors) takes limit= with a documented bound and cursor=; the
// metric catalogue, a few dozen fixed entries, is answered whole.
func TestEveryListIsPaged(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Description string `json:"description"`
			Parameters  []struct {
				Name   string `json:"name"`
				Schema struct {
					Maximum *float64 `json:"maximum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	decodeDocument(t, &doc)
	// Short lists of the hub's own are answered whole, and say so: the metric catalogue, and the
	// periods of a standard (one entry a period).
	whole := func(id string) bool { return id == "list-metrics" || strings.HasSuffix(id, "-periods") }
	lists := 0
	for _, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || !(strings.HasPrefix(op.OperationID, "list-") || op.OperationID == "get-access-trail" || op.OperationID == "get-submission-errors") {
			continue
		}
		if whole(op.OperationID) {
			if op.OperationID != "list-metrics" && !strings.Contains(op.Description, "Answered whole") {
				t.Errorf("%s is answered whole: its description must say so", op.OperationID)
			}
			continue
		}
		lists++
		var limit, cursor bool
		for _, p := range op.Parameters {
			limit = limit || p.Name == "limit" && p.Schema.Maximum != nil
			cursor = cursor || p.Name == "cursor"
		}
		if !limit || !cursor {
			t.Errorf("%s: limit= with a maximum %v, cursor= %v", op.OperationID, limit, cursor)
		}
	}
	if want := len(kinds.All); lists < want {
		t.Errorf("%d lists found, want at least %d", lists, want)
	}
}

// TestAYearParameterIsAYear: a list's year= (the workforce profile's) takes a year YYYY from 2000
// to 2100 and refuses anything else with 422, as every year= and cycle= of the contract.
func TestAYearParameterIsAYear(t *testing.T) {
	e := newEnv(t, defaultLimits)
	for _, q := range []string{"25", "1999", "2025-Q1", "twenty"} {
		if resp, body := e.do("GET", "/v1/workforce-profile?year="+q, "demo-council", "", ""); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("year=%s: %d %s, want 422", q, resp.StatusCode, body)
		}
	}
	if e.ch == nil {
		t.Skip("needs ClickHouse (HUB_TEST_CLICKHOUSE_ADDR) for the year it takes")
	}
	if resp, body := e.do("GET", "/v1/workforce-profile?year=2025", "demo-council", "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("year=2025: %d %s", resp.StatusCode, body)
	}
}
