package benchmark_test

import (
	"math"
	"slices"
	"testing"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/disclosure"
)

// surveyS2 gives an organisation's Standard 2 health-check figures.
func surveyS2(org string, respondents, answers, agreeing int) benchmark.Figures {
	return orgFigures(org, benchmark.FigSurveyRespondents(2), respondents, benchmark.FigSurveyAnswers(2), answers,
		benchmark.FigSurveyAgreeing(2), agreeing)
}

// A survey figure from fewer than 10 respondents is withheld, and so is whatever would let it be
// worked out from the published figures; the withheld ones still count in their areas' sums.
func TestSurveyDisclosureControl(t *testing.T) {
	in := benchmark.Input{Period: "2025", Organisations: s8Orgs, Regions: fixtureRegions, Neighbours: fixtureNeighbours,
		Figures: []benchmark.Figures{
			// North East: 6, 20 and 30 respondents.
			surveyS2("A", 6, 18, 12), surveyS2("B", 20, 60, 30), surveyS2("D", 30, 90, 72),
			// Inner London has C's 4 respondents only; London is C's 4 and J's 15.
			surveyS2("C", 4, 8, 4), surveyS2("J", 15, 45, 27),
		}}
	own := map[string]float64{
		"A": 100 * 12.0 / 18, "B": 100 * 30.0 / 60, "D": 100 * 72.0 / 90, "C": 100 * 4.0 / 8, "J": 100 * 27.0 / 45,
	}
	m, _ := benchmark.Lookup("survey_agreement_s2")
	res := benchmark.Compute(in, []benchmark.Metric{m})
	vs, as := index(res)

	for _, org := range []string{"A", "C"} {
		v := vs[[2]string{m.ID, org}]
		if v.Withheld != string(disclosure.Primary) || v.Value != nil || v.Reason != benchmark.ReasonFewRespondents {
			t.Errorf("%s (%d respondents): value %s withheld %q reason %q, want withheld %q", org, v.Respondents, fmtPtr(v.Value), v.Withheld, v.Reason,
				disclosure.Primary)
		}
	}
	if a := as[[2]string{m.ID, "E13000001"}]; a.Withheld != string(disclosure.Primary) || a.Value != nil || a.Respondents != 4 {
		t.Errorf("Inner London (%d respondents): value %s withheld %q, want withheld %q", a.Respondents, fmtPtr(a.Value), a.Withheld, disclosure.Primary)
	}

	// Every figure is published unless withheld; a published one is its own ratio.
	for _, v := range res.Values {
		switch v.Withheld {
		case "":
			if !near(v.Value, own[v.Org]) || v.Reason != "" {
				t.Errorf("%s: %s (%q), want %v", v.Org, fmtPtr(v.Value), v.Reason, own[v.Org])
			}
		case string(disclosure.Secondary):
			if v.Value != nil || v.Reason != benchmark.ReasonSecondary {
				t.Errorf("%s: secondary but value %s reason %q", v.Org, fmtPtr(v.Value), v.Reason)
			}
		}
	}

	// The North East's total less its published organisations must not give A: at least one more
	// of its figures (B, D or the region) is withheld.
	neWithheld := 0
	for _, org := range []string{"B", "D"} {
		if vs[[2]string{m.ID, org}].Withheld == string(disclosure.Secondary) {
			neWithheld++
		}
	}
	if as[[2]string{m.ID, "E12000001"}].Withheld == string(disclosure.Secondary) {
		neWithheld++
	}
	if neWithheld == 0 {
		t.Error("North East: only A is withheld, so the region less B and D gives it")
	}
	assertNothingDerivable(t, res, m.ID)

	// Withheld organisations still count in their areas' sums.
	if a := as[[2]string{m.ID, "E12000001"}]; a.Num != 12+30+72 || a.Den != 18+60+90 || a.Respondents != 6+20+30 ||
		a.Contributors != 3 || a.Excluded != 0 {
		t.Errorf("North East: %v ÷ %v from %d respondents, %d contributors, %d excluded; want %v ÷ %v from %d, 3, 0", a.Num, a.Den, a.Respondents,
			a.Contributors, a.Excluded, 12+30+72, 18+60+90, 6+20+30)
	}
	if a := as[[2]string{m.ID, "E92000001"}]; a.Num != 12+30+72+4+27 || a.Den != 18+60+90+8+45 || a.Respondents != 6+20+30+4+15 || a.Contributors != 5 {
		t.Errorf("England: %v ÷ %v from %d respondents, %d contributors; want %v ÷ %v from %d, 5", a.Num, a.Den, a.Respondents, a.Contributors,
			12+30+72+4+27, 18+60+90+8+45, 6+20+30+4+15)
	}
	if a := as[[2]string{m.ID, "E92000001"}]; a.Withheld == "" && !near(a.Value, 100*(12+30+72+4+27.0)/(18+60+90+8+45)) {
		t.Errorf("England: %s, want the ratio of every organisation's sums", fmtPtr(a.Value))
	}

	// The median and quartiles are of the published values only.
	for _, a := range res.Areas {
		var published []float64
		for _, v := range res.Values {
			if slices.Contains(v.Regions, a.Region) && v.Withheld == "" {
				published = append(published, own[v.Org])
			}
		}
		slices.Sort(published)
		want := func(p float64) float64 {
			if len(published) == 0 {
				return nan
			}
			return benchmark.Quantile(published, p)
		}
		if !near(a.Median, want(0.5)) || !near(a.P25, want(0.25)) || !near(a.P75, want(0.75)) {
			t.Errorf("%s: median %s p25 %s p75 %s, want those of the published %v", a.Region, fmtPtr(a.Median), fmtPtr(a.P25), fmtPtr(a.P75), published)
		}
	}
	// A is withheld, so the North East's median is not that of all three (66.7, 50 and 80).
	if a := as[[2]string{m.ID, "E12000001"}]; near(a.Median, own["A"]) {
		t.Errorf("North East median %s is A's withheld value", fmtPtr(a.Median))
	}
}

// assertNothingDerivable checks that no withheld figure of a metric can be worked out from the
// published ones: with every area the sum of its counted organisations' counts, a withheld cell
// is determined exactly when its unit vector lies in the row space of the relations restricted
// to the withheld cells.
func assertNothingDerivable(t *testing.T, res benchmark.Result, metric string) {
	t.Helper()
	type cell struct {
		name     string
		withheld bool
	}
	var cells []cell
	orgCell := map[string]int{}
	for _, v := range res.Values {
		if v.Metric == metric && v.Counted() {
			orgCell[v.Org] = len(cells)
			cells = append(cells, cell{v.Org, v.Withheld != ""})
		}
	}
	var relations [][]int // area first, then its organisations
	for _, a := range res.Areas {
		if a.Metric != metric || a.Contributors == 0 {
			continue
		}
		rel := []int{len(cells)}
		cells = append(cells, cell{a.Region, a.Withheld != ""})
		for _, v := range res.Values {
			if c, ok := orgCell[v.Org]; ok && v.Metric == metric && slices.Contains(v.Regions, a.Region) {
				rel = append(rel, c)
			}
		}
		relations = append(relations, rel)
	}
	var withheld []int
	col := map[int]int{}
	for c, x := range cells {
		if x.withheld {
			col[c] = len(withheld)
			withheld = append(withheld, c)
		}
	}
	var rows [][]float64
	for _, rel := range relations {
		row := make([]float64, len(withheld))
		n := 0
		for i, c := range rel {
			if j, ok := col[c]; ok {
				row[j] = -1 // a part
				if i == 0 {
					row[j] = 1 // the total
				}
				n++
			}
		}
		if n == 1 {
			t.Errorf("%s: %s is the only withheld figure of %s's sum", metric, cells[withheld[slices.IndexFunc(row, func(x float64) bool { return x != 0 })]].name,
				cells[rel[0]].name)
		}
		rows = append(rows, row)
	}
	base := rank(rows)
	for j, c := range withheld {
		unit := make([]float64, len(withheld))
		unit[j] = 1
		if rank(append(slices.Clone(rows), unit)) == base {
			t.Errorf("%s: withheld %s can be worked out from the published figures", metric, cells[c].name)
		}
	}
}

// rank is the rank of a matrix, by Gaussian elimination (on a copy).
func rank(m [][]float64) int {
	rows := make([][]float64, len(m))
	for i := range m {
		rows[i] = slices.Clone(m[i])
	}
	r := 0
	for c := 0; len(rows) > 0 && c < len(rows[0]) && r < len(rows); c++ {
		p := slices.IndexFunc(rows[r:], func(row []float64) bool { return math.Abs(row[c]) > 1e-9 })
		if p < 0 {
			continue
		}
		rows[r], rows[r+p] = rows[r+p], rows[r]
		for i := r + 1; i < len(rows); i++ {
			f := rows[i][c] / rows[r][c]
			for j := range rows[i] {
				rows[i][j] -= f * rows[r][j]
			}
		}
		r++
	}
	return r
}

// A statistical-neighbour median of a survey figure is given only from three neighbours or more:
// the median of one neighbour is its value, and that of two gives one from the other.
func TestSurveyNeighbourMedianNeedsThreeNeighbours(t *testing.T) {
	in := benchmark.Input{Period: "2025", Organisations: fixtureOrgs, Regions: fixtureRegions, Neighbours: fixtureNeighbours,
		Figures: []benchmark.Figures{
			surveyS2("A", 20, 40, 30), surveyS2("B", 15, 40, 20), surveyS2("C", 12, 40, 10), surveyS2("J", 25, 40, 36),
		}}
	m, _ := benchmark.Lookup("survey_agreement_s2")
	res := benchmark.Compute(in, []benchmark.Metric{m})
	for _, v := range res.Values {
		if v.Withheld != "" {
			t.Fatalf("%s withheld (%s): every organisation has 10 respondents or more", v.Org, v.Withheld)
		}
	}
	vs, _ := index(res)
	tests := []struct {
		org   string
		want  float64 // NaN: none
		count int
	}{
		// A's neighbours B (50), C (25) and J through Kingston (90).
		{"A", 100 * 20.0 / 40, 3},
		// C's are J through Richmond and A: two, so none.
		{"C", nan, 0},
		// J's is C, and B's is A: one, so none.
		{"J", nan, 0},
		{"B", nan, 0},
	}
	for _, tt := range tests {
		v := vs[[2]string{m.ID, tt.org}]
		if !near(v.SNMedian, tt.want) || v.SNCount != tt.count {
			t.Errorf("%s: neighbour median %s of %d, want %v of %d", tt.org, fmtPtr(v.SNMedian), v.SNCount, tt.want, tt.count)
		}
	}
}

// A metric with parts (an organisation's whole workforce is the sum of its levels) is protected
// with them: a part withheld is not the total less the other parts, for everyone and for a reader
// who knows its own figures.
func TestDisclosureOfAFamily(t *testing.T) {
	part := func(id string, p ...string) benchmark.Metric {
		return benchmark.Metric{ID: id, Disclosure: true, Parts: p}
	}
	family := []benchmark.Metric{part("total", "first", "second"), part("first"), part("second")}
	if got := benchmark.Families(append([]benchmark.Metric{part("alone")}, family...)); len(got) != 2 || len(got[1]) != 3 {
		t.Fatalf("families %v", got)
	}
	n, d := 1.0, 2.0
	value := func(metric, org string, respondents int) benchmark.Value {
		return benchmark.Value{Metric: metric, Org: org, Regions: []string{"R", "E92000001"}, Num: &n, Den: &d, Value: &n, Respondents: respondents}
	}
	// A has 4 people at the second level (withheld), 50 at the first, 54 in all; B 60, 30 and 90.
	values := []benchmark.Value{value("total", "A", 54), value("first", "A", 50), value("second", "A", 4),
		value("total", "B", 90), value("first", "B", 60), value("second", "B", 30)}
	for _, view := range []benchmark.View{{}, {Known: "B"}} {
		w := benchmark.Disclose(values, family, view)
		if w["second"].Orgs["A"] != disclosure.Primary {
			t.Errorf("%+v: A's second level %q, want withheld", view, w["second"].Orgs["A"])
		}
		if w["total"].Orgs["A"] == disclosure.Shown && w["first"].Orgs["A"] == disclosure.Shown {
			t.Errorf("%+v: A's total and first level published, which give its second away", view)
		}
	}
}
