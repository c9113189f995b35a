package survey_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/disclosure"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/survey"
)

var today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestValidate(t *testing.T) {
	good := survey.GroupResult{Org: "E06000001", Year: 2026, Question: "Q2.1", Group: "social_worker",
		StronglyDisagree: 1, Disagree: 2, Neutral: 3, Agree: 4, StronglyAgree: 5, N: 15}
	tests := []struct {
		name   string
		change func(r *survey.GroupResult)
		field  string
	}{
		{"good", func(r *survey.GroupResult) {}, ""},
		{"counts do not add up to n", func(r *survey.GroupResult) { r.N = 16 }, "n"},
		{"n zero", func(r *survey.GroupResult) {
			*r = survey.GroupResult{Org: r.Org, Year: r.Year, Question: r.Question, Group: r.Group}
		}, "n"},
		{"negative count", func(r *survey.GroupResult) { r.Agree, r.StronglyAgree = -1, 10 }, "agree"},
		{"year in the future", func(r *survey.GroupResult) { r.Year = 2027 }, "year"},
		{"year not a year", func(r *survey.GroupResult) { r.Year = 26 }, "year"},
		{"unknown question", func(r *survey.GroupResult) { r.Question = "Q9.9" }, "question"},
		{"unknown group", func(r *survey.GroupResult) { r.Group = "everyone" }, "group"},
		{"no organisation", func(r *survey.GroupResult) { r.Org = "" }, "org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.change(&r)
			c, errs := survey.Validate(r, today)
			if tt.field == "" {
				if len(errs) != 0 || c.Standard != 2 || c.YearNumber != 2026 {
					t.Fatalf("errors %+v, checked %+v", errs, c)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.field {
				t.Fatalf("errors %+v, want one on %s", errs, tt.field)
			}
		})
	}
}

func TestReadTidiesAndRefusesRepeats(t *testing.T) {
	d, err := survey.Kind.ReadAll(kind.Body{CSV: true, R: strings.NewReader("org,year,question,group,strongly_disagree,disagree,neutral,agree,strongly_agree,n\n" +
		"e06000001,2026,q2.1,Social_Worker,1,2,3,4,5,15\n" +
		"E06000001,2026,Q2.2,manager,1,two,3,4,5,15\n" +
		"E06000001,2026,Q2.1,social_worker,1,2,3,4,5,15\n")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 1 || d.Rows[0].Value.Question != "Q2.1" || d.Rows[0].Value.Org != "E06000001" || d.Rows[0].Value.Group != "social_worker" || d.Rows[0].Value.N != 15 {
		t.Fatalf("rows = %+v", d.Rows)
	}
	if len(d.Rejected) != 2 || d.Rejected[0].Row != 3 || d.Rejected[0].Field != "disagree" || d.Rejected[1].Row != 4 {
		t.Fatalf("rejected = %+v", d.Rejected)
	}
}

func cell(org, group string, n, agreeing int) survey.Cell {
	return survey.Cell{Org: org, Standard: 2, Group: group, Respondents: n, Answers: 2 * n, Agreeing: 2 * agreeing}
}

func org(code string, visible bool) survey.Org {
	return survey.Org{Code: code, Name: code, Visible: visible}
}

func shown(f survey.Figure) bool { return f.PercentAgree != nil }

// Cases built to leak: each would give a withheld figure away by subtraction if only the
// primary suppression were applied.
func TestAgreementDisclosure(t *testing.T) {
	t.Run("one small group beside its organisation's total", func(t *testing.T) {
		got := survey.Agreement([]survey.Cell{
			cell("A", "social_worker", 40, 30), cell("A", "manager", 4, 1), cell("A", "newly_qualified", 20, 10),
			cell("B", "social_worker", 50, 30), cell("B", "manager", 12, 6), cell("B", "newly_qualified", 15, 10),
		}, []survey.Org{org("A", true), org("B", true)})
		a := got[0].Organisations[0]
		if a.Groups[1].Group != "newly_qualified" || a.Groups[2].Group != "manager" || a.Groups[2].Withheld != string(disclosure.Primary) {
			t.Fatalf("A's groups = %+v", a.Groups)
		}
		// With A's total shown, not every other group of A may be shown.
		if shown(a.All) && shown(a.Groups[0].Figure) && shown(a.Groups[1].Figure) {
			t.Errorf("A's total and every other group are shown: the managers' figure is their difference")
		}
		// And in the managers' column, the region's figure less B's would give it away.
		mgr := got[0].RegionGroups[2]
		if mgr.Group != "manager" || (shown(mgr.Figure) && shown(got[0].Organisations[1].Groups[2].Figure)) {
			t.Errorf("regional managers %+v and B's managers both shown", mgr)
		}
	})
	t.Run("a small organisation beside the region", func(t *testing.T) {
		got := survey.Agreement([]survey.Cell{
			cell("A", "social_worker", 6, 3), cell("B", "social_worker", 50, 30), cell("C", "social_worker", 45, 20),
		}, []survey.Org{org("A", true), org("B", true), org("C", true)})
		s := got[0]
		if shown(s.Organisations[0].All) {
			t.Fatal("A, from 6 respondents, is shown")
		}
		if shown(s.Region) && shown(s.Organisations[1].All) && shown(s.Organisations[2].All) {
			t.Error("the region and every other organisation are shown: A is the difference")
		}
	})
	t.Run("a submitter in a region of two", func(t *testing.T) {
		got := survey.Agreement([]survey.Cell{
			cell("A", "social_worker", 40, 30), cell("B", "social_worker", 50, 30),
		}, []survey.Org{org("A", true), org("B", false)})
		s := got[0]
		if len(s.Organisations) != 1 || s.Organisations[0].Org != "A" || !shown(s.Organisations[0].All) {
			t.Fatalf("organisations = %+v, want A only, shown", s.Organisations)
		}
		if shown(s.Region) {
			t.Error("the region is shown beside A: B is the difference")
		}
	})
	t.Run("large enough: everything shown, ratio of sums", func(t *testing.T) {
		got := survey.Agreement([]survey.Cell{cell("A", "social_worker", 40, 30), cell("B", "social_worker", 60, 30)},
			[]survey.Org{org("A", true), org("B", true)})
		s := got[0]
		if !shown(s.Region) || *s.Region.PercentAgree != 60 || *s.Region.Respondents != 100 || *s.Organisations[0].All.PercentAgree != 75 {
			t.Errorf("region %+v, A %+v", s.Region, s.Organisations[0].All)
		}
	})
}

func TestQuartiles(t *testing.T) {
	if _, _, ok := survey.Quartiles([]float64{1, 2, 3}); ok {
		t.Error("three values gave quartiles")
	}
	q1, q3, ok := survey.Quartiles([]float64{40, 10, 30, 20, 50})
	if !ok || q1 != 20 || q3 != 40 {
		t.Errorf("quartiles %v %v", q1, q3)
	}
}

func TestStoreCells(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := survey.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	s := survey.NewStore(conn)
	mk := func(q, group string, agree, n int, at time.Time) survey.Stored {
		r := survey.GroupResult{Org: "E06000001", Year: 2026, Question: q, Group: group, Agree: agree, Neutral: n - agree, N: n}
		c, errs := survey.Validate(r, today)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return survey.Stored{Checked: c, SubmissionID: "s", SubmittedBy: "test", ReceivedAt: at}
	}
	old := today.Add(-time.Hour)
	if err := s.Insert(ctx, []survey.Stored{mk("Q2.1", "manager", 1, 12, old), mk("Q2.2", "manager", 5, 10, old)}); err != nil {
		t.Fatal(err)
	}
	// A newer result for Q2.1 replaces the older one.
	if err := s.Insert(ctx, []survey.Stored{mk("Q2.1", "manager", 8, 14, today)}); err != nil {
		t.Fatal(err)
	}
	cells, err := s.Cells(ctx, 2026, []string{"E06000001"})
	if err != nil {
		t.Fatal(err)
	}
	want := survey.Cell{Org: "E06000001", Standard: 2, Group: "manager", Respondents: 14, Answers: 24, Agreeing: 13}
	if len(cells) != 1 || cells[0] != want {
		t.Errorf("cells = %+v, want %+v", cells, want)
	}
}
