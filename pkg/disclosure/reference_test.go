package disclosure

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// reference is the first, plainly quadratic implementation of Protect: every candidate is
// tried by re-running the elimination over the whole table. Protect must choose exactly as it
// does, only faster.
type reference struct {
	n         []int
	reason    []Reason
	relations [][]int
	keep      []bool
	of        [][]int
}

func referenceOf(t *Table) *reference {
	r := &reference{n: slices.Clone(t.n), reason: slices.Clone(t.reason), keep: slices.Clone(t.keep), of: make([][]int, len(t.of))}
	for _, rel := range t.relations {
		r.relations = append(r.relations, slices.Clone(rel))
	}
	for c, rels := range t.of {
		r.of[c] = slices.Clone(rels)
	}
	return r
}

// protect is Protect as it was before it kept its lists up to date: it withholds every cell from fewer than threshold respondents and then as many more as it
// takes that no withheld or hidden cell can be derived from the published ones. It returns the
// number of cells withheld by secondary suppression.
func (t *reference) protect(threshold int) int {
	for c, n := range t.n {
		if t.reason[c] == Shown && n < threshold {
			t.reason[c] = Primary
		}
	}
	secondary := 0
	for {
		exposed := t.exposed()
		if len(exposed) == 0 {
			return secondary
		}
		c := t.complement(exposed[0])
		if c < 0 {
			// Every cell of every relation is withheld already; cannot happen for a determined cell,
			// since with nothing published nothing can be worked out.
			return secondary
		}
		t.reason[c] = Secondary
		secondary++
	}
}

// withheld reports whether a cell is unknown to the reader.
func (t *reference) withheld(c int) bool { return t.reason[c] != Shown }

// exposed returns the withheld cells that the relations and the published cells determine.
func (t *reference) exposed() []int {
	var cols []int
	index := map[int]int{}
	for c := range t.n {
		if t.withheld(c) {
			index[c] = len(cols)
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	// The relations restricted to the withheld cells: total - Σ parts = (known part of it).
	var rows [][]float64
	for _, r := range t.relations {
		row := make([]float64, len(cols))
		touches := false
		for i, c := range r {
			if j, ok := index[c]; ok {
				if i == 0 {
					row[j]++
				} else {
					row[j]--
				}
				touches = true
			}
		}
		if touches {
			rows = append(rows, row)
		}
	}
	var out []int
	for _, j := range determined(rows, len(cols)) {
		out = append(out, cols[j])
	}
	return out
}

// complement picks the published cell to withhold next. A sum with a single withheld cell gives
// that cell away, so the candidates are the published cells of such sums (or, when the cell is
// exposed only through a chain of sums, of the sums holding it, or else of any sum holding a
// withheld cell). The choice is the candidate that leaves the fewest sums with a single withheld
// cell, then the fewest cells determined, then one not kept, then the one with the fewest
// respondents, then a part before a total, so that headline figures survive.
func (t *reference) complement(exposed int) int {
	type score struct {
		singles, left int
		keep          bool
		n             int
		tot           bool
	}
	less := func(a, b score) bool {
		switch {
		case a.singles != b.singles:
			return a.singles < b.singles
		case a.left != b.left:
			return a.left < b.left
		case a.keep != b.keep:
			return !a.keep
		case a.n != b.n:
			return a.n < b.n
		}
		return !a.tot && b.tot
	}
	best, bestScore := -1, score{}
	tried := map[int]bool{}
	consider := func(rel []int) {
		for _, c := range rel {
			if t.withheld(c) || tried[c] {
				continue
			}
			tried[c] = true
			t.reason[c] = Secondary
			s := score{singles: len(t.singles()), left: len(t.exposed()), keep: t.keep[c], n: t.n[c], tot: t.isTotal(c)}
			t.reason[c] = Shown
			if best < 0 || less(s, bestScore) {
				best, bestScore = c, s
			}
		}
	}
	for _, ri := range t.singles() {
		consider(t.relations[ri])
	}
	if best >= 0 {
		return best
	}
	for _, ri := range t.of[exposed] {
		consider(t.relations[ri])
	}
	if best >= 0 {
		return best
	}
	for _, rel := range t.relations {
		if slices.ContainsFunc(rel, t.withheld) {
			consider(rel)
		}
	}
	return best
}

// singles returns the relations holding exactly one withheld cell.
func (t *reference) singles() []int {
	var out []int
	for ri, rel := range t.relations {
		n := 0
		for _, c := range rel {
			if t.withheld(c) {
				n++
			}
		}
		if n == 1 {
			out = append(out, ri)
		}
	}
	return out
}

// isTotal reports whether c is the total of some relation.
func (t *reference) isTotal(c int) bool {
	for _, ri := range t.of[c] {
		if t.relations[ri][0] == c {
			return true
		}
	}
	return false
}

// randomTable builds either a grid (organisations × groups with their totals) or a hierarchy
// (organisations in regions, a London-like area above some regions, England above all), with
// small cells, hidden and kept cells at random.
func randomTable(r *rand.Rand) *Table {
	var t Table
	small := func() int {
		if r.IntN(4) == 0 {
			return 1 + r.IntN(9)
		}
		return 10 + r.IntN(60)
	}
	if r.IntN(2) == 0 {
		orgs, groups := 2+r.IntN(4), 1+r.IntN(4)
		cells := make([][]int, orgs)
		var totals []int
		for o := range cells {
			for range groups {
				cells[o] = append(cells[o], t.Add(small()))
			}
			sum := 0
			for _, c := range cells[o] {
				sum += t.N(c)
			}
			totals = append(totals, t.Add(sum))
			t.Sum(totals[o], cells[o]...)
		}
		all := 0
		for _, c := range totals {
			all += t.N(c)
		}
		a := t.Add(all)
		t.Sum(a, totals...)
		for j := range groups {
			col, sum := []int{}, 0
			for o := range cells {
				col = append(col, cells[o][j])
				sum += t.N(cells[o][j])
			}
			g := t.Add(sum)
			t.Sum(g, col...)
		}
	} else {
		regions := 1 + r.IntN(5)
		var regionOrgs [][]int
		var all []int
		for range regions {
			var orgs []int
			for range 1 + r.IntN(12) {
				c := t.Add(small())
				orgs = append(orgs, c)
				all = append(all, c)
			}
			regionOrgs = append(regionOrgs, orgs)
		}
		sumOf := func(cs []int) int {
			s := 0
			for _, c := range cs {
				s += t.N(c)
			}
			return s
		}
		for _, orgs := range regionOrgs {
			t.Sum(t.Add(sumOf(orgs)), orgs...)
		}
		if regions > 2 {
			london := slices.Concat(regionOrgs[:2]...)
			t.Sum(t.Add(sumOf(london)), london...)
		}
		t.Sum(t.Add(sumOf(all)), all...)
	}
	for c := range t.n {
		switch r.IntN(10) {
		case 0:
			t.Hide(c)
		case 1, 2:
			t.Keep(c)
		}
	}
	return &t
}

func TestProtectChoosesAsTheReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	withheld := 0
	for i := range 2000 {
		tab := randomTable(r)
		ref := referenceOf(tab)
		wantN := ref.protect(Threshold)
		gotN := tab.Protect(Threshold)
		if gotN != wantN || !slices.Equal(tab.reason, ref.reason) {
			t.Fatalf("case %d: Protect withheld %d secondary, %v; the reference %d, %v (relations %v, n %v)",
				i, gotN, tab.reason, wantN, ref.reason, tab.relations, tab.n)
		}
		withheld += gotN
	}
	if withheld == 0 {
		t.Fatal("no case needed secondary suppression: the cases test nothing")
	}
}
