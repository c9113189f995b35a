package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/pkg/workforce"
	"github.com/partnership-hub/hub/services/api"
)

// The access rule, operation by operation: every operation of the OpenAPI document, called by
// every role (and without a token) about the caller's own organisation, a member of the same
// alliance and an organisation outside it, answers what the README's access table says. An
// operation added to the API without its row here fails TestEveryOperationHasAccessRows.
//
// To add an operation: add a row to accessRows with its request (path, query and body, where
// {org} is the organisation asked about and {id} the object of the relation) and, per role,
// the three statuses for own / same alliance / other. A role that holds no organisation asks
// about none for "own" ({org} is empty). The submit and list operations of the data kinds have
// theirs from the registry (allAccessRows): who may submit is the kind's policy, the body its first
// demo row.

// Roles, each a demo client, and the organisations the relations name.
var (
	accessRoles = []struct{ role, client, org string }{
		{"submitter", "demo-council", "E06000001"}, // Hartlepool, in the north-east alliance
		{"university", "demo-university", "10007799"},
		{"survey_provider", "demo-survey", ""},
		{"analyst", "demo-analyst", ""}, // alliance north-east
		{"steward", "demo-steward", ""},
		{"no token", "", ""},
	}
	relations = []string{"own", "same alliance", "other"}
)

const (
	allianceOrg = "E06000047" // County Durham, in the north-east alliance
	otherOrg    = "E09000033" // Westminster, in the london alliance
)

// want is the status for own, same-alliance and other organisation.
type want [3]int

func all(status int) want { return want{status, status, status} }

// accessRow is one operation's request and expected answers, by role.
type accessRow struct {
	method, path, contentType, body string
	// id gives the {id} of the path for a relation (and the calling client), when it has one.
	id func(f *accessFixture, client, relation string) string
	// after undoes what an allowed call changed, so that the next call finds the same state.
	after func(f *accessFixture)
	want  map[string]want // by role
}

const (
	workforceRowCSV = "org,period,inpost_fte\n{org},2025,100\n"
	surveyRowCSV    = "org,year,question,group,strongly_disagree,disagree,neutral,agree,strongly_agree,n\n{org},2026,Q2.1,social_worker,1,2,3,4,5,15\n"
	capacityRowCSV  = "org,academic_year,stage,requested,offered,confirmed\n{org},2024/25,final,3,,\n"
	allianceBody    = `{"name": "North East", "members": ["E06000001", "E06000047", "10007799"]}`
)

// A figure or regional read: every reader alike, whatever organisation; no survey provider.
var readers = map[string]want{"submitter": all(200), "university": all(200), "survey_provider": all(403),
	"analyst": all(200), "steward": all(200), "no token": all(401)}

// stored rows: the organisation itself, or a steward.
var rowReaders = map[string]want{"submitter": {200, 403, 403}, "university": {200, 403, 403}, "survey_provider": all(403),
	"analyst": all(403), "steward": {422, 200, 200}, "no token": all(401)}

// A submission's status and errors: the client that made it, or a steward.
var submissionFollowers = map[string]want{"submitter": {200, 403, 403}, "university": {200, 403, 403}, "survey_provider": {200, 403, 403},
	"analyst": {404, 403, 403}, "steward": all(200), "no token": all(401)}

// accessRows holds the rows of every operation but the data kinds', by operation id.
var accessRows = map[string]accessRow{
	"get-access-trail": {method: "GET", path: "/v1/access-trail?org={org}",
		want: map[string]want{"submitter": all(403), "university": all(403), "survey_provider": all(403), "analyst": all(403),
			"steward": all(200), "no token": all(401)}},
	"list-alliances": {method: "GET", path: "/v1/alliances", want: readers},
	"get-alliance": {method: "GET", path: "/v1/alliances/{id}", id: allianceOf,
		want: map[string]want{"submitter": {200, 200, 404}, "university": {200, 200, 404}, "survey_provider": all(403),
			"analyst": {200, 200, 404}, "steward": all(200), "no token": all(401)}},
	"put-alliance": {method: "PUT", path: "/v1/alliances/{id}", id: allianceOf, contentType: "application/json", body: allianceBody,
		after: (*accessFixture).alliances,
		want: map[string]want{"submitter": all(403), "university": all(403), "survey_provider": all(403), "analyst": all(403),
			"steward": all(200), "no token": all(401)}},
	"delete-alliance": {method: "DELETE", path: "/v1/alliances/{id}", id: allianceOf, after: (*accessFixture).alliances,
		want: map[string]want{"submitter": all(403), "university": all(403), "survey_provider": all(403), "analyst": all(403),
			"steward": all(204), "no token": all(401)}},

	// own: a submission the caller made (the analyst made none); same alliance: one County
	// Durham made; other: one Westminster made.
	"get-submission": {method: "GET", path: "/v1/submissions/{id}", id: submissionOf, want: submissionFollowers},
	// The errors list: the status's rule.
	"get-submission-errors": {method: "GET", path: "/v1/submissions/{id}/errors", id: submissionOf, want: submissionFollowers},

	// Named organisations: an organisation itself, an analyst its alliances' members, a steward any.
	"get-action-plan": {method: "GET", path: "/v1/audits/action-plan?cycle=2026&org={org}",
		want: map[string]want{"submitter": {200, 403, 403}, "university": {200, 403, 403}, "survey_provider": all(403),
			"analyst": {422, 200, 403}, "steward": {422, 200, 200}, "no token": all(401)}},
	"get-standard-2-benchmarks": {method: "GET", path: "/v1/benchmarks/standard-2?region=E12000001&period=2024&org={org}",
		want: map[string]want{"submitter": {200, 403, 403}, "university": {200, 403, 403}, "survey_provider": all(403),
			"analyst": {200, 200, 403}, "steward": all(200), "no token": all(401)}},
	"get-standard-8-benchmarks": {method: "GET", path: "/v1/benchmarks/standard-8?region=E12000001&period=2024&org={org}",
		want: map[string]want{"submitter": {200, 403, 403}, "university": {200, 403, 403}, "survey_provider": all(403),
			"analyst": {200, 200, 403}, "steward": all(200), "no token": all(401)}},
	// The university has no workforce series of its own (404); without org= the analyst and
	// the steward name nothing (422).
	"get-benchmark-trend": {method: "GET", path: "/v1/benchmarks/vacancy_rate/trend?org={org}",
		want: map[string]want{"submitter": {200, 403, 403}, "university": {404, 403, 403}, "survey_provider": all(403),
			"analyst": {422, 200, 403}, "steward": {422, 200, 200}, "no token": all(401)}},
	// Open data: the workforce table is stored rows (an organisation its own, a steward all; the
	// path names no organisation), a benchmark table is for every reader.
	"get-open-data": {method: "GET", path: "/v1/open-data/workforce?period=2025",
		want: map[string]want{"submitter": all(200), "university": all(200), "survey_provider": all(403),
			"analyst": all(403), "steward": all(200), "no token": all(401)}},
	"get-open-data-meta": {method: "GET", path: "/v1/open-data/standard-2/meta?region=E12000001&period=2024", want: readers},
	// An organisation by name as for benchmarks. The fixture's single year of returns cannot be
	// projected (no leaver rate), so an allowed call is 422 with the reason; without org= the
	// analyst and the steward name nothing (422). TestProjectionsByHandAndAccess has the 200s.
	"get-projections": {method: "GET", path: "/v1/projections?org={org}&demand=flat",
		want: map[string]want{"submitter": {422, 403, 403}, "university": {422, 403, 403}, "survey_provider": all(403),
			"analyst": {422, 422, 403}, "steward": all(422), "no token": all(401)}},
	"list-metrics":            {method: "GET", path: "/v1/metrics", want: readers},
	"list-standard-2-periods": {method: "GET", path: "/v1/benchmarks/standard-2/periods", want: readers},
	"list-standard-8-periods": {method: "GET", path: "/v1/benchmarks/standard-8/periods", want: readers},
	"get-rag-mix":             {method: "GET", path: "/v1/audits/rag-mix?cycle=2026&region=E12000001", want: readers},
	"get-survey-agreement":    {method: "GET", path: "/v1/surveys/agreement?year=2026&region=E12000001", want: readers},
	"get-triangulation":       {method: "GET", path: "/v1/triangulation?cycle=2026&region=E12000001", want: readers},
}

// allAccessRows is accessRows and the rows of every registered kind's operations.
func allAccessRows(t *testing.T) map[string]accessRow {
	t.Helper()
	out := maps.Clone(accessRows)
	for _, k := range kinds.All {
		m := k.About()
		body := kindRowCSV(t, k)
		answers := map[string]want{}
		for _, r := range accessRoles {
			switch {
			case r.client == "":
				answers[r.role] = all(401)
			case slices.Contains(m.Policy.Any, r.role):
				answers[r.role] = all(202)
			case slices.Contains(m.Policy.Own, r.role):
				answers[r.role] = want{202, 403, 403}
			default:
				answers[r.role] = all(403)
			}
		}
		out[m.Docs.SubmitID] = accessRow{method: "POST", path: m.Docs.Path, contentType: "text/csv", body: body, want: answers}
		if m.List != nil {
			out[m.List.ID] = accessRow{method: "GET", path: m.Docs.Path + "?org={org}", want: rowReaders}
		}
	}
	return out
}

// kindRowCSV is a kind's first demo row as a CSV body, its organisation {org}.
func kindRowCSV(t *testing.T, k kind.Any) string {
	t.Helper()
	ups, err := k.Uploads()
	if err != nil || len(ups) == 0 {
		t.Fatalf("%s: demo data: %d uploads (%v)", k.About().Name, len(ups), err)
	}
	r := csv.NewReader(bytes.NewReader(ups[0].Body))
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	first, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.IndexFunc(header, func(h string) bool { return h == "org" || h == "new_la_code" })
	if col < 0 {
		t.Fatalf("%s: the demo data has no org column: %q", k.About().Name, header)
	}
	first[col] = "{org}"
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll([][]string{header, first}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// docOperation is an operation of the OpenAPI document: its id, method, path and the content
// types its request body is listed in (none without a body).
type docOperation struct {
	id, method, path string
	bodyTypes        []string
}

// documentOperations lists the OpenAPI document's operations.
func documentOperations(t *testing.T) []docOperation {
	t.Helper()
	b, err := api.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			RequestBody *struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []docOperation
	for path, ops := range doc.Paths {
		for method, op := range ops {
			o := docOperation{id: op.OperationID, method: strings.ToUpper(method), path: path}
			if op.RequestBody != nil {
				o.bodyTypes = slices.Sorted(maps.Keys(op.RequestBody.Content))
			}
			out = append(out, o)
		}
	}
	return out
}

// operations lists the OpenAPI document's operations: id → "METHOD path".
func operations(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, op := range documentOperations(t) {
		out[op.id] = op.method + " " + op.path
	}
	return out
}

// Every operation of the API has its rows, for every role, and every row is an operation.
func TestEveryOperationHasAccessRows(t *testing.T) {
	ops := operations(t)
	rows := allAccessRows(t)
	for id, route := range ops {
		row, ok := rows[id]
		if !ok {
			t.Errorf("operation %s (%s) has no rows in accessRows: say what each role may do with it", id, route)
			continue
		}
		if got := row.method + " " + strings.Split(row.path, "?")[0]; !strings.HasPrefix(route, row.method+" ") ||
			!samePath(route[len(row.method)+1:], strings.Split(row.path, "?")[0]) {
			t.Errorf("%s: row calls %s, the operation is %s", id, got, route)
		}
		for _, r := range accessRoles {
			if _, ok := row.want[r.role]; !ok {
				t.Errorf("%s: no expected answer for role %s", id, r.role)
			}
		}
	}
	for id := range rows {
		if _, ok := ops[id]; !ok {
			t.Errorf("accessRows has %s, which is not an operation", id)
		}
	}
}

// samePath compares an OpenAPI path with a row's, whose {params} may be written out.
func samePath(openapi, row string) bool {
	a, b := strings.Split(openapi, "/"), strings.Split(row, "/")
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !strings.HasPrefix(a[i], "{") && !strings.HasPrefix(b[i], "{") {
			return false
		}
	}
	return true
}

// accessFixture is the state the rows are called against.
type accessFixture struct {
	e           *env
	submissions map[string]string // by client: a submission it made
}

func allianceOf(_ *accessFixture, _, relation string) string {
	if relation == "other" {
		return "london"
	}
	return "north-east"
}

func submissionOf(f *accessFixture, client, relation string) string {
	switch relation {
	case "same alliance":
		return f.submissions["durham"]
	case "other":
		return f.submissions["westminster"]
	}
	if id, ok := f.submissions[client]; ok {
		return id
	}
	return "6f1c0000-0000-4000-8000-000000000000" // none made by this client
}

// alliances makes the north-east alliance (Hartlepool, County Durham, Newcastle University)
// and the london one (Westminster) as they were.
func (f *accessFixture) alliances() {
	f.e.t.Helper()
	seq := f.e.trailSeq()
	for id, body := range map[string]string{"north-east": allianceBody, "london": `{"name": "London", "members": ["E09000033"]}`} {
		if resp, b := f.e.do("PUT", "/v1/alliances/"+id, "demo-steward", "application/json", body); resp.StatusCode != 200 {
			f.e.t.Fatalf("alliance %s: %d %s", id, resp.StatusCode, b)
		}
	}
	f.e.recordAfter(seq + 1) // both on the trail, before the next call's record
}

func (f *accessFixture) submit(client, org string) {
	f.e.t.Helper()
	resp, b := f.e.do("POST", "/v1/workforce-returns", client, "text/csv", strings.ReplaceAll(workforceRowCSV, "{org}", org))
	if resp.StatusCode != 202 {
		f.e.t.Fatalf("%s submitting: %d %s", client, resp.StatusCode, b)
	}
	var ref api.SubmissionRef
	if err := json.Unmarshal(b, &ref); err != nil {
		f.e.t.Fatal(err)
	}
	f.submissions[client] = ref.ID
}

func TestAccessRule(t *testing.T) {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " is not set")
	}
	e := newEnv(t, defaultLimits)
	f := &accessFixture{e: e, submissions: map[string]string{}}
	f.alliances()
	// Workforce returns for 2024, so that every benchmark read has figures to answer with.
	var rows []workforce.Stored
	for i, org := range []string{"E06000001", allianceOrg, otherOrg} {
		r := workforce.Return{Org: org, Period: "2024", InpostFTE: measure.Of(100), VacancyFTE: measure.Of(float64(10 * (i + 1)))}
		rows = append(rows, workforce.Stored{Row: workforce.Row{Row: i + 2, Return: r}, SubmissionID: "s", ReceivedAt: time.Now()})
	}
	if err := workforce.NewStore(e.ch).Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	e.rebuildBenchmarks("E06000001", allianceOrg, "10007799")
	for _, c := range []struct{ client, org string }{
		{"demo-council", "E06000001"}, {"durham", allianceOrg}, {"westminster", otherOrg}, {"demo-steward", "E06000001"},
	} {
		f.submit(c.client, c.org)
	}
	for _, c := range []struct{ client, org, path, body string }{
		{"demo-university", "10007799", "/v1/placement-capacity", capacityRowCSV},
		{"demo-survey", "E06000001", "/v1/survey-results", surveyRowCSV},
	} {
		resp, b := e.do("POST", c.path, c.client, "text/csv", strings.ReplaceAll(c.body, "{org}", c.org))
		var ref api.SubmissionRef
		if resp.StatusCode != 202 || json.Unmarshal(b, &ref) != nil {
			t.Fatalf("%s submitting: %d %s", c.client, resp.StatusCode, b)
		}
		f.submissions[c.client] = ref.ID
	}

	byID := allAccessRows(t)
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		row := byID[id]
		for _, r := range accessRoles {
			for i, rel := range relations {
				org := map[string]string{"own": r.org, "same alliance": allianceOrg, "other": otherOrg}[rel]
				path := strings.ReplaceAll(row.path, "{org}", url.QueryEscape(org))
				if row.id != nil {
					path = strings.ReplaceAll(path, "{id}", row.id(f, r.client, rel))
				}
				name := fmt.Sprintf("%s as %s about %s", id, r.role, rel)
				seq := e.trailSeq()
				resp, b := e.do(row.method, path, r.client, row.contentType, strings.ReplaceAll(row.body, "{org}", org))
				if want := row.want[r.role][i]; resp.StatusCode != want {
					t.Errorf("%s: %d %s, want %d", name, resp.StatusCode, b, want)
				}
				if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s: %d answered as %q, want application/problem+json", name, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				// The call is on the access trail with its status, the organisation it concerns
				// (the one asked about, or the one a submission's rows name) and, for a refusal,
				// why.
				rec := e.recordAfter(seq)
				if rec.Operation != id || rec.Status != resp.StatusCode || rec.Subject != subjectOf(r.client) {
					t.Errorf("%s: trail record %+v, want operation %s, status %d", name, rec, id, resp.StatusCode)
				}
				if resp.StatusCode >= 400 && rec.Detail == "" {
					t.Errorf("%s: refused (%d) with no reason on the trail", name, resp.StatusCode)
				}
				// (A role that may not send a kind at all is refused before its body is read.)
				w := row.want[r.role]
				sends := row.body == "" || slices.Contains(w[:], http.StatusAccepted)
				if concerns := row.id == nil && org != "" && (strings.Contains(row.path, "{org}") || row.body != ""); concerns && sends &&
					resp.StatusCode != 401 && rec.TargetOrg != org {
					t.Errorf("%s: trail record concerns %q, want %s", name, rec.TargetOrg, org)
				}
				if row.after != nil {
					row.after(f)
				}
			}
		}
	}
}

// subjectOf is the token subject of a demo client: its id ("" without a token).
func subjectOf(client string) string { return client }

// trailSeq is the sequence of the access trail's last record.
func (e *env) trailSeq() uint64 { return e.stream(bus.StreamTrail).LastSeq }

// recordAfter waits for the first access-trail record after seq and returns it.
func (e *env) recordAfter(seq uint64) trail.Entry {
	e.t.Helper()
	poll.UntilEvery(e.t, 5*time.Second, 5*time.Millisecond, func() error {
		if e.trailSeq() <= seq {
			return fmt.Errorf("no access-trail record after %d", seq)
		}
		return nil
	})
	s, err := e.nats.JS.Stream(context.Background(), bus.StreamTrail)
	if err != nil {
		e.t.Fatal(err)
	}
	m, err := s.GetMsg(context.Background(), seq+1)
	if err != nil {
		e.t.Fatal(err)
	}
	rec, err := trail.Decode(m.Data)
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}
