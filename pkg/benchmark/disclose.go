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
	// HiddenArea tells whether the reader may not see an area's value (nil: every area's).
	HiddenArea func(code string) bool
	// Known is an organisation whose figures the reader knows whatever the hub publishes (its
	// own): a constant in its areas' sums rather than a figure to protect.
	Known string
}

// Disclose applies disclosure control to one metric's figures of one period: the counted
// organisations' values and every area they count towards, each area the sum of its
// organisations, in one table. A figure from fewer than disclosure.Threshold respondents is
// withheld, and so is any further figure that would let a withheld (or hidden) one be worked out
// from the published ones. It returns why each organisation's and area's figure is withheld;
// those not named are published. With a View that hides some figures, the others are kept
// published where a choice remains.
func Disclose(values []Value, view View) (orgs, areas map[string]disclosure.Reason) {
	var t disclosure.Table
	vs := slices.Clone(values)
	slices.SortFunc(vs, func(x, y Value) int { return cmp.Compare(x.Org, y.Org) })
	orgCells, parts, respondents := map[string]int{}, map[string][]int{}, map[string]int{}
	for _, v := range vs {
		if !v.Counted() {
			continue
		}
		for _, code := range v.Regions {
			respondents[code] += v.Respondents
		}
		if v.Org == view.Known {
			continue
		}
		c := t.Add(v.Respondents)
		orgCells[v.Org] = c
		switch {
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
		if view.HiddenArea != nil && view.HiddenArea(code) {
			t.Hide(c)
		}
		// An area of the known organisation alone is its figure: nothing to protect.
		if len(parts[code]) > 0 {
			t.Sum(c, parts[code]...)
		}
	}
	t.Protect(disclosure.Threshold)
	orgs, areas = map[string]disclosure.Reason{}, map[string]disclosure.Reason{}
	for org, c := range orgCells {
		if r := t.Reason(c); r != disclosure.Shown {
			orgs[org] = r
		}
	}
	for code, c := range areaCells {
		if r := t.Reason(c); r != disclosure.Shown {
			areas[code] = r
		}
	}
	return orgs, areas
}

// protect sums a disclosure-controlled metric's areas after Disclose has withheld what it must
// for a reader who may see every organisation by name (the API protects again, for each reader,
// what it may not see). A withheld organisation still counts in its areas' sums; the median and
// quartiles are of the published values only.
func protect(in Input, m Metric, values []Value) []Area {
	orgs, withheld := Disclose(values, View{})
	for i := range values {
		v := &values[i]
		if r, ok := orgs[v.Org]; ok {
			v.Value, v.Withheld, v.Reason = nil, string(r), WithheldReason(r)
		}
	}
	areas := sumAreas(in, m, values)
	for i := range areas {
		if r, ok := withheld[areas[i].Region]; ok {
			areas[i].Value, areas[i].Withheld = nil, string(r)
		}
	}
	return areas
}

// WithheldReason says in words why disclosure control withholds a figure.
func WithheldReason(r disclosure.Reason) string {
	if r == disclosure.Primary {
		return ReasonFewRespondents
	}
	return ReasonSecondary
}
