package benchmark_test

import (
	"context"
	"math"
	"testing"

	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

func (s *sources) insertDemand(rs ...demand.Return) {
	s.t.Helper()
	at := s.next()
	rows := make([]demand.Stored, len(rs))
	for i, r := range rs {
		if errs, _ := demand.Validate(r, s.today); len(errs) > 0 {
			s.t.Fatalf("demand %s: %v", r.Org, errs)
		}
		rows[i] = demand.Stored{Row: demand.Row{Row: i + 2, Return: r}, SubmissionID: "d", SubmittedBy: "test", ReceivedAt: at}
	}
	if err := demand.NewStore(s.conn).Insert(s.ctx, rows); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sources) insertReturns(rs ...workforce.Return) {
	s.t.Helper()
	at := s.next()
	rows := make([]workforce.Stored, len(rs))
	for i, r := range rs {
		rows[i] = workforce.Stored{Row: workforce.Row{Row: i + 2, Return: r}, SubmissionID: "w", SubmittedBy: "test", ReceivedAt: at}
	}
	if err := workforce.NewStore(s.conn).Insert(s.ctx, rows); err != nil {
		s.t.Fatal(err)
	}
}

// The demand metrics by hand: Hartlepool 1341 children in need and 332 looked after of 21090
// children, 95 case-holders; Middlesbrough 2000 in need, 500 looked after of 35617, 100
// case-holders; Redcar's population confidential. The demand year to 31 March 2025 goes with the
// workforce snapshot of 30 September 2025: period 2025.
func TestDemandMetrics(t *testing.T) {
	src, store := newSources(t)
	src.insertReturns(
		workforce.Return{Org: hartlepool, Period: "2025", InpostFTE: measure.Of(150), CaseHoldersFTE: measure.Of(95)},
		workforce.Return{Org: middlesbrough, Period: "2025", InpostFTE: measure.Of(160), CaseHoldersFTE: measure.Of(100)},
	)
	src.insertDemand(
		demand.Return{Org: hartlepool, Period: "2025", CINAt31March: measure.Of(1341), CLAAt31March: measure.Of(332), ChildPopulation: measure.Of(21090)},
		demand.Return{Org: middlesbrough, Period: "2025", CINAt31March: measure.Of(2000), CLAAt31March: measure.Of(500), ChildPopulation: measure.Of(35617)},
		demand.Return{Org: redcar, Period: "2025", CINAt31March: measure.Of(900), ChildPopulation: measure.Unknown(measure.Confidential)},
	)
	vs, as := read(t, store, "2025")
	checkValues(t, vs, []valueWant{
		{"children_in_need_per_10000", hartlepool, 1341.0 / 21090 * 10000, ""},
		{"children_in_need_per_10000", redcar, math.NaN(), "child_population unknown (c)"},
		{"children_in_need_per_case_holder", hartlepool, 1341.0 / 95, ""},
		{"children_in_need_per_case_holder", redcar, math.NaN(), "case_holders_fte unknown (not reported)"},
		{"children_looked_after_per_10000", middlesbrough, 500.0 / 35617 * 10000, ""},
	})
	checkAreas(t, as, []areaWant{
		{"children_in_need_per_10000", northEast, (1341.0 + 2000) / (21090 + 35617) * 10000, 2, 1},
		{"children_in_need_per_case_holder", reference.England, (1341.0 + 2000) / (95 + 100), 2, 1},
		{"children_looked_after_per_10000", northEast, (332.0 + 500) / (21090 + 35617) * 10000, 2, 0},
	})

	// The projection inputs of the period, from the same figures.
	orgs, err := projection.NewInputStore(src.conn).Orgs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]projection.Org{}
	for _, o := range orgs {
		byCode[o.Code] = o
	}
	h := byCode[hartlepool]
	if len(h.Years) != 1 || h.Years[0].Year != 2025 || h.Years[0].Inpost != measure.Of(150) || h.Years[0].ChildrenInNeed != measure.Of(1341) ||
		h.Name != "Hartlepool" || len(h.Areas) < 2 || h.Areas[0] != northEast {
		t.Errorf("Hartlepool's inputs %+v", h)
	}
	if r := byCode[redcar]; len(r.Years) != 1 || r.Years[0].ChildPopulation != measure.Unknown(measure.Confidential) {
		t.Errorf("Redcar's inputs %+v", r)
	}
}

// A joint return's authorities have their demand counted under it when the joint return reports
// the workforce: Kingston upon Thames with Richmond upon Thames.
func TestDemandOfJointReturn(t *testing.T) {
	const kingston, richmond, joint = "E09000021", "E09000027", "E09000021_E09000027"
	src, store := newSources(t)
	src.insertReturns(workforce.Return{Org: joint, Period: "2025", InpostFTE: measure.Of(200), CaseHoldersFTE: measure.Of(120)})
	src.insertDemand(
		demand.Return{Org: kingston, Period: "2025", CINAt31March: measure.Of(800), ChildPopulation: measure.Of(40000)},
		demand.Return{Org: richmond, Period: "2025", CINAt31March: measure.Of(700), ChildPopulation: measure.Unknown(measure.Unavailable)},
	)
	ctx := context.Background()
	if _, err := store.Recompute(ctx, "2025"); err != nil {
		t.Fatal(err)
	}
	values, err := store.OrgValues(ctx, "2025", []string{kingston, richmond, joint})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range values {
		if v.Metric == "children_in_need_per_case_holder" || v.Metric == "children_in_need_per_10000" {
			got[v.Metric+" "+v.Org] = fmtPtr(v.Value) + " " + v.Reason
		}
	}
	want := map[string]string{
		"children_in_need_per_case_holder " + joint: fmtPtr(ptrTo(1500.0/120)) + " ",
		"children_in_need_per_10000 " + joint:       "null child_population unknown (x)",
	}
	if len(got) != len(want) {
		t.Fatalf("values %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

func ptrTo(x float64) *float64 { return &x }
