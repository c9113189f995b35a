package disclosure_test

import (
	"math/rand/v2"
	"testing"

	"github.com/partnership-hub/hub/pkg/disclosure"
)

// grid builds the table a survey read publishes for one standard: organisations × respondent
// groups, each organisation's total, each group's regional figure and the regional total.
type grid struct {
	t      disclosure.Table
	cell   [][]int // [org][group]
	orgAll []int
	region []int // per group
	all    int
}

func newGrid(n [][]int) *grid {
	g := &grid{}
	groups := len(n[0])
	regionN := make([]int, groups)
	total := 0
	for _, row := range n {
		var cells []int
		sum := 0
		for j, v := range row {
			cells = append(cells, g.t.Add(v))
			sum += v
			regionN[j] += v
		}
		g.cell = append(g.cell, cells)
		g.orgAll = append(g.orgAll, g.t.Add(sum))
		g.t.Sum(g.orgAll[len(g.orgAll)-1], cells...)
		total += sum
	}
	for j := range groups {
		g.region = append(g.region, g.t.Add(regionN[j]))
		col := make([]int, len(n))
		for i := range n {
			col[i] = g.cell[i][j]
		}
		g.t.Sum(g.region[j], col...)
	}
	g.all = g.t.Add(total)
	g.t.Sum(g.all, g.orgAll...)
	g.t.Sum(g.all, g.region...)
	return g
}

// witnessed reports whether every withheld cell can change without any relation or published
// cell telling: a vector of changes in {-1, 0, 1} on the withheld cells that keeps every sum and
// moves the cell. Found by brute force, independently of the package's linear algebra.
func witnessed(t *testing.T, cells int, relations [][]int, withheld func(int) bool) []int {
	t.Helper()
	var hid []int
	for c := range cells {
		if withheld(c) {
			hid = append(hid, c)
		}
	}
	if len(hid) > 13 {
		t.Skipf("%d withheld cells: too many to search", len(hid))
	}
	moved := map[int]bool{}
	delta := make([]int, cells)
	var search func(i int)
	search = func(i int) {
		if i == len(hid) {
			for _, r := range relations {
				s := delta[r[0]]
				for _, p := range r[1:] {
					s -= delta[p]
				}
				if s != 0 {
					return
				}
			}
			for _, c := range hid {
				if delta[c] != 0 {
					moved[c] = true
				}
			}
			return
		}
		for _, d := range []int{0, 1, -1} {
			delta[hid[i]] = d
			search(i + 1)
		}
		delta[hid[i]] = 0
	}
	search(0)
	var exposed []int
	for _, c := range hid {
		if !moved[c] {
			exposed = append(exposed, c)
		}
	}
	return exposed
}

// relationsOf rebuilds the relations of a grid for the oracle.
func (g *grid) relations() [][]int {
	var rel [][]int
	for i, row := range g.cell {
		rel = append(rel, append([]int{g.orgAll[i]}, row...))
	}
	for j, r := range g.region {
		col := []int{r}
		for i := range g.cell {
			col = append(col, g.cell[i][j])
		}
		rel = append(rel, col)
	}
	rel = append(rel, append([]int{g.all}, g.orgAll...), append([]int{g.all}, g.region...))
	return rel
}

func (g *grid) cells() int { return g.all + 1 }

func TestProtect(t *testing.T) {
	type cell struct{ org, group int } // group -1: the organisation's total; org -1: the region
	tests := []struct {
		name      string
		n         [][]int
		hide      []int // organisations the reader may not see
		primary   []cell
		secondary int // how many cells secondary suppression withholds
		shown     []cell
	}{
		{name: "all large", n: [][]int{{40, 20}, {30, 25}}, secondary: 0, shown: []cell{{0, 0}, {0, 1}, {1, -1}, {-1, -1}}},
		{name: "one small group beside the total and the other groups would leak it",
			n:       [][]int{{40, 3, 25}, {30, 20, 25}},
			primary: []cell{{0, 1}},
			// the smallest rectangle: org 0's other 25, and org 1's 20 and 25 in the same columns.
			secondary: 3, shown: []cell{{0, -1}, {0, 0}, {-1, -1}}},
		{name: "two small groups protect each other within the organisation but not in their columns",
			n: [][]int{{40, 3, 4}, {30, 20, 25}}, primary: []cell{{0, 1}, {0, 2}}, secondary: 2},
		{name: "a single-group organisation: the total is the group",
			n: [][]int{{7}, {30}, {45}}, primary: []cell{{0, 0}, {0, -1}}, secondary: 2, shown: []cell{{2, 0}}},
		{name: "a small organisation beside the regional total",
			n: [][]int{{4, 3}, {40, 30}, {50, 60}}, primary: []cell{{0, 0}, {0, 1}, {0, -1}}, secondary: 3},
		{name: "hidden organisations: a submitter's view of a region of two",
			n: [][]int{{40, 30}, {50, 60}}, hide: []int{1}, secondary: 3, shown: []cell{{0, 0}, {0, 1}, {0, -1}}},
		{name: "hidden organisations: a region of three hides the others well enough",
			n: [][]int{{40, 30}, {50, 60}, {20, 20}}, hide: []int{1, 2}, secondary: 0, shown: []cell{{0, -1}, {-1, -1}, {-1, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGrid(tt.n)
			at := func(c cell) int {
				switch {
				case c.org < 0 && c.group < 0:
					return g.all
				case c.org < 0:
					return g.region[c.group]
				case c.group < 0:
					return g.orgAll[c.org]
				}
				return g.cell[c.org][c.group]
			}
			for _, o := range tt.hide {
				g.t.Hide(g.orgAll[o])
				for _, c := range g.cell[o] {
					g.t.Hide(c)
				}
			}
			for i := range tt.n {
				if len(tt.hide) > 0 && !contains(tt.hide, i) {
					g.t.Keep(g.orgAll[i])
					for _, c := range g.cell[i] {
						g.t.Keep(c)
					}
				}
			}
			got := g.t.Protect(disclosure.Threshold)
			if got != tt.secondary {
				t.Errorf("secondary suppressions = %d, want %d", got, tt.secondary)
			}
			for _, c := range tt.primary {
				if r := g.t.Reason(at(c)); r != disclosure.Primary {
					t.Errorf("cell %+v: reason %q, want primary", c, r)
				}
			}
			for _, c := range tt.shown {
				if r := g.t.Reason(at(c)); r != disclosure.Shown {
					t.Errorf("cell %+v: reason %q, want shown", c, r)
				}
			}
			if exposed := witnessed(t, g.cells(), g.relations(), func(c int) bool { return g.t.Reason(c) != disclosure.Shown }); len(exposed) > 0 {
				t.Errorf("withheld cells %v can be worked out", exposed)
			}
		})
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The naive rule — withhold one more cell beside each suppressed one in its own sum — leaks
// here: org 0's second group is withheld to protect its first, but the second group's regional
// column then has a single withheld cell. Protect must follow the chain.
func TestChainThroughSecondDimension(t *testing.T) {
	g := newGrid([][]int{{5, 40, 50}, {60, 30, 70}, {80, 90, 35}})
	g.t.Protect(disclosure.Threshold)
	if g.t.Reason(g.cell[0][0]) != disclosure.Primary || g.t.Reason(g.cell[0][2]) != disclosure.Shown {
		t.Fatalf("org 0: %q %q %q", g.t.Reason(g.cell[0][0]), g.t.Reason(g.cell[0][1]), g.t.Reason(g.cell[0][2]))
	}
	// Org 0's 40 goes with its 5; then each of their columns needs a second withheld cell.
	withheld := 0
	for i := range g.cell {
		for j := range g.cell[i] {
			if g.t.Reason(g.cell[i][j]) != disclosure.Shown {
				withheld++
			}
		}
	}
	if withheld < 4 {
		t.Errorf("withheld %d group cells, want at least 4 (two in each of two columns)", withheld)
	}
	if exposed := witnessed(t, g.cells(), g.relations(), func(c int) bool { return g.t.Reason(c) != disclosure.Shown }); len(exposed) > 0 {
		t.Errorf("withheld cells %v can be worked out", exposed)
	}
}

// Random grids with small cells: whatever Protect withholds, none of it can be worked out, and
// nothing from fewer than ten respondents is shown.
func TestProtectRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	searched := 0
	for i := range 300 {
		orgs, groups := 2+r.IntN(2), 1+r.IntN(3)
		n := make([][]int, orgs)
		for o := range n {
			n[o] = make([]int, groups)
			for j := range n[o] {
				n[o][j] = 1 + r.IntN(40)
			}
		}
		g := newGrid(n)
		g.t.Protect(disclosure.Threshold)
		withheld := 0
		for c := range g.cells() {
			if g.t.Reason(c) != disclosure.Shown {
				withheld++
			}
		}
		if withheld > 13 {
			continue
		}
		searched++
		for o := range n {
			for j := range n[o] {
				if n[o][j] < disclosure.Threshold && g.t.Reason(g.cell[o][j]) == disclosure.Shown {
					t.Fatalf("case %d %v: cell (%d,%d) of %d shown", i, n, o, j, n[o][j])
				}
			}
		}
		if exposed := witnessed(t, g.cells(), g.relations(), func(c int) bool { return g.t.Reason(c) != disclosure.Shown }); len(exposed) > 0 {
			t.Fatalf("case %d %v: withheld cells %v can be worked out", i, n, exposed)
		}
	}
	if searched < 150 {
		t.Errorf("only %d of 300 random cases were small enough to check", searched)
	}
}
