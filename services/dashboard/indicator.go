package dashboard

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Comparison groups of the indicator page's ranked chart.
const (
	compareRegion     = "region"
	compareNeighbours = "neighbours"
	compareAlliance   = "alliance"
)

type indicatorData struct {
	Metric     metricDef
	Focus      focus
	Name       string
	Lines      *Chart
	Bars       *Chart
	Compare    string
	Compares   []compareChoice
	Periods    []string
	Period     string
	Alliances  []allianceDef
	Alliance   string
	GroupNote  string
	Choices    *choices
	Direction  string
	SourceKind string
}

type compareChoice struct {
	Value, Label, Hint string
	Checked            bool
}

// indicator is page 2: one metric over time for the focus with its region, England and its
// statistical neighbours, and a ranked chart of a comparison group in one period.
func (v *visit) indicator(w http.ResponseWriter) {
	id := v.r.PathValue("metric")
	m, ok, err := v.metric(id)
	if err != nil {
		v.refuse(w, err)
		return
	}
	if !ok {
		v.refuse(w, &apiProblem{Status: http.StatusNotFound, Detail: "no metric " + id})
		return
	}
	f, err := v.focusOf()
	if err != nil {
		v.refuse(w, err)
		return
	}
	t, _, err := v.seriesOf(f, m)
	if err != nil {
		v.refuse(w, err)
		return
	}
	if f.Org != "" && t.Region.Code != "" {
		f.Area = t.Region.Code
	}
	q := v.r.URL.Query()
	d := &indicatorData{Metric: m, Focus: f, Name: f.name(), Compare: q.Get("compare"), Direction: direction(m), SourceKind: m.Source, Choices: v.choices(f)}
	for _, pt := range t.Points {
		d.Periods = append(d.Periods, pt.Period)
	}
	last, _ := lastTwo(t.Points)
	d.Period = q.Get("period")
	if !slices.Contains(d.Periods, d.Period) && last != nil {
		d.Period = last.Period
	}
	if !slices.Contains([]string{compareRegion, compareNeighbours, compareAlliance}, d.Compare) {
		d.Compare = compareRegion
	}
	p := page{Title: m.Label + ": " + f.name(), Section: fmt.Sprintf("standard-%d", m.Standard), Period: d.Period, Data: d}

	d.Lines, p.Tables, err = seriesChart(m, f, t)
	if err != nil {
		v.app.fail(w, v.r, err)
		return
	}
	d.Alliances = v.alliancesFor()
	d.Alliance = cmpOr(q.Get("group"), f.Alliance)
	if d.Alliance == "" && len(d.Alliances) > 0 {
		d.Alliance = d.Alliances[0].ID
	}
	d.Compares = []compareChoice{
		{Value: compareRegion, Label: "Region: " + areaName(f.Area), Hint: "every organisation in the region that you may see by name"},
		{Value: compareNeighbours, Label: "Statistical neighbours", Hint: "the ten local authorities the DfE finds most like it"},
		{Value: compareAlliance, Label: "Alliance", Hint: "the members of an alliance you belong to"},
	}
	if f.Org == "" {
		d.Compares = slices.Delete(d.Compares, 1, 2)
		if d.Compare == compareNeighbours {
			d.Compare = compareRegion
		}
	}
	for i := range d.Compares {
		d.Compares[i].Checked = d.Compares[i].Value == d.Compare
	}
	if d.Period != "" {
		bars, table, note, computed, err := v.comparison(m, f, d)
		if err != nil {
			v.refuse(w, err)
			return
		}
		d.Bars, d.GroupNote = bars, note
		if computed != nil {
			p.Computed = when(*computed)
		}
		if table != nil {
			p.Tables = append(p.Tables, table)
		}
	}
	v.show(w, "indicator", p)
}

// seriesChart draws the focus's series with its region's, England's and its statistical
// neighbours' median (for an area: its median and England), and the table behind it.
func seriesChart(m metricDef, f focus, t trend) (*Chart, []*Table, error) {
	var periods []string
	own, region, england, sn := make([]*float64, len(t.Points)), make([]*float64, len(t.Points)), make([]*float64, len(t.Points)), make([]*float64, len(t.Points))
	table := &Table{ID: "trend", Caption: "The figures behind the time series", Small: true}
	u := m.Unit
	if f.Org != "" {
		table.Head = []Head{{Text: "Period"}, {Text: f.name(), Numeric: true}, {Text: "Region: " + areaName(f.Area), Numeric: true},
			{Text: "England", Numeric: true}, {Text: "Statistical neighbours (median)", Numeric: true}}
	} else {
		table.Head = []Head{{Text: "Period"}, {Text: f.name(), Numeric: true}, {Text: "Median of organisations", Numeric: true},
			{Text: "England", Numeric: true}, {Text: "Organisations", Numeric: true}}
	}
	for i, pt := range t.Points {
		periods = append(periods, pt.Period)
		own[i], england[i] = pt.Value, pt.EnglandValue
		row := []Cell{{Text: pt.Period, Header: true}, valueCell(pt.Value, u, pt.Reason, pt.Withheld)}
		if f.Org != "" {
			region[i], sn[i] = pt.RegionValue, pt.SNMedian
			row = append(row, valueCell(pt.RegionValue, u, "", pt.RegionWithheld), valueCell(pt.EnglandValue, u, "", pt.EnglandWithheld), snCell(pt.SNMedian, u))
		} else {
			region[i] = pt.Median
			row = append(row, valueCell(pt.Median, u, "", quartileWithheld(m)), valueCell(pt.EnglandValue, u, "", pt.EnglandWithheld),
				Cell{Text: fmt.Sprint(pt.Contributors), Numeric: true})
		}
		table.Rows = append(table.Rows, row)
	}
	series := []seriesInput{{Label: f.name(), Values: own, Focus: true}}
	if f.Org != "" {
		series = append(series, seriesInput{Label: areaName(f.Area), Values: region}, seriesInput{Label: "England", Values: england},
			seriesInput{Label: "Neighbours (median)", Values: sn})
	} else {
		series = append(series, seriesInput{Label: "Median", Values: region}, seriesInput{Label: "England", Values: england})
	}
	title := fmt.Sprintf("%s over time: %s", m.Label, f.name())
	chart, err := lineChart("trend-chart", title, seriesSummary(m, f, t), u, periods, series)
	return chart, []*Table{table}, err
}

// seriesSummary says what the time series shows.
func seriesSummary(m metricDef, f focus, t trend) string {
	first, last := -1, -1
	for i, pt := range t.Points {
		if pt.Value != nil {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if last < 0 {
		if len(t.Points) > 0 {
			pt := t.Points[len(t.Points)-1]
			return fmt.Sprintf("No figure is shown for %s: %s.", f.name(), missingWords(pt.Reason, pt.Withheld))
		}
		return "There are no figures to show."
	}
	a, b := t.Points[first], t.Points[last]
	s := fmt.Sprintf("%s for %s was %s in %s", m.Label, f.name(), formatValue(*b.Value, m.Unit), b.Period)
	if first != last {
		s += fmt.Sprintf(", against %s in %s", formatValue(*a.Value, m.Unit), a.Period)
	}
	if f.Org != "" && b.RegionValue != nil {
		s += fmt.Sprintf("; its region's was %s", formatValue(*b.RegionValue, m.Unit))
	}
	if b.EnglandValue != nil {
		s += fmt.Sprintf(" and England's %s", formatValue(*b.EnglandValue, m.Unit))
	}
	return s + " (" + direction(m) + ")."
}

// comparison draws the ranked chart of the chosen comparison group in one period, with the
// area's quartile band and its and England's values, and the table behind it.
func (v *visit) comparison(m metricDef, f focus, d *indicatorData) (*Chart, *Table, string, *time.Time, error) {
	std := fmt.Sprintf("/v1/benchmarks/standard-%d", m.Standard)
	q := query("region", f.Area, "period", d.Period, "org", f.Org)
	group := areaName(f.Area)
	if d.Compare == compareAlliance {
		if d.Alliance == "" {
			return nil, nil, "You are not a member of any alliance, so there is no alliance to compare with.", nil, nil
		}
		q = query("alliance", d.Alliance, "period", d.Period, "org", f.Org)
		group = allianceName(d.Alliances, d.Alliance)
	}
	var sb standardBenchmarks
	err := v.get(std, q, &sb)
	if d.Compare == compareAlliance && (statusOf(err) == http.StatusUnprocessableEntity || statusOf(err) == http.StatusBadRequest) {
		return nil, nil, "The hub does not compare alliances yet: choose the region or the statistical neighbours.", nil, nil
	}
	if statusOf(err) == http.StatusNotFound {
		return nil, nil, "There are no benchmarks for " + group + " in " + d.Period + ".", nil, nil
	}
	if err != nil {
		return nil, nil, "", nil, err
	}
	var mb *metricBenchmark
	for i := range sb.Metrics {
		if sb.Metrics[i].Metric.ID == m.ID {
			mb = &sb.Metrics[i]
		}
	}
	if mb == nil {
		return nil, nil, "", nil, fmt.Errorf("metric %s missing from %s", m.ID, std)
	}
	if sb.Region.Name != "" && d.Compare != compareNeighbours {
		group = sb.Region.Name
	}
	var bars []barInput
	note := ""
	switch d.Compare {
	case compareNeighbours:
		group = "statistical neighbours of " + f.name()
		if p := mb.Position; p != nil {
			bars = append(bars, barInput{Label: f.name(), Value: p.Value, Why: missingWords(p.Reason, p.Withheld), Focus: true})
			hidden := 0
			for _, n := range p.Neighbours {
				if n.Code == "" {
					continue
				}
				if n.Value == nil && !slices.ContainsFunc(mb.Orgs, func(o orgFigure) bool { return o.Code == n.Code }) && v.person.Org != n.Code {
					hidden++
				}
				bars = append(bars, barInput{Label: cmpOr(n.Name, orgName(n.Code)), Value: n.Value, Why: "not shown to you by name, or not known"})
			}
			if hidden > 0 {
				note = fmt.Sprintf("The hub shows you the figures of the organisations you may see by name: %d of the neighbours are not shown.", hidden)
			}
		}
	default:
		named := map[string]bool{}
		for _, o := range mb.Orgs {
			named[o.Code] = true
			bars = append(bars, barInput{Label: o.Name, Value: o.Value, Why: missingWords(o.Reason, o.Withheld), Focus: o.Code == f.Org})
		}
		if p := mb.Position; p != nil && !named[p.Code] {
			bars = append(bars, barInput{Label: f.name(), Value: p.Value, Why: missingWords(p.Reason, p.Withheld), Focus: true})
		}
		if others := mb.Contributors - len(mb.Orgs); others > 0 {
			note = fmt.Sprintf("%d other organisations count towards %s's figures; the hub does not show them to you by name.", others, group)
		}
	}
	refs := []refInput{{Label: group, Value: mb.RegionValue}, {Label: "England", Value: mb.EnglandValue}}
	if d.Compare == compareNeighbours {
		refs = []refInput{{Label: "Neighbours' median", Value: positionSN(mb.Position)}, {Label: "England", Value: mb.EnglandValue}}
	}
	p25, p75 := mb.P25, mb.P75
	if d.Compare == compareNeighbours {
		p25, p75 = nil, nil
	}
	bars = rankBars(bars, m.HigherIsBetter)
	title := fmt.Sprintf("%s in %s: %s ranked", m.Label, d.Period, group)
	chart, err := barChart("rank-chart", title, barSummary(m, f, mb, group, d.Compare), m.Unit, bars, refs, p25, p75)
	if err != nil {
		return nil, nil, "", nil, err
	}
	table := &Table{ID: "comparison", Caption: "The figures behind the ranked chart", Small: true,
		Head: []Head{{Text: "Organisation"}, {Text: m.Label, Numeric: true}, {Text: "Rank", Numeric: true}}}
	for _, b := range bars {
		rank := ""
		if b.Focus && mb.Position != nil && mb.Position.Rank > 0 {
			rank = fmt.Sprintf("%d of %d", mb.Position.Rank, mb.Position.RankOf)
		}
		for _, o := range mb.Orgs {
			if o.Name == b.Label && o.Rank > 0 {
				rank = fmt.Sprintf("%d of %d", o.Rank, o.RankOf)
			}
		}
		if d.Compare == compareNeighbours {
			rank = ""
		}
		cell := valueCell(b.Value, m.Unit, "", "")
		if b.Value == nil {
			cell.Text = cmpOr(b.Why, "not known")
		}
		cell.Focus = b.Focus
		table.Rows = append(table.Rows, []Cell{{Text: b.Label, Header: true, Focus: b.Focus}, cell, {Text: rank, Numeric: true, Focus: b.Focus}})
	}
	for _, r := range refs {
		table.Rows = append(table.Rows, []Cell{{Text: r.Label, Header: true}, valueCell(r.Value, m.Unit, "", ""), {}})
	}
	if p25 != nil && p75 != nil {
		table.Rows = append(table.Rows, []Cell{{Text: "Lower quartile", Header: true}, valueCell(p25, m.Unit, "", ""), {}},
			[]Cell{{Text: "Upper quartile", Header: true}, valueCell(p75, m.Unit, "", ""), {}})
	}
	return chart, table, note, sb.ComputedAt, nil
}

func positionSN(p *position) *float64 {
	if p == nil {
		return nil
	}
	return p.SNMedian
}

func barSummary(m metricDef, f focus, mb *metricBenchmark, group, compare string) string {
	var b strings.Builder
	if p := mb.Position; p != nil {
		if p.Value != nil {
			fmt.Fprintf(&b, "%s: %s", f.name(), formatValue(*p.Value, m.Unit))
			if p.Rank > 0 && compare != compareNeighbours {
				fmt.Fprintf(&b, ", %s of %d in %s", ordinal(p.Rank), p.RankOf, group)
			}
			if q := quartileWords(p.Value, mb.P25, mb.P75, m.HigherIsBetter); q != "" && compare != compareNeighbours {
				fmt.Fprintf(&b, " (%s)", q)
			}
			b.WriteString(". ")
		} else {
			fmt.Fprintf(&b, "%s: %s. ", f.name(), missingWords(p.Reason, p.Withheld))
		}
	}
	if compare == compareNeighbours {
		if sn := positionSN(mb.Position); sn != nil {
			fmt.Fprintf(&b, "The neighbours' median is %s. ", formatValue(*sn, m.Unit))
		}
	} else if mb.RegionValue != nil {
		fmt.Fprintf(&b, "%s as a whole: %s. ", group, formatValue(*mb.RegionValue, m.Unit))
	}
	if mb.P25 != nil && mb.P75 != nil && compare != compareNeighbours {
		fmt.Fprintf(&b, "The middle half of its organisations lie between %s and %s. ", formatValue(*mb.P25, m.Unit), formatValue(*mb.P75, m.Unit))
	}
	if mb.EnglandValue != nil {
		fmt.Fprintf(&b, "England: %s. ", formatValue(*mb.EnglandValue, m.Unit))
	}
	b.WriteString("Bars are ranked best first (" + direction(m) + ").")
	return b.String()
}

// alliancesFor lists the alliances the person may compare within (the API says which).
func (v *visit) alliancesFor() []allianceDef {
	var out struct {
		Alliances []allianceDef `json:"alliances"`
	}
	if err := v.get("/v1/alliances", nil, &out); err != nil {
		return nil
	}
	return out.Alliances
}

func allianceName(as []allianceDef, id string) string {
	for _, a := range as {
		if a.ID == id {
			return a.Name
		}
	}
	return id
}
