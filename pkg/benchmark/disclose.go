package benchmark

import (
	"slices"

	"github.com/partnership-hub/hub/pkg/disclosure"
)

// protect sums a disclosure-controlled metric's areas and applies disclosure control to the
// organisations' and areas' figures together: every area's respondents are the sum of its
// counted organisations', so a figure from fewer than disclosure.Threshold respondents is
// withheld, and so is any further figure (an organisation's or an area's) that would let a
// withheld one be worked out from the published ones. A withheld organisation still counts in
// its areas' sums; the median and quartiles are of the published values only.
//
// This is the view of a reader who may see every organisation by name; the API protects again,
// for each reader, the organisations it may not see (see MemberTable).
func protect(in Input, m Metric, values []Value) []Area {
	var (
		t     disclosure.Table
		cells = make([]int, len(values))
		parts = map[string][]int{}
	)
	for i, v := range values {
		cells[i] = -1
		if !v.Counted() {
			continue
		}
		cells[i] = t.Add(v.Respondents)
		for _, code := range v.Regions {
			parts[code] = append(parts[code], cells[i])
		}
	}
	areaCells := map[string]int{}
	codes := make([]string, 0, len(parts))
	for code := range parts {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		n := 0
		for _, c := range parts[code] {
			n += t.N(c)
		}
		areaCells[code] = t.Add(n)
		t.Sum(areaCells[code], parts[code]...)
	}
	t.Protect(disclosure.Threshold)

	for i := range values {
		v := &values[i]
		if cells[i] < 0 {
			continue
		}
		if r := t.Reason(cells[i]); r != disclosure.Shown {
			v.Value, v.Withheld, v.Reason = nil, string(r), withheldReason(r)
		}
	}
	areas := sumAreas(in, m, values)
	for i := range areas {
		a := &areas[i]
		if c, ok := areaCells[a.Region]; ok {
			if r := t.Reason(c); r != disclosure.Shown {
				a.Value, a.Withheld = nil, string(r)
			}
		}
	}
	return areas
}

func withheldReason(r disclosure.Reason) string {
	if r == disclosure.Primary {
		return ReasonFewRespondents
	}
	return ReasonSecondary
}
