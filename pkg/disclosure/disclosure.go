// Package disclosure applies small-number suppression to tables of counts: a figure from fewer
// respondents than a threshold is withheld (primary suppression), and so is any further figure
// that would let a withheld one be worked out by adding and subtracting published ones
// (secondary suppression).
//
// A Table is a set of cells and the additive relations between them (a total is the sum of its
// parts: an organisation's figure is the sum of its respondent groups, a region's the sum of its
// organisations). A withheld cell is safe when no combination of the relations and the published
// cells determines it exactly. Protect checks exactly that, by linear algebra on the relations,
// rather than a rule of thumb: a cell is determined when its unit vector lies in the row space of
// the relations restricted to the withheld cells. While some withheld cell is determined, it
// withholds one more published cell, the one with the fewest respondents among the relations of
// the exposed cell, and checks again.
//
// Only exact derivation is prevented; bounds that follow from counts being zero or more (a total
// of 10 with one published part of 9 bounds the rest to 1) are not, as in the usual statistical
// practice of cell suppression.
package disclosure

import (
	"math"
	"slices"
	"strconv"
)

// Threshold is the fewest respondents a published survey figure may come from.
const Threshold = 10

// Reason says why a cell is withheld.
type Reason string

// Reasons for withholding a cell. Hidden is set by the caller for a cell the reader may not see
// at all (another organisation's figure); it is protected from derivation like a suppressed one.
const (
	Shown     Reason = ""
	Primary   Reason = "fewer_than_threshold"
	Secondary Reason = "secondary"
	Hidden    Reason = "hidden"
)

// Table is a set of cells and the relations between them. The zero Table is empty and ready.
type Table struct {
	n         []int
	reason    []Reason
	relations [][]int // each: total first, then its parts
	keep      []bool  // withheld only when nothing else will do
	of        [][]int // per cell, the relations it is in

	// Kept by Protect as cells are withheld, so that trying a candidate costs in proportion to
	// the withheld cells, not to the whole table.
	inRel   [][]int // per relation, its withheld cells
	singles int     // relations holding exactly one withheld cell
}

// Add adds a cell from n respondents and returns its index.
func (t *Table) Add(n int) int {
	t.n = append(t.n, n)
	t.reason = append(t.reason, Shown)
	t.of = append(t.of, nil)
	t.keep = append(t.keep, false)
	return len(t.n) - 1
}

// Keep asks that cell be published if at all possible: the reader's own organisation, say,
// rather than the regional figure beside it.
func (t *Table) Keep(cell int) { t.keep[cell] = true }

// Hide marks a cell the reader may not see. It is never published and must not be derivable.
func (t *Table) Hide(cell int) { t.reason[cell] = Hidden }

// Sum records that cell total is the sum of cells parts.
func (t *Table) Sum(total int, parts ...int) {
	r := append([]int{total}, parts...)
	for _, c := range r {
		t.of[c] = append(t.of[c], len(t.relations))
	}
	t.relations = append(t.relations, r)
}

// N returns the respondents of cell.
func (t *Table) N(cell int) int { return t.n[cell] }

// Reason returns why cell is withheld, or Shown.
func (t *Table) Reason(cell int) Reason { return t.reason[cell] }

// Protect withholds every cell from fewer than threshold respondents and then as many more as it
// takes that no withheld or hidden cell can be derived from the published ones. It returns the
// number of cells withheld by secondary suppression.
//
// Its cost grows with the table's size times the number of cells it withholds: the test of
// whether anything can be worked out runs on the relations restricted to the withheld cells,
// kept up to date as cells are withheld, and candidates that sit in the same relations in the
// same places (the organisations of one region, say) are tested once for them all.
func (t *Table) Protect(threshold int) int {
	for c, n := range t.n {
		if t.reason[c] == Shown && n < threshold {
			t.reason[c] = Primary
		}
	}
	t.inRel = make([][]int, len(t.relations))
	t.singles = 0
	for ri, rel := range t.relations {
		for _, c := range rel {
			if t.withheld(c) {
				t.inRel[ri] = append(t.inRel[ri], c)
			}
		}
		if len(t.inRel[ri]) == 1 {
			t.singles++
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
		t.withhold(c)
		secondary++
	}
}

// withheld reports whether a cell is unknown to the reader.
func (t *Table) withheld(c int) bool { return t.reason[c] != Shown }

// withhold marks a published cell Secondary and brings the per-relation lists up to date.
func (t *Table) withhold(c int) {
	t.reason[c] = Secondary
	for _, ri := range t.of[c] {
		switch len(t.inRel[ri]) {
		case 0:
			t.singles++
		case 1:
			t.singles--
		}
		t.inRel[ri] = append(t.inRel[ri], c)
	}
}

// publish undoes withhold: c must be the cell withheld last.
func (t *Table) publish(c int) {
	t.reason[c] = Shown
	for _, ri := range slices.Backward(t.of[c]) {
		t.inRel[ri] = t.inRel[ri][:len(t.inRel[ri])-1]
		switch len(t.inRel[ri]) {
		case 0:
			t.singles--
		case 1:
			t.singles++
		}
	}
}

// exposed returns, in cell order, the withheld cells that the relations and the published cells
// determine.
func (t *Table) exposed() []int {
	var cols []int
	index := map[int]int{}
	for _, cs := range t.inRel {
		for _, c := range cs {
			if _, ok := index[c]; !ok {
				index[c] = -1
				cols = append(cols, c)
			}
		}
	}
	if len(cols) == 0 {
		return nil
	}
	slices.Sort(cols)
	for j, c := range cols {
		index[c] = j
	}
	// The relations restricted to the withheld cells: total - Σ parts = (known part of it).
	var rows [][]float64
	for ri, cs := range t.inRel {
		if len(cs) == 0 {
			continue
		}
		row := make([]float64, len(cols))
		total := t.relations[ri][0]
		for _, c := range cs {
			if c == total {
				row[index[c]]++
			} else {
				row[index[c]]--
			}
		}
		rows = append(rows, row)
	}
	var out []int
	for _, j := range determined(rows, len(cols)) {
		out = append(out, cols[j])
	}
	return out
}

const eps = 1e-9

// determined brings rows to reduced row echelon form and returns the columns whose unit vector
// is in the row space: a pivot column whose row has no other non-zero entry.
func determined(rows [][]float64, ncols int) []int {
	r := 0
	var pivots []int
	for c := 0; c < ncols && r < len(rows); c++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if math.Abs(rows[i][c]) > eps && (p < 0 || math.Abs(rows[i][c]) > math.Abs(rows[p][c])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		pv := rows[r][c]
		for j := range rows[r] {
			rows[r][j] /= pv
		}
		for i := range rows {
			if i == r || math.Abs(rows[i][c]) <= eps {
				continue
			}
			f := rows[i][c]
			for j := range rows[i] {
				rows[i][j] -= f * rows[r][j]
			}
		}
		pivots = append(pivots, c)
		r++
	}
	var out []int
	for i, c := range pivots {
		alone := true
		for j, v := range rows[i] {
			if j != c && math.Abs(v) > eps {
				alone = false
				break
			}
		}
		if alone {
			out = append(out, c)
		}
	}
	return out
}

// complement picks the published cell to withhold next. A sum with a single withheld cell gives
// that cell away, so the candidates are the published cells of such sums (or, when the cell is
// exposed only through a chain of sums, of the sums holding it, or else of any sum holding a
// withheld cell). The choice is the candidate that leaves the fewest sums with a single withheld
// cell, then the fewest cells determined, then one not kept, then the one with the fewest
// respondents, then a part before a total, so that headline figures survive; among equals, the
// first considered.
//
// What withholding a candidate leaves (the first two counts) depends only on the relations it is
// in and whether it is their total or a part, so candidates alike in that are tested once.
func (t *Table) complement(exposed int) int {
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
	type outcome struct{ singles, left int }
	tested := map[string]outcome{}
	best, bestScore := -1, score{}
	tried := map[int]bool{}
	consider := func(rel []int) {
		for _, c := range rel {
			if t.withheld(c) || tried[c] {
				continue
			}
			tried[c] = true
			sig := t.signature(c)
			o, ok := tested[sig]
			if !ok {
				t.withhold(c)
				o = outcome{singles: t.singles, left: len(t.exposed())}
				t.publish(c)
				tested[sig] = o
			}
			s := score{singles: o.singles, left: o.left, keep: t.keep[c], n: t.n[c], tot: t.isTotal(c)}
			if best < 0 || less(s, bestScore) {
				best, bestScore = c, s
			}
		}
	}
	for ri, cs := range t.inRel {
		if len(cs) == 1 {
			consider(t.relations[ri])
		}
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
	for ri, cs := range t.inRel {
		if len(cs) > 0 {
			consider(t.relations[ri])
		}
	}
	return best
}

// signature names where a cell sits: each relation it is in, as the total or as a part. Two
// published cells with the same signature are interchangeable to the relations.
func (t *Table) signature(c int) string {
	b := make([]byte, 0, 8*len(t.of[c]))
	for _, ri := range t.of[c] {
		role := byte('p')
		if t.relations[ri][0] == c {
			role = 't'
		}
		b = strconv.AppendInt(b, int64(ri), 10)
		b = append(b, role)
	}
	return string(b)
}

// isTotal reports whether c is the total of some relation.
func (t *Table) isTotal(c int) bool {
	for _, ri := range t.of[c] {
		if t.relations[ri][0] == c {
			return true
		}
	}
	return false
}
