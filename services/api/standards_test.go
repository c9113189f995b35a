package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/submission"
)

const (
	auditJSON  = `{"items": [{"org": "E06000001", "cycle": "2026", "item": "S2.1", "rating": "AMBER", "evidence": "Plan reviewed", "priority": "HIGH"}]}`
	surveyJSON = `{"results": [{"org": "E06000002", "year": "2026", "question": "Q2.1", "group": "manager", "strongly_disagree": 1, "disagree": 1, "neutral": 1, "agree": 5, "strongly_agree": 4, "n": 12}]}`
	surveyCSV  = "org,year,question,group,strongly_disagree,disagree,neutral,agree,strongly_agree,n\n"
)

func TestSubmitSurveyAndAudit(t *testing.T) {
	e := newEnv(t, defaultLimits)
	tests := []struct {
		name, path, client, contentType, body string
		want, rows                            int
		kind                                  string
	}{
		{"a council's audit", "/v1/audit-submissions", "demo-council", "application/json", auditJSON, 202, 1, submission.KindAudit},
		{"a council's audit as CSV, one row unreadable", "/v1/audit-submissions", "demo-council", "text/csv",
			"org,cycle,item,rating,evidence,priority\nE06000001,2026,S2.1,RED,\"Gaps, see plan\",HIGH\nE06000001,2026,S2.2\n", 202, 2, submission.KindAudit},
		{"a steward's audit for any council", "/v1/audit-submissions", "demo-steward", "application/json", auditJSON, 202, 1, submission.KindAudit},
		{"a survey provider's results for any council", "/v1/survey-results", "survey", "application/json", surveyJSON, 202, 1, submission.KindSurvey},
		{"a council's own survey results", "/v1/survey-results", "demo-council", "text/csv", surveyCSV + "E06000001,2026,Q2.1,manager,1,1,1,5,4,12\n", 202, 1, submission.KindSurvey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", tt.path, tt.client, tt.contentType, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var ref struct {
				ID   string `json:"id"`
				Rows int    `json:"rows"`
			}
			if err := json.Unmarshal(body, &ref); err != nil || ref.Rows != tt.rows {
				t.Fatalf("ref %s (%v), want %d rows", body, err, tt.rows)
			}
			s, _ := e.nats.JS.Stream(context.Background(), bus.StreamSubmissions)
			org := map[string]string{"demo-council": "E06000001"}[tt.client] // others act for no organisation
			msg, err := s.GetLastMsgForSubject(context.Background(), bus.SubmitSubject(tt.kind, org))
			if err != nil {
				t.Fatal(err)
			}
			var env submission.Envelope
			if err := json.Unmarshal(msg.Data, &env); err != nil || env.ID != ref.ID || env.Kind != tt.kind {
				t.Errorf("envelope %+v (%v)", env, err)
			}
		})
	}
}

func TestSurveyAndAuditRefusals(t *testing.T) {
	e := newEnv(t, defaultLimits)
	tests := []struct {
		name, path, client, contentType, body string
		want                                  int
		location                              string
	}{
		{"a council's audit naming another council", "/v1/audit-submissions", "other-council", "application/json", auditJSON, 403, "row 1 org"},
		{"a survey provider may not send audits", "/v1/audit-submissions", "survey", "application/json", auditJSON, 403, ""},
		{"an analyst may not send audits", "/v1/audit-submissions", "demo-analyst", "application/json", auditJSON, 403, ""},
		{"a council's survey results for another council", "/v1/survey-results", "demo-council", "application/json", surveyJSON, 403, "row 1 org"},
		{"an analyst may not send survey results", "/v1/survey-results", "demo-analyst", "application/json", surveyJSON, 403, ""},
		{"an unknown survey column", "/v1/survey-results", "survey", "text/csv", "org,year,question,group,n,respondent_name\nE06000001,2026,Q2.1,manager,1,X\n", 422, "row 1 respondent_name"},
		{"a survey CSV missing the counts", "/v1/survey-results", "survey", "text/csv", "org,year,question,group\nE06000001,2026,Q2.1,manager\n", 422, ""},
		{"roles in the body", "/v1/audit-submissions", "demo-council", "application/json", `{"items": [], "roles": ["steward"]}`, 422, ""},
		{"XML", "/v1/survey-results", "survey", "application/xml", "<results/>", 415, ""},
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
	if n := e.queued(); n != 0 {
		t.Errorf("queued chunks = %d, want none", n)
	}
	for _, path := range []string{"/v1/audits/rag-mix?cycle=2026&region=E12000001", "/v1/surveys/agreement?year=2026&region=E12000001", "/v1/triangulation?cycle=2026&region=E12000001"} {
		if resp, body := e.do("GET", path, "survey", "", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("survey provider reading %s: %d %s, want 403", path, resp.StatusCode, body)
		}
	}
	if resp, body := e.do("GET", "/v1/audits/action-plan?cycle=2026&org=E06000001", "other-council", "", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another council's action plan: %d %s, want 403", resp.StatusCode, body)
	}
}

// TestSurveyAndAuditAnswersSayWhenComputed: the health-check and audit answers, computed at each
// request, say when (computed_at, UTC), as the benchmarks say when theirs were computed.
func TestSurveyAndAuditAnswersSayWhenComputed(t *testing.T) {
	e := newEnv(t, defaultLimits)
	for _, path := range []string{"/v1/surveys/agreement?year=2026&region=E12000001", "/v1/triangulation?cycle=2026&region=E12000001",
		"/v1/audits/rag-mix?cycle=2026&region=E12000001", "/v1/audits/action-plan?cycle=2026&org=E06000001"} {
		t.Run(path, func(t *testing.T) {
			before := time.Now().UTC().Truncate(time.Second)
			resp, body := e.do("GET", path, "demo-council", "", "")
			after := time.Now().UTC()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var answer struct {
				ComputedAt *time.Time `json:"computed_at"`
			}
			if err := json.Unmarshal(body, &answer); err != nil || answer.ComputedAt == nil {
				t.Fatalf("no computed_at in %s (%v)", body, err)
			}
			if at := *answer.ComputedAt; at.Before(before) || at.After(after) || at.Location() != time.UTC {
				t.Errorf("computed_at %s, want the time of the request (%s to %s) in UTC", at, before, after)
			}
		})
	}
}
