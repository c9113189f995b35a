package survey

import (
	"math"
	"slices"
	"sort"

	"github.com/partnership-hub/hub/pkg/disclosure"
	"github.com/partnership-hub/hub/pkg/measure"
)

// Figure is a published agreement figure, or why it is withheld.
type Figure struct {
	Respondents  *int     `json:"respondents" doc:"Respondents; null when withheld"`
	PercentAgree *float64 `json:"percent_agree" doc:"Answers agree or strongly agree, percent of all answers to the standard's questions, one decimal; null when withheld"`
	Withheld     string   `json:"withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why the figure is withheld: fewer than 10 respondents, or it would let a withheld figure be worked out"`
}

// GroupFigure is the figure of one respondent group.
type GroupFigure struct {
	Group string `json:"group"`
	Figure
}

// OrgAgreement is one organisation's figures for a standard.
type OrgAgreement struct {
	Org    string        `json:"org"`
	Name   string        `json:"name"`
	All    Figure        `json:"all" doc:"All respondent groups together"`
	Groups []GroupFigure `json:"groups"`
}

// StandardAgreement is a standard's figures across a region.
type StandardAgreement struct {
	Standard      int            `json:"standard"`
	Region        Figure         `json:"region" doc:"Every organisation of the region with results, together (ratio of sums)"`
	RegionGroups  []GroupFigure  `json:"region_groups"`
	Organisations []OrgAgreement `json:"organisations" doc:"The organisations you may see named"`
}

// Org names an organisation for the figures.
type Org struct {
	Code, Name string
	Visible    bool // the reader may see it named
}

type tally struct{ respondents, answers, agreeing int }

func (t *tally) add(c Cell) {
	t.respondents += c.Respondents
	t.answers += c.Answers
	t.agreeing += c.Agreeing
}

// Agreement computes the published agreement figures per standard: per organisation and group,
// per organisation, per group across the region and for the region, with disclosure control.
// Every figure is a sum of others (an organisation of its groups, the region of its organisations
// and of its groups), so a figure from fewer than disclosure.Threshold respondents is withheld
// and so is every figure that would let it be worked out by subtraction. Organisations the reader
// may not see are left out of the answer and protected in the same way, so that a submitter
// cannot work out a neighbour's figure from the region's and its own.
func Agreement(cells []Cell, orgs []Org) []StandardAgreement {
	byCode := map[string]Org{}
	for _, o := range orgs {
		byCode[o.Code] = o
	}
	var standards []int
	for _, c := range cells {
		if !slices.Contains(standards, c.Standard) {
			standards = append(standards, c.Standard)
		}
	}
	sort.Ints(standards)
	var out []StandardAgreement
	for _, s := range standards {
		out = append(out, standardAgreement(s, cells, byCode))
	}
	return out
}

func standardAgreement(standard int, cells []Cell, orgs map[string]Org) StandardAgreement {
	var (
		t          disclosure.Table
		orgCodes   []string
		groupCells = map[string]map[string]int{} // org → group → cell
		groupTally = map[int]tally{}
		orgCell    = map[string]int{}
		regGroup   = map[string][]int{} // group → org cells
		regTally   = map[string]*tally{}
		orgTally   = map[string]*tally{}
		all        tally
	)
	for _, c := range cells {
		if c.Standard != standard {
			continue
		}
		if _, ok := orgs[c.Org]; !ok {
			continue
		}
		if groupCells[c.Org] == nil {
			groupCells[c.Org] = map[string]int{}
			orgCodes = append(orgCodes, c.Org)
			orgTally[c.Org] = &tally{}
		}
		id := t.Add(c.Respondents)
		groupCells[c.Org][c.Group] = id
		groupTally[id] = tally{c.Respondents, c.Answers, c.Agreeing}
		orgTally[c.Org].add(c)
		if regTally[c.Group] == nil {
			regTally[c.Group] = &tally{}
		}
		regTally[c.Group].add(c)
		regGroup[c.Group] = append(regGroup[c.Group], id)
		all.add(c)
	}
	sort.Strings(orgCodes)
	var orgTotals []int
	for _, o := range orgCodes {
		id := t.Add(orgTally[o].respondents)
		orgCell[o] = id
		orgTotals = append(orgTotals, id)
		parts := make([]int, 0, len(groupCells[o]))
		for _, g := range Groups {
			if c, ok := groupCells[o][g]; ok {
				parts = append(parts, c)
			}
		}
		t.Sum(id, parts...)
		for _, c := range append(parts, id) {
			if orgs[o].Visible {
				t.Keep(c)
			} else {
				t.Hide(c)
			}
		}
	}
	regCell := map[string]int{}
	var regParts []int
	for _, g := range Groups {
		if members, ok := regGroup[g]; ok {
			id := t.Add(regTally[g].respondents)
			regCell[g] = id
			regParts = append(regParts, id)
			t.Sum(id, members...)
		}
	}
	allCell := t.Add(all.respondents)
	t.Sum(allCell, orgTotals...)
	t.Sum(allCell, regParts...)
	t.Protect(disclosure.Threshold)

	figure := func(cell int, tl tally) Figure {
		switch r := t.Reason(cell); r {
		case disclosure.Shown:
			n := tl.respondents
			p := math.Round(1000*float64(tl.agreeing)/float64(tl.answers)) / 10
			return Figure{Respondents: &n, PercentAgree: &p}
		default:
			return Figure{Withheld: string(r)}
		}
	}
	sa := StandardAgreement{Standard: standard, Region: figure(allCell, all), RegionGroups: []GroupFigure{}, Organisations: []OrgAgreement{}}
	for _, g := range Groups {
		if c, ok := regCell[g]; ok {
			sa.RegionGroups = append(sa.RegionGroups, GroupFigure{Group: g, Figure: figure(c, *regTally[g])})
		}
	}
	for _, o := range orgCodes {
		if !orgs[o].Visible {
			continue
		}
		oa := OrgAgreement{Org: o, Name: orgs[o].Name, All: figure(orgCell[o], *orgTally[o]), Groups: []GroupFigure{}}
		for _, g := range Groups {
			if c, ok := groupCells[o][g]; ok {
				oa.Groups = append(oa.Groups, GroupFigure{Group: g, Figure: figure(c, groupTally[c])})
			}
		}
		sa.Organisations = append(sa.Organisations, oa)
	}
	return sa
}

// Quartiles returns the lower and upper quartiles of values (linear interpolation between order
// statistics, as R's default and numpy's), and false for fewer than four values.
func Quartiles(values []float64) (q1, q3 float64, ok bool) {
	if len(values) < 4 {
		return 0, 0, false
	}
	v := slices.Clone(values)
	sort.Float64s(v)
	return measure.Quantile(v, 0.25), measure.Quantile(v, 0.75), true
}
