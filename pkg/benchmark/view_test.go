package benchmark_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/reference"
)

// tables holds computed benchmarks in memory, as the benchmark tables hold them, so that the
// reader view is tested on what Compute gives without a database.
type tables struct{ res benchmark.Result }

func computed(ins ...benchmark.Input) *tables {
	t := &tables{}
	for _, in := range ins {
		r := benchmark.Compute(in, benchmark.Catalogue())
		t.res.Values = append(t.res.Values, r.Values...)
		t.res.Areas = append(t.res.Areas, r.Areas...)
	}
	return t
}

func (t *tables) Period(_ context.Context, period string) (*benchmark.Snapshot, error) {
	return benchmark.NewSnapshot(period, 0,
		filter(t.res.Areas, func(a benchmark.Area) bool { return a.Period == period }),
		filter(t.res.Values, func(v benchmark.Value) bool { return v.Period == period })), nil
}

func (t *tables) AreaPeriods(context.Context) ([]string, error) {
	var out []string
	for _, a := range t.res.Areas {
		if !slices.Contains(out, a.Period) {
			out = append(out, a.Period)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (t *tables) Neighbours() map[string][]string { return fixtureNeighbours }

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

type fixtureDirectory struct{}

func (fixtureDirectory) Organisations(context.Context) (map[string]reference.Organisation, error) {
	return fixtureOrgs, nil
}

// reader is a reader of the view: the organisations it may see by name, its own, and the areas
// hidden from it.
type reader struct {
	named  []string
	own    string
	all    bool
	hidden []string
}

func (r reader) Named(org string) bool     { return r.all || r.own == org || slices.Contains(r.named, org) }
func (r reader) Everyone() bool            { return r.all }
func (r reader) Own() string               { return r.own }
func (r reader) SeesArea(code string) bool { return !slices.Contains(r.hidden, code) }

var (
	steward  = reader{all: true}
	councilA = reader{own: "A"}
)

// North East: A 10 %, B 25 %; Inner London: C 0 %. A and C form an alliance across regions.
func viewInput(period string, vacanciesA float64) benchmark.Input {
	in := fixtureInput(nil)
	in.Period = period
	in.Returns = nil
	for _, r := range []struct {
		org               string
		inpost, vacancies float64
	}{{"A", 100 - vacanciesA, vacanciesA}, {"B", 150, 50}, {"C", 100, 0}} {
		ret := figures(r.org, "inpost_fte", r.inpost, "vacancy_fte", r.vacancies)
		ret.Period = period
		in.Returns = append(in.Returns, ret)
	}
	in.Alliances = []alliance.Alliance{{ID: "a-and-c", Name: "A and C", Members: []string{"A", "C"}}}
	return in
}

func vacancyOf(t *testing.T, sb benchmark.StandardBenchmarks) benchmark.MetricBenchmark {
	t.Helper()
	i := slices.IndexFunc(sb.Metrics, func(m benchmark.MetricBenchmark) bool { return m.Metric.ID == "vacancy_rate" })
	if i < 0 {
		t.Fatalf("no vacancy rate in %+v", sb)
	}
	return sb.Metrics[i]
}

func codes(figs []benchmark.OrgFigure) []string {
	var out []string
	for _, f := range figs {
		out = append(out, f.Code)
	}
	return out
}

// A reader sees by name whom it may, ranked among every contributor, and every area's figures.
func TestReaderViewNamesAndRanks(t *testing.T) {
	view := benchmark.NewReaderView(computed(viewInput("2024", 10)), fixtureDirectory{})
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		rd    reader
		named []string
	}{
		{"steward", steward, []string{"A", "B"}},
		{"council A", councilA, []string{"A"}},
		{"a reader naming B", reader{named: []string{"B"}}, []string{"B"}},
	} {
		sb, err := view.Standard(ctx, tt.rd, 2, "E12000001", "2024", "")
		if err != nil {
			t.Fatal(err)
		}
		m := vacancyOf(t, sb)
		if !slices.Equal(codes(m.Orgs), tt.named) || !near(m.RegionValue, 100*60.0/300) || m.Contributors != 2 {
			t.Errorf("%s: named %v, region %s from %d", tt.name, codes(m.Orgs), fmtPtr(m.RegionValue), m.Contributors)
		}
		for _, o := range m.Orgs {
			if want := map[string]int{"A": 1, "B": 2}[o.Code]; o.Rank != want || o.RankOf != 2 {
				t.Errorf("%s: %s ranked %d of %d, want %d of 2", tt.name, o.Code, o.Rank, o.RankOf, want)
			}
		}
	}
	if _, err := view.Standard(ctx, steward, 2, "E12000002", "2024", ""); !errors.Is(err, benchmark.ErrNotFound) {
		t.Errorf("an area without benchmarks: %v, want ErrNotFound", err)
	}
}

// A position names its statistical neighbours, with a value only for those the reader may see.
func TestReaderViewPosition(t *testing.T) {
	view := benchmark.NewReaderView(computed(viewInput("2024", 10)), fixtureDirectory{})
	for _, tt := range []struct {
		name   string
		rd     reader
		valueB bool
	}{{"steward", steward, true}, {"council A", councilA, false}} {
		sb, err := view.Standard(context.Background(), tt.rd, 2, "E12000001", "2024", "A")
		if err != nil {
			t.Fatal(err)
		}
		p := vacancyOf(t, sb).Position
		if p == nil || p.Code != "A" || !near(p.Value, 10) || p.Rank != 1 || p.RankOf != 2 || len(p.Neighbours) != 3 {
			t.Fatalf("%s: position %+v", tt.name, p)
		}
		if n := p.Neighbours[0]; n.Code != "B" || (n.Value != nil) != tt.valueB {
			t.Errorf("%s: neighbour %+v, value shown %v, want %v", tt.name, n, n.Value != nil, tt.valueB)
		}
	}
}

// A survey figure is protected for each reader: a council whose region has one other
// contributor does not get the region's figure, which less its own would be the other's.
func TestReaderViewProtectsSurveyFiguresPerReader(t *testing.T) {
	in := viewInput("2024", 10)
	in.Figures = []benchmark.Figures{surveyS2("A", 12, 100, 60), surveyS2("B", 15, 120, 90)}
	view := benchmark.NewReaderView(computed(in), fixtureDirectory{})
	agreement := func(rd reader) benchmark.MetricBenchmark {
		t.Helper()
		sb, err := view.Standard(context.Background(), rd, 2, "E12000001", "2024", "")
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(sb.Metrics, func(m benchmark.MetricBenchmark) bool { return m.Metric.ID == "survey_agreement_s2" })
		return sb.Metrics[i]
	}
	if m := agreement(steward); !near(m.RegionValue, 100*150.0/220) || m.RegionWithheld != "" || m.Respondents != 27 || m.Median == nil {
		t.Errorf("steward: region %s (%q) from %d respondents, median %s", fmtPtr(m.RegionValue), m.RegionWithheld, m.Respondents, fmtPtr(m.Median))
	}
	m := agreement(councilA)
	if m.RegionValue != nil || m.RegionWithheld != "secondary" || m.EnglandValue != nil || m.Median != nil {
		t.Errorf("council A: region %s (%q), England %s, median %s; want the region and England withheld, no median",
			fmtPtr(m.RegionValue), m.RegionWithheld, fmtPtr(m.EnglandValue), fmtPtr(m.Median))
	}
	if len(m.Orgs) != 1 || !near(m.Orgs[0].Value, 60) {
		t.Errorf("council A sees %+v, want its own figure only", m.Orgs)
	}
}

// An alliance is an area of its own, across region lines, for the readers who may see it.
func TestReaderViewAllianceArea(t *testing.T) {
	view := benchmark.NewReaderView(computed(viewInput("2024", 10)), fixtureDirectory{})
	sb, err := view.Standard(context.Background(), steward, 2, "a-and-c", "2024", "")
	if err != nil {
		t.Fatal(err)
	}
	m := vacancyOf(t, sb)
	if sb.Region != (benchmark.AreaRef{Code: "a-and-c", Name: "A and C", Level: benchmark.LevelAlliance}) || !near(m.RegionValue, 100*10.0/200) ||
		m.Contributors != 2 || !slices.Equal(codes(m.Orgs), []string{"A", "C"}) || !near(m.Median, 5) {
		t.Errorf("alliance %+v: %s from %d, named %v, median %s", sb.Region, fmtPtr(m.RegionValue), m.Contributors, codes(m.Orgs), fmtPtr(m.Median))
	}
	hidden := reader{own: "B", hidden: []string{"a-and-c"}}
	if _, err := view.Standard(context.Background(), hidden, 2, "a-and-c", "2024", ""); !errors.Is(err, benchmark.ErrNotFound) {
		t.Errorf("a reader who may not see the alliance: %v, want ErrNotFound", err)
	}
	if _, err := view.AreaTrend(context.Background(), hidden, benchmark.Standard2[0], "a-and-c"); !errors.Is(err, benchmark.ErrNotFound) {
		t.Errorf("its trend for a reader who may not see it: %v, want ErrNotFound", err)
	}
}

// An organisation's trend gives its value, its region's and England's in every period.
func TestReaderViewOrgTrend(t *testing.T) {
	view := benchmark.NewReaderView(computed(viewInput("2023", 20), viewInput("2024", 10)), fixtureDirectory{})
	tr, err := view.OrgTrend(context.Background(), councilA, benchmark.Standard2[0], "A")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Points) != 2 || tr.Region.Code != "E12000001" || tr.Name != "Hartlepool" {
		t.Fatalf("trend %+v", tr)
	}
	for i, want := range []struct{ value, region, england float64 }{{20, 100 * 70.0 / 300, 100 * 70.0 / 400}, {10, 100 * 60.0 / 300, 100 * 60.0 / 400}} {
		p := tr.Points[i]
		if !near(p.Value, want.value) || !near(p.RegionValue, want.region) || !near(p.EnglandValue, want.england) {
			t.Errorf("%s: %s, region %s, England %s; want %v", p.Period, fmtPtr(p.Value), fmtPtr(p.RegionValue), fmtPtr(p.EnglandValue), want)
		}
	}
	if _, err := view.OrgTrend(context.Background(), councilA, benchmark.Standard2[0], "Z"); !errors.Is(err, benchmark.ErrNotFound) {
		t.Errorf("an organisation without benchmarks: %v, want ErrNotFound", err)
	}
}
