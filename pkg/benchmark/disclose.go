package benchmark

import (
	"cmp"
	"maps"
	"slices"

	"github.com/partnership-hub/hub/pkg/disclosure"
)

// View is what a reader may already know or not see of one metric's figures, for Disclose.
// The zero View is a reader who may see every organisation by name and knows none of them.
type View struct {
	// Hidden tells whether the reader may not see an organisation's value (nil: every value).
	Hidden func(Value) bool
	// HiddenArea tells whether the reader may not see an area's value of a metric (nil: every
	// area's).
	HiddenArea func(metric, code string) bool
	// Known is an organisation whose figures the reader knows whatever the hub publishes (its
	// own): a constant in its areas' sums rather than a figure to protect.
	Known string
}

// Withheld says, per metric, why organisations' and areas' figures are withheld; those not named
// are published.
type Withheld struct {
	Orgs, Areas map[string]disclosure.Reason
}

// Families groups disclosure-controlled metrics for Disclose: each metric that has parts (Metric.Parts)
// with those of its parts among metrics, and every other metric alone, in the order of metrics.
func Families(metrics []Metric) [][]Metric {
	partOf := map[string]string{}
	byID := map[string]Metric{}
	for _, m := range metrics {
		byID[m.ID] = m
		for _, p := range m.Parts {
			partOf[p] = m.ID
		}
	}
	var out [][]Metric
	for _, m := range metrics {
		if total, ok := partOf[m.ID]; ok {
			if _, listed := byID[total]; listed {
				continue // in its total's family
			}
		}
		f := []Metric{m}
		for _, p := range m.Parts {
			if pm, ok := byID[p]; ok {
				f = append(f, pm)
			}
		}
		out = append(out, f)
	}
	return out
}

// Disclose applies disclosure control to the figures of one period of a family of metrics (one
// metric, or a metric and its parts: see Families). Each metric's figures are protected in one
// table: the counted organisations' values and every area they count towards, each area the sum
// of its organisations. A figure from fewer than disclosure.Threshold respondents is withheld, and
// so is any further figure that would let a withheld (or hidden) one be worked out from the
// published ones. An organisation's figure of a metric with parts is the sum of its figures of the
// parts: while one of those sums has exactly one figure withheld (which the others would give
// away), the published one of them from the fewest respondents is withheld too and the metrics are
// protected again. It returns, by metric, why each organisation's and area's figure is withheld.
// With a View that hides some figures, the others are kept published where a choice remains.
//
// Protecting the family in one table would be exact but costs too much at national scale (the
// sums of each organisation make every candidate cell its own case); the metric by metric tables
// are exact within each metric, and the rule on the organisations' sums closes the gap a single
// withheld part leaves.
func Disclose(values []Value, family []Metric, view View) map[string]Withheld {
	type cell struct{ metric, org string }
	byMetric := map[string][]Value{}
	counted := map[cell]Value{}
	for _, v := range values {
		byMetric[v.Metric] = append(byMetric[v.Metric], v)
		if v.Counted() && v.Org != view.Known {
			counted[cell{v.Metric, v.Org}] = v
		}
	}
	forced := map[cell]bool{}
	for {
		out := map[string]Withheld{}
		for _, m := range family {
			out[m.ID] = discloseMetric(byMetric[m.ID], view, func(v Value) bool { return forced[cell{v.Metric, v.Org}] })
		}
		more := false
		for _, m := range family {
			if len(m.Parts) == 0 {
				continue
			}
			orgs := map[string]bool{}
			for c := range counted {
				if c.metric == m.ID {
					orgs[c.org] = true
				}
			}
			for _, org := range slices.Sorted(maps.Keys(orgs)) {
				sum := []cell{{m.ID, org}}
				for _, p := range m.Parts {
					if _, ok := counted[cell{p, org}]; ok {
						sum = append(sum, cell{p, org})
					}
				}
				var withheld int
				pick := -1
				for i, c := range sum {
					if _, ok := out[c.metric].Orgs[c.org]; ok {
						withheld++
					} else if pick < 0 || counted[c].Respondents < counted[sum[pick]].Respondents {
						pick = i
					}
				}
				if withheld == 1 && pick >= 0 {
					forced[sum[pick]] = true
					more = true
				}
			}
		}
		if !more {
			for c := range forced {
				out[c.metric].Orgs[c.org] = disclosure.Secondary
			}
			return out
		}
	}
}

// discloseMetric protects one metric's figures of one period (see Disclose); withhold names the
// values withheld whatever their respondents, as a hidden one is protected.
func discloseMetric(values []Value, view View, withhold func(Value) bool) Withheld {
	var t disclosure.Table
	vs := slices.Clone(values)
	slices.SortFunc(vs, func(x, y Value) int { return cmp.Compare(x.Org, y.Org) })
	orgCells, parts, respondents := map[string]int{}, map[string][]int{}, map[string]int{}
	metric := ""
	for _, v := range vs {
		if !v.Counted() {
			continue
		}
		metric = v.Metric
		for _, code := range v.Regions {
			respondents[code] += v.Respondents
		}
		if v.Org == view.Known {
			continue
		}
		c := t.Add(v.Respondents)
		orgCells[v.Org] = c
		switch {
		case withhold(v):
			t.Hide(c)
		case view.Hidden == nil:
		case view.Hidden(v):
			t.Hide(c)
		default:
			t.Keep(c)
		}
		for _, code := range v.Regions {
			parts[code] = append(parts[code], c)
		}
	}
	areaCells := map[string]int{}
	for _, code := range slices.Sorted(maps.Keys(respondents)) {
		c := t.Add(respondents[code])
		areaCells[code] = c
		if view.HiddenArea != nil && view.HiddenArea(metric, code) {
			t.Hide(c)
		}
		// An area of the known organisation alone is its figure: nothing to protect.
		if len(parts[code]) > 0 {
			t.Sum(c, parts[code]...)
		}
	}
	t.Protect(disclosure.Threshold)
	w := Withheld{Orgs: map[string]disclosure.Reason{}, Areas: map[string]disclosure.Reason{}}
	for org, c := range orgCells {
		if r := t.Reason(c); r != disclosure.Shown {
			w.Orgs[org] = r
		}
	}
	for code, c := range areaCells {
		if r := t.Reason(c); r != disclosure.Shown {
			w.Areas[code] = r
		}
	}
	return w
}

// protect sums the areas of a family of disclosure-controlled metrics (values[i] of family[i])
// after Disclose has withheld what it must for a reader who may see every organisation by name
// (the API protects again, for each reader, what it may not see). A withheld organisation still
// counts in its areas' sums; the median and quartiles are of the published values only.
func protect(in Input, family []Metric, values [][]Value) [][]Area {
	var all []Value
	for _, vs := range values {
		all = append(all, vs...)
	}
	withheld := Disclose(all, family, View{})
	out := make([][]Area, len(family))
	for i, m := range family {
		w := withheld[m.ID]
		for j := range values[i] {
			v := &values[i][j]
			if r, ok := w.Orgs[v.Org]; ok {
				v.Value, v.Withheld, v.Reason = nil, string(r), WithheldReason(r)
			}
		}
		areas := sumAreas(in, m, values[i])
		for j := range areas {
			if r, ok := w.Areas[areas[j].Region]; ok {
				areas[j].Value, areas[j].Withheld = nil, string(r)
			}
		}
		out[i] = areas
	}
	return out
}

// WithheldReason says in words why disclosure control withholds a figure.
func WithheldReason(r disclosure.Reason) string {
	if r == disclosure.Primary {
		return ReasonFewRespondents
	}
	return ReasonSecondary
}
