package hub_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/hub"
)

// as adds a demo client's HTTP client to r.
func (r *running) as(client string) string {
	if r.http[client] == nil {
		cc := clientcredentials.Config{ClientID: client, ClientSecret: hub.DemoSecret, TokenURL: r.s.Issuer + "/token"}
		r.http[client] = cc.Client(context.Background())
	}
	return client
}

// submitTo posts a body to path as client and returns the submission.
func (r *running) submitTo(client, path, body, key string) api.SubmissionRef {
	r.t.Helper()
	var ref api.SubmissionRef
	if code := r.do(r.as(client), "POST", path, "text/csv", strings.NewReader(body), &ref, "Idempotency-Key", key); code != http.StatusAccepted {
		r.t.Fatalf("submit %s: %d %+v", path, code, ref)
	}
	return ref
}

// TestStandard8ThroughTheHub: the demo loads the Standard 8 partnership through the API; a
// university reads only its own placements; a placement reported again as it progresses is one
// row, with its history kept.
func TestStandard8ThroughTheHub(t *testing.T) {
	r := startHub(t)
	placements := r.count("SELECT count() FROM placements FINAL")
	universities := r.count("SELECT uniqExact(org_code) FROM placements FINAL")
	if placements < 1000 || universities != 4 {
		t.Fatalf("demo placements %d from %d universities", placements, universities)
	}
	if n := r.count("SELECT count() FROM placements FINAL WHERE host_org NOT IN (SELECT code FROM organisations)"); n != 0 {
		t.Errorf("%d placements with an unknown host", n)
	}
	requested := r.count("SELECT sum(assumeNotNull(requested)) FROM placement_capacity FINAL WHERE requested IS NOT NULL")
	confirmed := r.count("SELECT sum(assumeNotNull(confirmed)) FROM placement_capacity FINAL WHERE confirmed IS NOT NULL")
	if confirmed == 0 || confirmed >= requested {
		t.Errorf("capacity: %d confirmed of %d requested, want a shortfall", confirmed, requested)
	}
	if n := r.count("SELECT count() FROM practice_educators FINAL"); n == 0 {
		t.Error("no practice educators")
	}

	var own struct{ Placements []placement.StoredPlacement }
	if code := r.do(r.as("demo-university"), "GET", "/v1/placements?academic_year=2025/26", "", nil, &own); code != http.StatusOK || len(own.Placements) == 0 {
		t.Fatalf("reading own placements: %d, %d rows", code, len(own.Placements))
	}
	for _, p := range own.Placements {
		if p.Org != placement.DemoUniversity {
			t.Fatalf("demo-university reads %s's placement", p.Org)
		}
	}

	// Report one placement again as deferred: still one row, now deferred, two in the history.
	p := own.Placements[0]
	p.Outcome, p.CompletedDays = placement.Deferred, new(int)
	var b strings.Builder
	if err := placement.Kind.Format.WriteCSV(&b, []placement.Placement{p.Placement}); err != nil {
		t.Fatal(err)
	}
	ref := r.submitTo("demo-university", "/v1/placements", b.String(), "deferred-"+p.StudentRef)
	if st := r.wait("demo-university", ref); st.Status != submission.StatusAccepted {
		t.Fatalf("status %+v", st)
	}
	if n := r.count("SELECT count() FROM placements FINAL"); n != placements {
		t.Errorf("placements %d after a resubmission, want %d", n, placements)
	}
	key := []any{p.Org, p.StudentRef, p.Cohort, p.Stage}
	if n := r.count("SELECT count() FROM placements FINAL WHERE org_code = ? AND student_ref = ? AND cohort = ? AND stage = ? AND outcome = 'deferred'", key...); n != 1 {
		t.Errorf("the latest report is not the one kept (%d deferred rows)", n)
	}
	if n := r.count("SELECT count() FROM placement_history FINAL WHERE org_code = ? AND student_ref = ? AND cohort = ? AND stage = ?", key...); n != 2 {
		t.Errorf("history holds %d reports, want 2", n)
	}

	// The demo trust may not send a council's practice educators.
	var problem struct{ Status int }
	if code := r.do(r.as("demo-trust"), "POST", "/v1/practice-educators", "text/csv", strings.NewReader("org,period,active\nE06000001,2025,3\n"), &problem); code != http.StatusForbidden {
		t.Errorf("trust sending a council's educators: %d", code)
	}
}
