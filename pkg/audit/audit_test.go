package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
)

var today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func framework(t *testing.T) *audit.Framework {
	t.Helper()
	fw, err := audit.LoadFramework()
	if err != nil {
		t.Fatal(err)
	}
	return fw
}

func TestFramework(t *testing.T) {
	fw := framework(t)
	if len(fw.Standards) != 8 {
		t.Errorf("standards = %d, want 8", len(fw.Standards))
	}
	for _, tt := range []struct {
		cycle   int
		version string
	}{{2020, "2020"}, {2024, "2020"}, {2025, "2025"}, {2030, "2025"}} {
		if v, ok := fw.VersionFor(tt.cycle); !ok || v.Version != tt.version {
			t.Errorf("cycle %d: version %+v, want %s", tt.cycle, v, tt.version)
		}
	}
	if _, ok := fw.Item("2020", "S3.4"); ok {
		t.Error("S3.4 should be new in 2025")
	}
	if _, ok := fw.Item("2025", "S6.4"); ok {
		t.Error("S6.4 should be merged away in 2025")
	}
	for _, v := range fw.Versions {
		seen := map[int]bool{}
		for _, it := range fw.ItemsOf(v.Version) {
			seen[it.Standard] = true
		}
		if len(seen) != 8 {
			t.Errorf("version %s covers %d standards, want 8", v.Version, len(seen))
		}
	}
}

func TestValidate(t *testing.T) {
	fw := framework(t)
	good := audit.Rating{Org: "E06000001", Cycle: 2026, Item: "S3.4", Rating: "amber", Evidence: "Caseloads reviewed monthly.\nSee the dashboard.", Priority: "high",
		Action: "Recruit two team managers", Owner: "Head of Service", Due: "2027-01-31"}
	tests := []struct {
		name   string
		change func(r *audit.Rating)
		field  string
	}{
		{"good", func(r *audit.Rating) {}, ""},
		{"no action at all", func(r *audit.Rating) { r.Action, r.Owner, r.Due = "", "", "" }, ""},
		{"unknown item", func(r *audit.Rating) { r.Item = "S9.1" }, "item"},
		{"item of another framework version", func(r *audit.Rating) { r.Cycle = 2022 }, "item"},
		{"rating outside the scale", func(r *audit.Rating) { r.Rating = "PURPLE" }, "rating"},
		{"priority outside the scale", func(r *audit.Rating) { r.Priority = "URGENT" }, "priority"},
		{"cycle in the future", func(r *audit.Rating) { r.Cycle = 2027 }, "cycle"},
		{"cycle not a year", func(r *audit.Rating) { r.Cycle = 26 }, "cycle"},
		{"no evidence", func(r *audit.Rating) { r.Evidence = "" }, "evidence"},
		{"markup in evidence", func(r *audit.Rating) { r.Evidence = `Fine <script>alert(1)</script>` }, "evidence"},
		{"a lone > in evidence", func(r *audit.Rating) { r.Evidence = "caseload > 20" }, "evidence"},
		{"control character in evidence", func(r *audit.Rating) { r.Evidence = "ok\x1b[31m" }, "evidence"},
		{"bidi override in evidence", func(r *audit.Rating) { r.Evidence = "ok \u202e reversed" }, "evidence"},
		{"formula in evidence", func(r *audit.Rating) { r.Evidence = "=HYPERLINK(\"x\")" }, "evidence"},
		{"evidence too long", func(r *audit.Rating) { r.Evidence = strings.Repeat("é", audit.MaxEvidence+1) }, "evidence"},
		{"markup in action", func(r *audit.Rating) { r.Action = "<b>now</b>" }, "action"},
		{"action without owner", func(r *audit.Rating) { r.Owner = "" }, "action"},
		{"bad due date", func(r *audit.Rating) { r.Due = "31/01/2027" }, "due"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.change(&r)
			c, errs := audit.Validate(r, fw, today)
			if tt.field == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %+v, want none", errs)
				}
				if c.Standard != 3 || c.Version != "2025" || c.CycleYear != 2026 {
					t.Errorf("checked = %+v", c)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.field || errs[0].Reason == "" {
				t.Fatalf("errors %+v, want one on %s", errs, tt.field)
			}
		})
	}
}

func stored(org, item, rating, priority, due string, at time.Time) audit.Stored {
	fw, _ := audit.LoadFramework()
	r := audit.Rating{Org: org, Cycle: 2026, Item: item, Rating: rating, Evidence: "evidence for " + item, Priority: priority, Due: due}
	if due != "" {
		r.Action, r.Owner = "act on "+item, "Principal Social Worker"
	}
	c, errs := audit.Validate(r, fw, today)
	if len(errs) > 0 {
		panic(errs)
	}
	return audit.Stored{Checked: c, SubmissionID: at.Format(time.RFC3339), SubmittedBy: "test", ReceivedAt: at}
}

func TestBuildPlan(t *testing.T) {
	fw := framework(t)
	at := today.Add(-time.Hour)
	latest := []audit.Stored{
		stored("E06000001", "S5.1", "amber", "high", "2026-12-31", at),
		stored("E06000001", "S2.1", "red", "high", "2026-11-01", at),
		stored("E06000001", "S1.1", "green", "high", "", at),
		stored("E06000001", "S3.2", "red", "low", "", at),
		stored("E06000001", "S2.3", "amber", "medium", "2026-06-30", at),
		stored("E06000002", "S1.1", "red", "high", "", at),
	}
	p := audit.BuildPlan(fw, "E06000001", 2026, latest, today)
	var got []string
	for _, it := range p.Items {
		got = append(got, it.Item)
	}
	if want := "S2.1 S5.1 S2.3 S3.2"; strings.Join(got, " ") != want {
		t.Errorf("plan order %v, want %s (priority, then standard)", got, want)
	}
	if p.Overdue != 2 || !p.Items[0].Overdue || p.Items[0].DaysOverdue != 22 || p.Items[1].Overdue {
		t.Errorf("overdue = %d, items %+v", p.Overdue, p.Items)
	}
	if p.WithoutAction != 1 || p.FrameworkVersion != "2025" || p.Items[0].Title == "" {
		t.Errorf("plan = %+v", p)
	}
	var b bytes.Buffer
	if err := p.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(b.String(), "\r\n"); lines != 5 || !strings.HasPrefix(b.String(), "org,cycle,item,") {
		t.Errorf("CSV:\n%s", b.String())
	}
}

// Free text that a spreadsheet would run as a formula (evidence may begin with "-") reaches the
// action plan's CSV behind an apostrophe; the numbers stay numbers.
func TestPlanCSVIsSafeForSpreadsheets(t *testing.T) {
	r := stored("E06000001", "S2.1", "red", "high", "2026-01-01", today)
	r.Evidence, r.Action, r.Owner = "- caseloads reviewed monthly", "-1+1 review", "-Principal Social Worker"
	p := audit.BuildPlan(framework(t), "E06000001", 2026, []audit.Stored{r}, today)
	var b bytes.Buffer
	if err := p.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("CSV %q: %v", b.String(), err)
	}
	row := map[string]string{}
	for i, col := range recs[0] {
		row[col] = recs[1][i]
	}
	for col, want := range map[string]string{"evidence": "'- caseloads reviewed monthly", "action": "'-1+1 review",
		"owner": "'-Principal Social Worker", "cycle": "2026", "standard": "2"} {
		if row[col] != want {
			t.Errorf("%s = %q, want %q", col, row[col], want)
		}
	}
}

func TestMix(t *testing.T) {
	at := today
	m := audit.Mixes([]audit.Stored{
		stored("E06000001", "S2.1", "red", "high", "", at), stored("E06000001", "S2.2", "green", "low", "", at),
		stored("E06000001", "S2.3", "green", "low", "", at), stored("E06000001", "S1.1", "amber", "low", "", at),
	})
	s2 := m["E06000001"][2]
	if s2.Rated != 3 || s2.Red != 1 || s2.Green != 2 || s2.GreenShare != 66.7 || s2.Overall() != audit.Green {
		t.Errorf("standard 2 mix = %+v overall %s", s2, s2.Overall())
	}
	for _, tt := range []struct {
		m    audit.Mix
		want string
	}{{audit.Mix{Rated: 2, Red: 1, Green: 1}, audit.Amber}, {audit.Mix{Rated: 3, Red: 2, Green: 1}, audit.Red}, {audit.Mix{}, ""}} {
		if got := tt.m.Overall(); got != tt.want {
			t.Errorf("%+v: overall %q, want %q", tt.m, got, tt.want)
		}
	}
	if c := audit.Combine(s2, m["E06000001"][1]); c.Rated != 4 || c.Amber != 1 || c.RedShare != 25 {
		t.Errorf("combined = %+v", c)
	}
}

// A later rating of an item replaces the earlier one as current and the earlier one is kept; a
// redelivered chunk replaces itself.
func TestStoreHistory(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := audit.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	s := audit.NewStore(conn)
	first := stored("E06000001", "S2.1", "red", "high", "2026-12-31", today.Add(-48*time.Hour))
	second := stored("E06000001", "S2.1", "green", "low", "", today)
	other := stored("E06000001", "S3.1", "amber", "medium", "", today.Add(-48*time.Hour))
	for _, batch := range [][]audit.Stored{{first, other}, {first, other}, {second}} {
		if err := s.Insert(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := s.Latest(ctx, 2026, []string{"E06000001"})
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 2 || latest[0].Item != "S2.1" || latest[0].Rating.Rating != "green" || latest[1].Rating.Rating != "amber" {
		t.Fatalf("latest = %+v", latest)
	}
	var history uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM audit_ratings FINAL WHERE item_id = 'S2.1'").Scan(&history); err != nil || history != 2 {
		t.Errorf("history rows of S2.1 = %d (%v), want 2", history, err)
	}
	var items uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM audit_items FINAL WHERE version = '2025'").Scan(&items); err != nil || items == 0 {
		t.Errorf("seeded 2025 items = %d (%v)", items, err)
	}
}
