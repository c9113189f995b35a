package ingest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }

// checkAndStore runs a kind on one CSV chunk as the API would send it, and stores what passes.
func checkAndStore(t *testing.T, k Kind, env submission.Envelope, encode func() ([]byte, error)) submission.ChunkResult {
	t.Helper()
	wire, err := encode()
	if err != nil {
		t.Fatal(err)
	}
	env.Rows, env.ID, env.Kind, env.Submitter, env.ReceivedAt = wire, "sub-1", k.Name(), "test", fixedNow()
	b := k.Check(context.Background(), []submission.Envelope{env})
	c, err := b.Chunk(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Store(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c.Result
}

func TestAuditRows(t *testing.T) {
	h := newHarness(t)
	k := h.handler(audit.Kind)
	csv := "org,cycle,item,rating,evidence,priority,action,owner,due\n" +
		"E06000001,2026,S2.1,AMBER,Plan reviewed,HIGH,Recruit,Head of Service,2027-01-31\n" + // 2 good
		"E06000001,2026,S9.1,RED,Gaps,HIGH,,,\n" + // 3 unknown item
		"E06000001,2026,S2.2,BLUE,Gaps,HIGH,,,\n" + // 4 rating outside the scale
		"E06000001,2026,S2.3,RED,<img src=x onerror=alert(1)>,HIGH,,,\n" + // 5 markup
		"E06000001,2026,S2.4,RED,\"bell\a\",HIGH,,,\n" + // 6 control character
		"E06000001,2027,S2.4,RED,Gaps,HIGH,,,\n" + // 7 future cycle
		"E06000002,2026,S2.4,RED,Gaps,HIGH,,,\n" + // 8 another organisation
		"E06000001,2026,S3.1,GREEN,Fine,LOW,,,\n" // 9 good
	res := checkAndStore(t, k, submission.Envelope{Org: "E06000001", Roles: []string{auth.RoleSubmitter}}, chunk(t, audit.Kind, csv))
	want := map[int]string{3: "item", 4: "rating", 5: "evidence", 6: "evidence", 7: "cycle", 8: "org"}
	if res.Accepted != 2 || len(res.Rejected) != len(want) {
		t.Fatalf("result %+v", res)
	}
	for _, e := range res.Rejected {
		if want[e.Row] != e.Field || e.Reason == "" {
			t.Errorf("unexpected rejection %+v", e)
		}
	}
	latest, err := audit.NewStore(h.conn).Latest(context.Background(), 2026, []string{"E06000001"})
	if err != nil || len(latest) != 2 || latest[0].Item != "S2.1" || latest[0].Owner != "Head of Service" {
		t.Errorf("stored %+v (%v)", latest, err)
	}
}

func TestSurveyRows(t *testing.T) {
	h := newHarness(t)
	k := h.handler(survey.Kind)
	csv := "org,year,question,group,strongly_disagree,disagree,neutral,agree,strongly_agree,n\n" +
		"E06000002,2026,Q2.1,manager,1,1,1,5,4,12\n" + // 2 good, another org: fine for a provider
		"E06000001,2026,Q2.1,manager,1,1,1,5,4,13\n" + // 3 does not add up
		"E06000001,2027,Q2.1,manager,1,1,1,5,4,12\n" + // 4 future year
		"E06000001,2026,Q0.1,manager,1,1,1,5,4,12\n" + // 5 unknown question
		"E99999999,2026,Q2.1,manager,1,1,1,5,4,12\n" + // 6 unknown organisation
		"E06000001,2026,Q2.1,manager,1,1,1,5,four,12\n" // 7 not a number: refused by the API already
	d, err := survey.Kind.ReadAll(kind.Body{R: strings.NewReader(csv), CSV: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rejected) != 1 || d.Rejected[0].Row != 7 || d.Rejected[0].Field != "strongly_agree" {
		t.Fatalf("decoded rejections %+v", d.Rejected)
	}
	wire := func(rows []kind.Row[survey.GroupResult]) func() ([]byte, error) {
		return func() ([]byte, error) { return survey.Kind.Format.Encode(rows) }
	}
	res := checkAndStore(t, k, submission.Envelope{Roles: []string{auth.RoleSurveyProvider}}, wire(d.Rows))
	want := map[int]string{3: "n", 4: "year", 5: "question", 6: "org"}
	if res.Accepted != 1 || len(res.Rejected) != len(want) {
		t.Fatalf("result %+v", res)
	}
	for _, e := range res.Rejected {
		if want[e.Row] != e.Field {
			t.Errorf("unexpected rejection %+v", e)
		}
	}
	// A submitter (not a survey provider) may only report for itself, behind the API's check.
	res = checkAndStore(t, k, submission.Envelope{Org: "E06000001", Roles: []string{auth.RoleSubmitter}},
		wire(d.Rows[:1]))
	if res.Accepted != 0 || len(res.Rejected) != 1 || res.Rejected[0].Field != "org" {
		t.Errorf("submitter for another organisation: %+v", res)
	}
}
