package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/submission"
)

var (
	demoRef       = placement.StudentRef([]byte("newcastle secret"), "NCL-2024-0001")
	placementJSON = `{"placements": [{"org": "10007799", "student_ref": "` + demoRef + `", "route": "postgraduate", "cohort": "2024/25",
		"academic_year": "2025/26", "stage": "final", "host_org": "E06000001", "setting": "la", "statutory_tasks": true,
		"service_user_group": "children_and_families", "planned_days": 100, "completed_days": 100, "pe_stage": 2, "pe_location": "on_site", "outcome": "passed"}]}`
	placementCSV = strings.Join(placement.Kind.Columns(), ",") + "\n" +
		"10007799," + demoRef + ",undergraduate,2025/26,2025/26,first,E06000001,la,true,adults,70,,1,off_site,ongoing\n"
	capacityUniversity = `{"capacity": [{"org": "10007799", "academic_year": "2026/27", "stage": "final", "requested": 60}]}`
	capacityCouncil    = "org,academic_year,stage,offered,confirmed\nE06000001,2026/27,final,12,9\n"
	educatorsCouncil   = "org,period,stage1,stage2,active,students_supported\nE06000001,2025,4,6,8,11\n"
)

func TestSubmitStandard8(t *testing.T) {
	e := newEnv(t, defaultLimits)
	tests := []struct {
		name, path, client, contentType, body string
		org, kind                             string
		rows                                  int
	}{
		{"a university's placements as JSON", "/v1/placements", "demo-university", "application/json", placementJSON, "10007799", submission.KindPlacement, 1},
		{"a university's placements as CSV", "/v1/placements", "demo-university", "text/csv", placementCSV, "10007799", submission.KindPlacement, 1},
		{"a steward's placements for any university", "/v1/placements", "demo-steward", "application/json", placementJSON, "", submission.KindPlacement, 1},
		{"a university's requested places", "/v1/placement-capacity", "demo-university", "application/json", capacityUniversity, "10007799", submission.KindPlacementCapacity, 1},
		{"a council's offered places", "/v1/placement-capacity", "demo-council", "text/csv", capacityCouncil, "E06000001", submission.KindPlacementCapacity, 1},
		{"a council's practice educators", "/v1/practice-educators", "demo-council", "text/csv", educatorsCouncil, "E06000001", submission.KindPracticeEducators, 1},
		{"a trust's practice educators", "/v1/practice-educators", "demo-trust", "text/csv", strings.ReplaceAll(educatorsCouncil, "E06000001", "RX4"), "RX4", submission.KindPracticeEducators, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", tt.path, tt.client, tt.contentType, tt.body)
			var ref struct {
				ID   string `json:"id"`
				Rows int    `json:"rows"`
			}
			if resp.StatusCode != http.StatusAccepted || json.Unmarshal(body, &ref) != nil || ref.Rows != tt.rows {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			env := lastEnvelope(t, e, tt.kind, tt.org)
			if env.ID != ref.ID || env.Kind != tt.kind || len(env.Rejected) != 0 {
				t.Errorf("envelope %+v", env)
			}
		})
	}
}

func lastEnvelope(t *testing.T, e *env, kind, org string) submission.Envelope {
	t.Helper()
	s, _ := e.nats.JS.Stream(context.Background(), bus.StreamSubmissions)
	msg, err := s.GetLastMsgForSubject(context.Background(), bus.SubmitSubject(kind, org))
	if err != nil {
		t.Fatal(err)
	}
	var env submission.Envelope
	if err := json.Unmarshal(msg.Data, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

func TestStandard8Refusals(t *testing.T) {
	e := newEnv(t, defaultLimits)
	tests := []struct {
		name, path, client, contentType, body string
		want                                  int
		location                              string
	}{
		{"a council may not send placements", "/v1/placements", "demo-council", "application/json", placementJSON, 403, ""},
		{"a university only its own students", "/v1/placements", "demo-university", "application/json", strings.Replace(placementJSON, `"org": "10007799"`, `"org": "10001282"`, 1), 403, "row 1 org"},
		{"an employer only its own offers", "/v1/placement-capacity", "demo-trust", "text/csv", capacityCouncil, 403, "row 2 org"},
		{"an employer only its own educators", "/v1/practice-educators", "other-council", "text/csv", educatorsCouncil, 403, "row 2 org"},
		{"a university does not report practice educators", "/v1/practice-educators", "demo-university", "text/csv", educatorsCouncil, 403, ""},
		{"an analyst sends nothing", "/v1/placement-capacity", "demo-analyst", "application/json", capacityUniversity, 403, ""},
		{"a name column refuses the file", "/v1/placements", "demo-university", "text/csv", "student_name," + placementCSV, 422, "row 1 student_name"},
		{"a date of birth column refuses the file", "/v1/placements", "demo-university", "text/csv", strings.Replace(placementCSV, "\n", ",date_of_birth\n", 1), 422, "row 1 date_of_birth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", tt.path, tt.client, tt.contentType, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d: %s; want %d", resp.StatusCode, body, tt.want)
			}
			var p problem
			if err := json.Unmarshal(body, &p); err != nil || p.Detail == "" {
				t.Errorf("problem = %+v (%v)", p, err)
			}
			if tt.location != "" && !strings.Contains(string(body), `"location":"`+tt.location+`"`) {
				t.Errorf("no error at %q in %s", tt.location, body)
			}
		})
	}
	if n := e.queued(); n != 0 {
		t.Errorf("queued chunks = %d, want none", n)
	}
}

// TestPersonalDataNeverLeavesTheAPI: a JSON placement with an email, or a student reference that
// is a name, is refused at the API, and neither value travels to JetStream.
func TestPersonalDataNeverLeavesTheAPI(t *testing.T) {
	e := newEnv(t, defaultLimits)
	withEmail := strings.Replace(placementJSON, `"cohort"`, `"email": "jane.doe@example.ac.uk", "cohort"`, 1)
	named := strings.Replace(placementJSON, demoRef, "Jane Doe", 1)
	body := `{"placements": [` + strings.TrimSuffix(strings.TrimPrefix(withEmail, `{"placements": [`), `]}`) + `, ` +
		strings.TrimSuffix(strings.TrimPrefix(named, `{"placements": [`), `]}`) + `]}`
	resp, b := e.do("POST", "/v1/placements", "demo-university", "application/json", body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	s, _ := e.nats.JS.Stream(context.Background(), bus.StreamSubmissions)
	msg, err := s.GetLastMsgForSubject(context.Background(), bus.SubmitSubject(submission.KindPlacement, "10007799"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(msg.Data, []byte("jane")) || bytes.Contains(msg.Data, []byte("Jane")) {
		t.Errorf("personal data published: %s", msg.Data)
	}
	var env submission.Envelope
	if err := json.Unmarshal(msg.Data, &env); err != nil {
		t.Fatal(err)
	}
	fields := map[int]string{}
	for _, r := range env.Rejected {
		fields[r.Row] = r.Field
	}
	if fields[1] != "email" || fields[2] != "student_ref" {
		t.Errorf("rejected %+v, want row 1 email and row 2 student_ref", env.Rejected)
	}
}

func TestListStandard8(t *testing.T) {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " not set")
	}
	e := newEnv(t, defaultLimits)
	store := placement.NewStore(e.ch)
	ctx := context.Background()
	var body struct{ Placements []placement.Placement }
	if err := json.Unmarshal([]byte(placementJSON), &body); err != nil {
		t.Fatal(err)
	}
	rcv := placement.Received{SubmissionID: "s", SubmittedBy: "demo-university", ReceivedAt: time.Now()}
	other := body.Placements[0]
	other.Org = "10001282"
	if err := store.Insert(ctx, []placement.StoredPlacement{{Row: placement.Row{Row: 1, Placement: body.Placements[0]}, Received: rcv},
		{Row: placement.Row{Row: 2, Placement: other}, Received: rcv}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, client, query string
		want, rows          int
	}{
		{"a university reads its own", "demo-university", "", 200, 1},
		{"of one academic year", "demo-university", "?academic_year=2024/25", 200, 0},
		{"not another university's", "demo-university", "?org=10001282", 403, 0},
		{"a council has none", "demo-council", "", 200, 0},
		{"a steward reads any", "demo-steward", "?org=10001282", 200, 1},
		{"a steward names one", "demo-steward", "", 422, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do("GET", "/v1/placements"+tt.query, tt.client, "", "")
			var out struct{ Placements []placement.StoredPlacement }
			if resp.StatusCode != tt.want || (tt.want == 200 && (json.Unmarshal(b, &out) != nil || len(out.Placements) != tt.rows)) {
				t.Fatalf("status %d: %s; want %d with %d rows", resp.StatusCode, b, tt.want, tt.rows)
			}
		})
	}
	for _, path := range []string{"/v1/placement-capacity", "/v1/practice-educators"} {
		if resp, b := e.do("GET", path+"?org=E06000001", "demo-trust", "", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a trust reading a council's %s: %d %s", path, resp.StatusCode, b)
		}
		if resp, b := e.do("GET", path, "demo-trust", "", ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"org":"RX4"`) {
			t.Errorf("a trust reading its own %s: %d %s", path, resp.StatusCode, b)
		}
	}
}
