package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/partnership-hub/hub/pkg/reference"
)

// focus is what a page is about: one organisation (with its region), or an area.
type focus struct {
	Org          string // organisation code; empty for an area
	Area         string // the organisation's region, the area itself, or the region of an alliance's members
	Alliance     string // an alliance, when the page is about it
	AllianceName string
}

func (f focus) name() string {
	switch {
	case f.Org != "":
		return orgName(f.Org)
	case f.Alliance != "":
		return cmpOr(f.AllianceName, f.Alliance)
	}
	return areaName(f.Area)
}

// query is the focus as page parameters.
func (f focus) query() url.Values {
	switch {
	case f.Org != "":
		return query("org", f.Org)
	case f.Alliance != "":
		return query("alliance", f.Alliance)
	}
	return query("area", f.Area)
}

// area is the focus's area as the API's parameters, with more: alliance= or region=.
func (f focus) area(kv ...string) url.Values {
	q := query(kv...)
	if f.Org == "" && f.Alliance != "" {
		q.Set("alliance", f.Alliance)
	} else {
		q.Set("region", f.Area)
	}
	return q
}

// focusOf works out what the person asked to see (org= or area=), or what they see by default:
// their own organisation, the region of an analyst's alliance, England for anyone else. Whether
// they may see it is for the API to say.
func (v *visit) focusOf() (focus, error) {
	q := v.r.URL.Query()
	if org := q.Get("org"); org != "" {
		return focus{Org: org, Area: regionOf(org)}, nil
	}
	if area := q.Get("area"); area != "" {
		return focus{Area: area}, nil
	}
	id := q.Get("alliance")
	if id == "" && v.person.Org != "" {
		return focus{Org: v.person.Org, Area: regionOf(v.person.Org)}, nil
	}
	if id == "" && v.person.Analyst() && len(v.person.Alliances) > 0 {
		id = v.person.Alliances[0]
	}
	if id != "" {
		var a allianceDef
		if err := v.get("/v1/alliances/"+url.PathEscape(id), nil, &a); err != nil {
			return focus{}, err
		}
		area := reference.England
		if len(a.Members) > 0 {
			area = cmpOr(regionOf(a.Members[0]), area)
		}
		return focus{Area: area, Alliance: a.ID, AllianceName: a.Name}, nil
	}
	return focus{Area: reference.England}, nil
}

func regionOf(org string) string {
	if o, ok := organisation(org); ok {
		return o.Region
	}
	return ""
}

// latest is one metric's latest figure for the focus and the one before it.
type latest struct {
	Metric     metricDef
	Area       string // the area the figures are compared within
	Last, Prev *trendPoint
	Bench      *metricBenchmark // the latest period's benchmark, with the organisation's position
	Computed   *time.Time       // when the latest period's benchmarks were computed
}

// latestFigures reads every metric of the standards for the focus in the latest two periods of
// its data kind: one read of each standard's benchmarks per period, all together.
func (v *visit) latestFigures(f focus, standards ...int) ([]*latest, error) {
	var (
		out []*latest
		ms  []metricDef
	)
	for _, std := range standards {
		sm, err := v.metricsOf(std)
		if err != nil {
			return nil, err
		}
		ms = append(ms, sm...)
	}
	periods, err := v.periodsOf(ms)
	if err != nil {
		return nil, err
	}
	var want []stdPeriod
	for _, m := range ms {
		ps := periods[m.Source]
		for i := max(0, len(ps)-2); i < len(ps); i++ {
			if k := (stdPeriod{m.Standard, ps[i]}); !slices.Contains(want, k) {
				want = append(want, k)
			}
		}
	}
	benches, err := v.benchmarksAt(f, want)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		l := &latest{Metric: m, Area: f.Area}
		ps := periods[m.Source]
		for i := len(ps) - 1; i >= 0 && i >= len(ps)-2; i-- {
			sb := benches[stdPeriod{m.Standard, ps[i]}]
			mb := metricIn(sb, m.ID)
			if mb == nil {
				continue
			}
			pt := pointOf(f, ps[i], mb)
			if l.Last == nil {
				l.Last, l.Bench, l.Area, l.Computed = &pt, mb, cmpOr(sb.Region.Code, f.Area), sb.ComputedAt
			} else {
				l.Prev = &pt
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// lastTwo finds the latest point with a value (or, when none has one, the latest point) and the
// point of the period before it.
func lastTwo(ps []trendPoint) (last, prev *trendPoint) {
	if len(ps) == 0 {
		return nil, nil
	}
	i := len(ps) - 1
	for j := len(ps) - 1; j >= 0; j-- {
		if ps[j].Value != nil {
			i = j
			break
		}
	}
	last = &ps[i]
	if i > 0 {
		prev = &ps[i-1]
	}
	return last, prev
}

// change says how a figure moved since the period before, and whether that is better.
func change(m metricDef, last, prev *trendPoint) Cell {
	if last == nil || prev == nil || last.Value == nil || prev.Value == nil {
		return Cell{Text: "no earlier figure", Missing: true, Numeric: true}
	}
	d := *last.Value - *prev.Value
	c := Cell{Raw: rawValue(&d), Numeric: true}
	unit := m.Unit
	if unit == "%" {
		unit = "percentage points"
	}
	switch {
	case formatValue(d, "") == "0.0" || formatValue(d, "") == "-0.0":
		c.Text = "no change since " + prev.Period
	case (d > 0) == m.HigherIsBetter:
		c.Text = fmt.Sprintf("%+.1f %s since %s (better)", d, unit, prev.Period)
	default:
		c.Text = fmt.Sprintf("%+.1f %s since %s (worse)", d, unit, prev.Period)
	}
	return c
}

// positionWords is the overview's sentence: "4th of 12 in the North East; upper quartile".
func positionWords(l *latest, area string) string {
	if l.Bench == nil || l.Bench.Position == nil {
		if l.Last != nil && l.Last.Value == nil {
			return missingWords(l.Last.Reason, l.Last.Withheld)
		}
		return "no position for this period"
	}
	p := l.Bench.Position
	if p.Rank == 0 {
		return "not ranked: " + missingWords(p.Reason, p.Withheld)
	}
	s := fmt.Sprintf("%s of %d in %s", ordinal(p.Rank), p.RankOf, area)
	if q := quartileWords(p.Value, l.Bench.P25, l.Bench.P75, l.Metric.HigherIsBetter); q != "" {
		s += "; " + q
	}
	return s
}

// overview is page 1: the focus on every Standard 2 and Standard 8 metric.
func (v *visit) overview(w http.ResponseWriter) {
	f, err := v.focusOf()
	if err != nil {
		v.refuse(w, err)
		return
	}
	figures, err := v.latestFigures(f, 2, 8)
	if err != nil {
		v.refuse(w, err)
		return
	}
	p := page{Title: "Overview: " + f.name(), Section: "overview", Data: overviewData{Focus: f, Name: f.name(), Choices: v.choices(f)}}
	periods := map[string]bool{}
	for _, std := range []int{2, 8} {
		t := &Table{ID: fmt.Sprintf("standard-%d", std), Caption: fmt.Sprintf("Standard %d: %s", std, standardTitles[std])}
		if f.Org != "" {
			t.Head = []Head{{Text: "Metric"}, {Text: "Period"}, {Text: f.name(), Numeric: true}, {Text: "Change", Numeric: true},
				{Text: "Region", Numeric: true}, {Text: "England", Numeric: true}, {Text: "Statistical neighbours (median)", Numeric: true}, {Text: "Position"}}
		} else {
			t.Head = []Head{{Text: "Metric"}, {Text: "Period"}, {Text: f.name(), Numeric: true}, {Text: "Change", Numeric: true},
				{Text: "England", Numeric: true}, {Text: "Median of organisations", Numeric: true}, {Text: "Middle half (quartiles)"}, {Text: "Organisations"}}
		}
		for _, l := range figures {
			if l.Metric.Standard != std {
				continue
			}
			href := "/indicators/" + url.PathEscape(l.Metric.ID) + "?" + f.query().Encode()
			row := []Cell{{Text: l.Metric.Label, Href: href, Header: true}}
			if l.Last == nil {
				row = append(row, Cell{Text: "no figures", Missing: true}, Cell{Text: "no figures for " + f.name(), Missing: true, Numeric: true})
				for range len(t.Head) - 3 {
					row = append(row, Cell{Text: "", Missing: true})
				}
				t.Rows = append(t.Rows, row)
				continue
			}
			periods[l.Last.Period] = true
			u := l.Metric.Unit
			row = append(row, Cell{Text: l.Last.Period}, valueCell(l.Last.Value, u, l.Last.Reason, l.Last.Withheld), change(l.Metric, l.Last, l.Prev))
			if f.Org != "" {
				region := areaName(l.Area)
				row = append(row, valueCell(l.Last.RegionValue, u, "", l.Last.RegionWithheld), valueCell(l.Last.EnglandValue, u, "", l.Last.EnglandWithheld),
					snCell(l.Last.SNMedian, u), Cell{Text: positionWords(l, region)})
			} else {
				row = append(row, valueCell(l.Last.EnglandValue, u, "", l.Last.EnglandWithheld), valueCell(l.Last.Median, u, "", quartileWithheld(l.Metric)),
					quartileCell(l.Last, u, l.Metric), Cell{Text: fmt.Sprint(l.Last.Contributors), Numeric: true})
			}
			t.Rows = append(t.Rows, row)
		}
		p.Tables = append(p.Tables, t)
	}
	p.Period, p.Computed = periodList(periods), lastComputed(figures)
	v.show(w, "overview", p)
}

// lastComputed says when the newest of the figures' periods was computed.
func lastComputed(figures []*latest) string {
	var at time.Time
	for _, l := range figures {
		if l.Computed != nil && l.Computed.After(at) {
			at = *l.Computed
		}
	}
	return when(at)
}

type overviewData struct {
	Focus   focus
	Name    string
	Choices *choices
}

var standardTitles = map[int]string{2: "effective workforce planning", 8: "effective partnerships with higher education"}

func snCell(v *float64, unit string) Cell {
	if v == nil {
		return Cell{Text: "no neighbour figures", Missing: true, Numeric: true}
	}
	return valueCell(v, unit, "", "")
}

func quartileWithheld(m metricDef) string {
	if m.Disclosure {
		return "secondary"
	}
	return ""
}

func quartileCell(pt *trendPoint, unit string, m metricDef) Cell {
	if pt.P25 == nil || pt.P75 == nil {
		if m.Disclosure {
			return Cell{Text: "withheld so that no organisation's figure can be worked out", Missing: true}
		}
		return Cell{Text: "not enough organisations", Missing: true}
	}
	return Cell{Text: formatValue(*pt.P25, unit) + " to " + formatValue(*pt.P75, unit), Raw: rawValue(pt.P25) + "–" + rawValue(pt.P75)}
}

func periodList(ps map[string]bool) string {
	var out []string
	for p := range ps {
		out = append(out, p)
	}
	slices.Sort(out)
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return fmt.Sprintf("%s (the latest period with figures for each metric, from %s)", out[len(out)-1], joinAnd(out))
}

func joinAnd(s []string) string {
	if len(s) < 2 {
		return cmpOr(s...)
	}
	out := ""
	for i, x := range s {
		switch {
		case i == 0:
			out = x
		case i == len(s)-1:
			out += " and " + x
		default:
			out += ", " + x
		}
	}
	return out
}

// choices lets a person who may look at more than their own organisation pick what to see.
type choices struct {
	Orgs    []reference.Organisation
	Areas   []reference.Region
	Current focus
}

func (v *visit) choices(f focus) *choices {
	if !v.person.Steward() && !v.person.Analyst() && v.person.Org != "" {
		return nil
	}
	return &choices{Orgs: localAuthorities(), Areas: regions(), Current: f}
}
