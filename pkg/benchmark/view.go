package benchmark

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/disclosure"
	"github.com/partnership-hub/hub/pkg/reference"
)

// This file is the reader view: a period's benchmarks as one reader may see them. Areas' figures
// are for every reader who may see the area (an alliance only for those who may see it); an
// organisation's figures appear by name only to readers who may see it by name, the others
// still counting in the areas' figures; ranks are among an area's organisations with a known
// value; a disclosure-controlled (survey) figure is protected again for each reader, so that no
// figure hidden from it can be worked out from those it is given and its own organisation's.

// Reader is who reads benchmarks (authz.Reader is the hub's).
type Reader interface {
	// Named tells whether the reader may see org's figures by name.
	Named(org string) bool
	// Everyone tells whether it may see every organisation by name.
	Everyone() bool
	// Own is its organisation, whose figures it knows whatever the hub publishes ("" for none).
	Own() string
	// SeesArea tells whether it may see an area's figures.
	SeesArea(code string) bool
}

// ErrNotFound is wrapped by the errors of a read that has nothing to answer with: an area or
// organisation without benchmarks, or one unknown to the hub. Its text says which, for the caller.
var ErrNotFound = errors.New("not found")

type notFoundError string

func (e notFoundError) Error() string        { return string(e) }
func (e notFoundError) Is(target error) bool { return target == ErrNotFound }

func notFound(msg string) error { return notFoundError(msg) }

// Organisations gives every organisation the hub knows, by code; reference.Directory keeps them
// in memory.
type Organisations interface {
	Organisations(ctx context.Context) (map[string]reference.Organisation, error)
}

// Tables are the benchmark tables as the reader view reads them: a Store, or the Cache in front
// of one. Every answer is made from one snapshot of each period it shows (one recomputation's
// figures, read whole), never from reads of the same period made apart.
type Tables interface {
	Period(ctx context.Context, period string) (*Snapshot, error)
	AreaPeriods(ctx context.Context) ([]string, error)
	Neighbours() map[string][]string
}

// ReaderView reads the benchmark tables and shows them as each reader may see them.
type ReaderView struct {
	cache Tables
	orgs  Organisations
}

// NewReaderView reads benchmarks from tables (the API gives it its Cache), and organisations'
// names and statistical neighbours from orgs.
func NewReaderView(tables Tables, orgs Organisations) *ReaderView {
	return &ReaderView{cache: tables, orgs: orgs}
}

// Standard reads every metric of a standard for an area and period as rd may see them, with
// org's position and statistical-neighbour group when org is given (rd must be allowed to see
// it by name: the caller checks). An area rd may not see is not found.
func (rv *ReaderView) Standard(ctx context.Context, rd Reader, std int, area, period, org string) (StandardBenchmarks, error) {
	metrics := OfStandard(std)
	if metrics == nil {
		return StandardBenchmarks{}, notFound(fmt.Sprintf("no benchmarks for standard %d", std))
	}
	if !rd.SeesArea(area) {
		return StandardBenchmarks{}, notFound("no such area: " + area)
	}
	snap, err := rv.cache.Period(ctx, period)
	if err != nil {
		return StandardBenchmarks{}, err
	}
	return rv.standardBenchmarks(ctx, rd, std, metrics, area, snap, org)
}

// StandardIn is Standard of the period's benchmarks in snap (Cache.Rendered gives it).
func (rv *ReaderView) StandardIn(ctx context.Context, rd Reader, std int, area string, snap *Snapshot, org string) (StandardBenchmarks, error) {
	metrics := OfStandard(std)
	if metrics == nil {
		return StandardBenchmarks{}, notFound(fmt.Sprintf("no benchmarks for standard %d", std))
	}
	if !rd.SeesArea(area) {
		return StandardBenchmarks{}, notFound("no such area: " + area)
	}
	return rv.standardBenchmarks(ctx, rd, std, metrics, area, snap, org)
}

// OrgTrend reads one metric of an organisation over every period, with its region's and
// England's values, as rd may see them (rd must be allowed to see org by name: the caller
// checks).
func (rv *ReaderView) OrgTrend(ctx context.Context, rd Reader, m Metric, org string) (Trend, error) {
	return rv.orgTrend(ctx, rd, m, org)
}

// AreaTrend reads one metric of an area over every period, as rd may see it. An area rd may
// not see is not found.
func (rv *ReaderView) AreaTrend(ctx context.Context, rd Reader, m Metric, area string) (Trend, error) {
	if !rd.SeesArea(area) {
		return Trend{}, notFound("no such area: " + area)
	}
	return rv.areaTrend(ctx, rd, m, area)
}

// AreaRef names a region, a London sub-region, England or an alliance.
type AreaRef struct {
	Code  string `json:"code" example:"E12000001" doc:"ONS code, or an alliance's id"`
	Name  string `json:"name" example:"North East"`
	Level string `json:"level" enum:"england,region,subregion,alliance" doc:"Where it sits in the geography, or alliance"`
}

// OrgFigure is one organisation's value for a metric.
type OrgFigure struct {
	Org string `json:"org" example:"E06000001" doc:"The organisation's code"`
	// Code is Org's old name in the contract, kept for one version (CHANGELOG.md).
	Code        string   `json:"code" example:"E06000001" deprecated:"true" doc:"The same as org: its old name, answered until version 1.2.0"`
	Name        string   `json:"name" example:"Hartlepool"`
	Value       *float64 `json:"value" doc:"Its own value; null when an input is unknown, when only areas have a value, or when withheld"`
	Reason      string   `json:"reason,omitempty" doc:"Why the value is null"`
	Withheld    string   `json:"withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled value is withheld: fewer than 10 respondents, or it would let a withheld figure be worked out"`
	Respondents int      `json:"respondents,omitempty" doc:"Survey respondents behind a disclosure-controlled value, when it is published"`
	Rank        int      `json:"rank,omitempty" doc:"Rank among the area's organisations with a known value, 1 being the best given the metric's direction (ties share a rank)"`
	RankOf      int      `json:"rank_of,omitempty" doc:"Number of organisations ranked: those with a known value"`
	// The median of its DfE statistical neighbours' values.
	StatNeighbourMedian *float64 `json:"stat_neighbour_median" doc:"Median of its statistical neighbours' values"`
	StatNeighbours      int      `json:"stat_neighbours_known" doc:"How many neighbours' values the median is of"`
}

// Neighbour is one of an organisation's statistical neighbours.
type Neighbour struct {
	OldCode string   `json:"old_la_code" doc:"DfE 3-digit LA code" example:"806"`
	Org     string   `json:"org,omitempty" doc:"The organisation reporting for it"`
	Code    string   `json:"code,omitempty" deprecated:"true" doc:"The same as org: its old name, answered until version 1.2.0"`
	Name    string   `json:"name,omitempty"`
	Value   *float64 `json:"value,omitempty" doc:"Its value, only when you may see it by name and it is not withheld"`
}

// Position is the organisation asked for with org=: its figure and its neighbour group.
type Position struct {
	OrgFigure
	Neighbours []Neighbour `json:"neighbours" doc:"Its DfE statistical neighbours (2021), closest first"`
}

// MetricBenchmark is one metric's benchmark for an area and period.
type MetricBenchmark struct {
	Metric          Metric      `json:"metric"`
	RegionValue     *float64    `json:"region_value" doc:"Ratio of the contributors' summed counts; null without contributors or when withheld"`
	RegionWithheld  string      `json:"region_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled region_value is withheld"`
	Respondents     int         `json:"respondents,omitempty" doc:"Survey respondents behind a disclosure-controlled region_value, when it is published"`
	EnglandValue    *float64    `json:"england_value" doc:"The same for England"`
	EnglandWithheld string      `json:"england_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled england_value is withheld"`
	Median          *float64    `json:"median" doc:"Median of the contributors' own values (quantile type 7); for a disclosure-controlled metric, of the published values, and only when you may see every contributor by name"`
	P25             *float64    `json:"p25" doc:"Lower quartile of the contributors' own values"`
	P75             *float64    `json:"p75" doc:"Upper quartile of the contributors' own values"`
	Contributors    int         `json:"contributors" doc:"Organisations adding to the area's sums (their inputs known)"`
	Excluded        int         `json:"excluded" doc:"Organisations with data for the metric left out: an input unknown, or a zero denominator"`
	Orgs            []OrgFigure `json:"orgs" doc:"The area's organisations you may see by name"`
	Position        *Position   `json:"position,omitempty" doc:"The organisation asked for with org="`
}

// StandardBenchmarks is every metric of one standard for an area and period.
type StandardBenchmarks struct {
	Standard int     `json:"standard" doc:"The employer standard" example:"2"`
	Region   AreaRef `json:"region"`
	Period   string  `json:"period" example:"2024"`
	// ComputedAt is when the period's benchmarks were last computed.
	ComputedAt *time.Time        `json:"computed_at,omitempty" doc:"When the period's benchmarks for the area were last computed (UTC)"`
	Metrics    []MetricBenchmark `json:"metrics" doc:"Every metric of the standard, in catalogue order; one without data for the period has null values"`
}

// TrendPoint is one period of a series.
type TrendPoint struct {
	Period              string   `json:"period" example:"2024"`
	Value               *float64 `json:"value" doc:"The organisation's or area's value"`
	Reason              string   `json:"reason,omitempty" doc:"Why the organisation's value is null"`
	Withheld            string   `json:"withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled value is withheld"`
	StatNeighbourMedian *float64 `json:"stat_neighbour_median,omitempty" doc:"For an organisation: its statistical neighbours' median"`
	RegionValue         *float64 `json:"region_value,omitempty" doc:"For an organisation: its region's value"`
	RegionWithheld      string   `json:"region_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"For an organisation: why its region's disclosure-controlled value is withheld"`
	Median              *float64 `json:"median,omitempty" doc:"For an area: its contributors' median"`
	P25                 *float64 `json:"p25,omitempty"`
	P75                 *float64 `json:"p75,omitempty"`
	Contributors        int      `json:"contributors,omitempty"`
	Excluded            int      `json:"excluded,omitempty"`
	EnglandValue        *float64 `json:"england_value" doc:"England's value"`
	EnglandWithheld     string   `json:"england_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why England's disclosure-controlled value is withheld"`
}

// Trend is one metric over every period, for an organisation or an area.
type Trend struct {
	Metric Metric       `json:"metric"`
	Org    string       `json:"org,omitempty"`
	Name   string       `json:"name"`
	Region AreaRef      `json:"region" doc:"The area, or the organisation's own region"`
	Points []TrendPoint `json:"points"`
}

func areaRef(a Area) AreaRef { return AreaRef{Code: a.Region, Name: a.Name, Level: a.Level} }

// standardBenchmarks reads the metrics of a standard for an area and period, as rd may see them.
func (rv *ReaderView) standardBenchmarks(ctx context.Context, rd Reader, std int, metrics []Metric,
	region string, snap *Snapshot, org string) (StandardBenchmarks, error) {
	period := snap.Period
	res := StandardBenchmarks{Standard: std, Period: period, Metrics: []MetricBenchmark{}}
	areas := snap.Areas([]string{region, reference.England})
	members := snap.Members(region)
	own, england := map[string]Area{}, map[string]Area{}
	for _, a := range areas {
		if a.Region == region {
			own[a.Metric] = a
			res.Region = areaRef(a)
			if at := a.ComputedAt; !at.IsZero() && (res.ComputedAt == nil || at.After(*res.ComputedAt)) {
				res.ComputedAt = &at
			}
		}
		if a.Region == reference.England {
			england[a.Metric] = a
		}
	}
	// Any metric's row will do: the area has benchmarks for the period, if not this standard's.
	if len(own) == 0 {
		return res, notFound(fmt.Sprintf("no benchmarks for area %s in period %s", region, period))
	}
	var everyOrg []Value
	if region == reference.England {
		everyOrg = members
	}
	views := readerViews(rd, metrics, snap, everyOrg)
	byMetric := map[string][]Value{}
	for _, v := range members {
		byMetric[v.Metric] = append(byMetric[v.Metric], v)
	}
	var pos map[string]*Position
	if org != "" {
		var err error
		if pos, err = rv.positions(ctx, rd, metrics, views, snap, org); err != nil {
			return res, err
		}
	}
	for _, m := range metrics {
		res.Metrics = append(res.Metrics, metricBenchmark(m, own[m.ID], england[m.ID], byMetric[m.ID], rd, views[m.ID], pos[m.ID]))
	}
	return res, nil
}

// metricBenchmark is one metric of an area as rd may see it: the area's and England's figures,
// and its organisations' values with their ranks. Ranks are among the organisations with a
// known value (withheld and area-only values are unknown), so rank_of may be fewer than the
// contributors.
func metricBenchmark(m Metric, a, e Area, vs []Value, rd Reader, dv *disclosed, p *Position) MetricBenchmark {
	mb := MetricBenchmark{Metric: m, Contributors: a.Contributors, Excluded: a.Excluded, Orgs: []OrgFigure{}, Position: p}
	mb.RegionValue, mb.RegionWithheld, mb.Respondents = publishArea(m, a, dv)
	mb.EnglandValue, mb.EnglandWithheld, _ = publishArea(m, e, dv)
	// A quantile of a few published values can give away a withheld one, or be one: only a
	// reader who may see every contributor by name gets them.
	if !m.Disclosure || dv.allNamed(a.Region) {
		mb.Median, mb.P25, mb.P75 = a.Median, a.P25, a.P75
	}
	slices.SortFunc(vs, func(x, y Value) int { return cmp.Compare(x.Org, y.Org) })
	ranks := Rank(valuesOf(vs), m.HigherIsBetter)
	ranked := 0
	for _, r := range ranks {
		if r > 0 {
			ranked++
		}
	}
	for i, v := range vs {
		f := publishOrg(m, v, dv)
		if ranks[i] > 0 && f.Value != nil {
			f.Rank, f.RankOf = ranks[i], ranked
		}
		if rd.Named(v.Org) {
			mb.Orgs = append(mb.Orgs, f)
		}
		if p != nil && v.Org == p.Code {
			p.Rank, p.RankOf = f.Rank, f.RankOf
		}
	}
	return mb
}

func valuesOf(vs []Value) []*float64 {
	out := make([]*float64, len(vs))
	for i, v := range vs {
		out[i] = v.Value
	}
	return out
}

// publishOrg is an organisation's figure as a reader may see it by name: for a
// disclosure-controlled metric, null with the reason when withheld from everyone or from this
// reader, and with its respondents when published.
func publishOrg(m Metric, v Value, dv *disclosed) OrgFigure {
	f := OrgFigure{Org: v.Org, Code: v.Org, Name: v.Name, Value: v.Value, Reason: v.Reason, StatNeighbourMedian: v.SNMedian, StatNeighbours: v.SNCount}
	if !m.Disclosure {
		return f
	}
	f.Withheld = v.Withheld
	if r := dv.org(v.Org); f.Withheld == "" && r != disclosure.Shown {
		f.Withheld, f.Reason = string(r), WithheldReason(r)
	}
	if f.Withheld != "" {
		f.Value = nil
	} else if f.Value != nil {
		f.Respondents = v.Respondents
	}
	return f
}

// publishArea is an area's value as a reader may see it: for a disclosure-controlled metric,
// null with the reason when withheld from everyone or from this reader, and with its
// respondents when published.
func publishArea(m Metric, a Area, dv *disclosed) (value *float64, withheld string, respondents int) {
	if !m.Disclosure {
		return a.Value, "", 0
	}
	if withheld = cmp.Or(a.Withheld, string(dv.area(a.Region))); withheld != "" {
		return nil, withheld, 0
	}
	if a.Value != nil {
		respondents = a.Respondents
	}
	return a.Value, "", respondents
}

// disclosed is what one reader may see of a disclosure-controlled metric in one period. The
// benchmarks are protected when they are computed for a reader who may see every organisation
// by name; most readers see only some, and must not be able to work out the others' figures
// from the areas' and their own. The nil *disclosed is the view of a reader who sees everyone:
// nothing withheld beyond what is withheld from everyone.
type disclosed struct {
	orgs    map[string]disclosure.Reason // organisations' values withheld from the reader
	areas   map[string]disclosure.Reason // areas' values withheld from the reader
	partial map[string]bool              // areas with a contributor the reader may not see by name
}

func (dv *disclosed) org(code string) disclosure.Reason {
	if dv == nil {
		return disclosure.Shown
	}
	return dv.orgs[code]
}

func (dv *disclosed) area(code string) disclosure.Reason {
	if dv == nil {
		return disclosure.Shown
	}
	return dv.areas[code]
}

// allNamed tells whether the reader may see every contributor of the area by name.
func (dv *disclosed) allNamed(code string) bool { return dv == nil || !dv.partial[code] }

// readerViews works out rd's view of each disclosure-controlled metric of metrics in period:
// none (nil) for a reader who may see every organisation by name. everyOrg is the values of
// every organisation in England for the period, when they have been read already.
func readerViews(rd Reader, metrics []Metric, snap *Snapshot, everyOrg []Value) map[string]*disclosed {
	asked := map[string]bool{}
	for _, m := range metrics {
		asked[m.ID] = m.Disclosure
	}
	// A metric is protected with the rest of its family (see Families), asked for or not.
	var families [][]Metric
	controlled := map[string]bool{}
	var every []Metric
	for _, m := range Catalogue() {
		if m.Disclosure {
			every = append(every, m)
		}
	}
	for _, f := range Families(every) {
		if slices.ContainsFunc(f, func(m Metric) bool { return asked[m.ID] }) {
			families = append(families, f)
			for _, m := range f {
				controlled[m.ID] = true
			}
		}
	}
	if rd.Everyone() || len(controlled) == 0 {
		return nil
	}
	if everyOrg == nil {
		everyOrg = snap.Members(reference.England)
	}
	values := map[string][]Value{}
	var codes []string
	for _, v := range everyOrg {
		if !controlled[v.Metric] {
			continue
		}
		// The areas the reader may not see (another's alliance) are no sums it could use: they
		// leave its table, rather than be protected at the cost of figures it may see.
		v.Regions = slices.DeleteFunc(slices.Clone(v.Regions), func(code string) bool { return !rd.SeesArea(code) })
		values[v.Metric] = append(values[v.Metric], v)
		for _, code := range v.Regions {
			if !slices.Contains(codes, code) {
				codes = append(codes, code)
			}
		}
	}
	slices.Sort(codes)
	areas := map[string][]Area{}
	if len(codes) > 0 {
		for _, a := range snap.Areas(codes) {
			areas[a.Metric] = append(areas[a.Metric], a)
		}
	}
	out := map[string]*disclosed{}
	for _, f := range families {
		maps.Copy(out, protectFor(rd, f, values, areas))
	}
	return out
}

// periodView is rd's view of one metric in one period (see readerViews).
func periodView(rd Reader, m Metric, snap *Snapshot) *disclosed {
	return readerViews(rd, []Metric{m}, snap, nil)[m.ID]
}

// protectFor applies disclosure control to a family of metrics' figures of one period again, for
// rd (values and areas are by metric). The table is the one of compute time (every counted
// organisation in England and every area it counts towards, each area the sum of its
// organisations, each organisation's figure of a metric with parts the sum of its parts'), in
// which the figures withheld from everyone and those of the organisations rd may not see by name
// are hidden, and rd's own organisation is a known part of its areas' sums rather than a figure
// to protect: a council whose region has one other contributor must not get the region's figure,
// which less its own is the other's. Protecting the whole geography at once, rather than only the
// area asked for, keeps every answer to rd consistent: no combination of the regions', England's
// and the named organisations' figures rd may be given, in one answer or several, gives a hidden
// one away.
func protectFor(rd Reader, family []Metric, values map[string][]Value, areas map[string][]Area) map[string]*disclosed {
	var all []Value
	withheld := map[[2]string]bool{}
	out := map[string]*disclosed{}
	for _, m := range family {
		dv := &disclosed{partial: map[string]bool{}}
		for _, v := range values[m.ID] {
			if v.Counted() && !rd.Named(v.Org) {
				for _, code := range v.Regions {
					dv.partial[code] = true
				}
			}
		}
		for _, a := range areas[m.ID] {
			withheld[[2]string{m.ID, a.Region}] = a.Withheld != ""
		}
		all = append(all, values[m.ID]...)
		out[m.ID] = dv
	}
	ws := Disclose(all, family, View{
		Hidden:     func(v Value) bool { return v.Withheld != "" || !rd.Named(v.Org) },
		HiddenArea: func(metric, code string) bool { return withheld[[2]string{metric, code}] },
		Known:      rd.Own(),
	})
	for id, w := range ws {
		out[id].orgs, out[id].areas = w.Orgs, w.Areas
	}
	return out
}

// positions reads an organisation's values and its statistical neighbours' for every metric;
// a neighbour's value is shown only when the caller may see that neighbour by name and it is
// not withheld.
func (rv *ReaderView) positions(ctx context.Context, rd Reader, metrics []Metric, views map[string]*disclosed,
	snap *Snapshot, org string) (map[string]*Position, error) {
	orgs, err := rv.orgs.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	o, ok := orgs[org]
	if !ok {
		return nil, notFound("no such organisation")
	}
	var neighbours []Neighbour
	codes := []string{org}
	for _, old := range NeighbourCodes(o.OldCode, rv.cache.Neighbours()) {
		n := Neighbour{OldCode: old}
		for _, other := range orgs {
			exact := other.OldCode == old
			if exact || (n.Code == "" && slices.Contains(strings.Split(other.OldCode, "_"), old)) {
				n.Org, n.Code, n.Name = other.Code, other.Code, other.Name
				if exact {
					break
				}
			}
		}
		neighbours = append(neighbours, n)
		if n.Code != "" {
			codes = append(codes, n.Code)
		}
	}
	values := snap.OrgValues(codes)
	out := map[string]*Position{}
	for _, m := range metrics {
		p := &Position{OrgFigure: OrgFigure{Org: org, Code: org, Name: o.Name}, Neighbours: []Neighbour{}}
		for _, n := range neighbours {
			for _, v := range values {
				if v.Metric == m.ID && v.Org == n.Code && rd.Named(n.Code) {
					n.Value = publishOrg(m, v, views[m.ID]).Value
				}
			}
			p.Neighbours = append(p.Neighbours, n)
		}
		for _, v := range values {
			if v.Metric == m.ID && v.Org == org {
				p.OrgFigure = publishOrg(m, v, views[m.ID])
			}
		}
		out[m.ID] = p
	}
	return out, nil
}

// snapshots are every period's benchmarks, oldest first, each read whole (periods without any
// left out).
func (rv *ReaderView) snapshots(ctx context.Context) ([]*Snapshot, error) {
	periods, err := rv.cache.AreaPeriods(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Snapshot
	for _, p := range slices.Sorted(slices.Values(periods)) {
		snap, err := rv.cache.Period(ctx, p)
		if err != nil {
			return nil, err
		}
		if !snap.Empty() {
			out = append(out, snap)
		}
	}
	return out, nil
}

// orgTrend reads an organisation's series with its region's and England's, as rd may see them:
// a disclosure-controlled metric is protected in each period as in the standard's benchmarks.
// Each period's point is of one snapshot: the organisation's value beside its areas' of the
// same recomputation.
func (rv *ReaderView) orgTrend(ctx context.Context, rd Reader, m Metric, org string) (Trend, error) {
	res := Trend{Metric: m, Org: org, Name: org, Points: []TrendPoint{}}
	snaps, err := rv.snapshots(ctx)
	if err != nil {
		return res, err
	}
	var (
		series []Value
		of     []*Snapshot
	)
	for _, snap := range snaps {
		if v, ok := snap.orgValue(m.ID, org); ok {
			series, of = append(series, v), append(of, snap)
		}
	}
	if len(series) == 0 {
		return res, notFound("no benchmarks for this organisation")
	}
	last := series[len(series)-1]
	res.Name = last.Name
	region := last.Regions[0]
	for _, snap := range of {
		if a, ok := snap.area(m.ID, region); ok {
			res.Region = areaRef(a)
		}
	}
	for i, v := range series {
		snap := of[i]
		dv := periodView(rd, m, snap)
		own, _ := snap.area(m.ID, region)
		england, _ := snap.area(m.ID, reference.England)
		f := publishOrg(m, v, dv)
		pt := TrendPoint{Period: v.Period, Value: f.Value, Reason: f.Reason, Withheld: f.Withheld, StatNeighbourMedian: v.SNMedian}
		pt.RegionValue, pt.RegionWithheld, _ = publishArea(m, own, dv)
		pt.EnglandValue, pt.EnglandWithheld, _ = publishArea(m, england, dv)
		res.Points = append(res.Points, pt)
	}
	return res, nil
}

// areaTrend reads an area's series, as rd may see it: a disclosure-controlled metric is
// protected in each period as in the standard's benchmarks (for a reader who may not see every
// organisation by name, by the whole table of that period: at the least, an area's value is
// withheld when all but one of its contributors' figures are known to the reader, the other
// being hidden from it or withheld), and its quartiles are only for a reader who may see every
// contributor by name.
func (rv *ReaderView) areaTrend(ctx context.Context, rd Reader, m Metric, region string) (Trend, error) {
	res := Trend{Metric: m, Points: []TrendPoint{}}
	snaps, err := rv.snapshots(ctx)
	if err != nil {
		return res, err
	}
	for _, snap := range snaps {
		a, ok := snap.area(m.ID, region)
		if !ok {
			continue
		}
		dv := periodView(rd, m, snap)
		england, _ := snap.area(m.ID, reference.England)
		res.Region, res.Name = areaRef(a), a.Name
		pt := TrendPoint{Period: a.Period, Contributors: a.Contributors, Excluded: a.Excluded}
		pt.Value, pt.Withheld, _ = publishArea(m, a, dv)
		pt.EnglandValue, pt.EnglandWithheld, _ = publishArea(m, england, dv)
		if !m.Disclosure || dv.allNamed(region) {
			pt.Median, pt.P25, pt.P75 = a.Median, a.P25, a.P75
		}
		res.Points = append(res.Points, pt)
	}
	if len(res.Points) == 0 {
		return res, notFound("no benchmarks for this area")
	}
	return res, nil
}

func byPeriod(areas []Area, region string) map[string]Area {
	out := map[string]Area{}
	for _, a := range areas {
		if a.Region == region {
			out[a.Period] = a
		}
	}
	return out
}
