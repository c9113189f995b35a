package benchmark

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Input is what one period's benchmarks are computed from: every organisation's figures of the
// period (summed by each kind from its stored rows; workforce returns may also be given as they
// are), and the reference data that places each organisation.
type Input struct {
	Period        string
	Returns       []workforce.Return // workforce returns as they are, merged into Figures by organisation
	Figures       []Figures
	Organisations map[string]reference.Organisation // by code
	Regions       map[string]reference.Region       // by code
	Neighbours    map[string][]string               // old LA code → its statistical neighbours' old codes
	// Alliances are areas too: each member counts towards every alliance it belongs to, as it
	// does towards its region (an alliance need not follow region lines).
	Alliances []alliance.Alliance
}

// Value is one organisation's figures for one metric and period.
type Value struct {
	Period  string
	Metric  string
	Org     string
	Name    string
	Regions []string // every area it counts towards: its region (or London sub-region), London, England, then its alliances
	// Num and Den are the counts it contributes to its areas' sums (nil when an input is unknown);
	// Value is Scale × Num ÷ Den, nil when an input is unknown, Den is zero, the metric is an
	// area's only, or disclosure control withholds it; Reason says why.
	Num, Den *float64
	Value    *float64
	Reason   string
	// Respondents is the number of survey respondents behind a disclosure-controlled value, and
	// Withheld the disclosure reason when it is withheld (disclosure.Primary or Secondary).
	Respondents int
	Withheld    string
	// SNMedian is the median of its statistical neighbours' values (SNCount of them known).
	SNMedian *float64
	SNCount  int
}

// Counted reports whether the value adds to its areas' sums: its inputs are known and, unless
// only areas have values, its denominator is above zero.
func (v Value) Counted() bool {
	return v.Num != nil && v.Den != nil && (v.Value != nil || v.Withheld != "" || v.Reason == ReasonAreaOnly)
}

// Area is the figures of a region, a London sub-region, England or an alliance for one metric
// and period.
type Area struct {
	Period string
	Metric string
	Region string
	Name   string
	Level  string
	// Num and Den are the sums over the contributors; Value = Scale × Num ÷ Den, nil without any
	// or when disclosure control withholds it (Withheld says why).
	Num, Den    float64
	Value       *float64
	Respondents int
	Withheld    string
	// Median and quartiles of the contributors' own values (quantile type 7: see Quantile); for
	// a disclosure-controlled metric, of the values published.
	Median, P25, P75 *float64
	Contributors     int // organisations adding to the sums
	Excluded         int // organisations with data for the metric left out: an input unknown, or a zero denominator
	// ComputedAt is when its period was computed, as read back from the table (Write stamps it).
	ComputedAt time.Time
}

// Result is a period's benchmarks.
type Result struct {
	Values []Value
	Areas  []Area
}

// Reasons a value is missing, beside the unknown input's own.
const (
	ReasonZeroDenominator = "zero denominator"
	ReasonAreaOnly        = "only areas have a value: the organisation adds what it reports to their sums"
	ReasonFewRespondents  = "withheld: fewer than 10 respondents"
	ReasonSecondary       = "withheld: it would let a withheld figure be worked out"
)

// LevelAlliance is an alliance area's level, beside the geography's england, region and
// subregion.
const LevelAlliance = "alliance"

// Compute works out every metric for every organisation with data for it in the period, and for
// every area those organisations count towards. It is a pure function: the same input gives the
// same result whatever the order of the figures.
//
// An organisation counts towards its own region (a London borough: its sub-region), every area
// above it (London), England, and every alliance it belongs to. A joint return (e.g. E09000021_E09000027) is one organisation.
// An unknown input, or a zero denominator, leaves the organisation out of that metric only.
func Compute(in Input, metrics []Metric) Result {
	figs := OrgFigures(in)
	at := placeOrgs(in, figs)
	// Organisation by organisation, every metric: one organisation's figures stay in the cache
	// while its values are worked out. Each metric's values fill their own part of one slab,
	// sized by counting first the organisations with data for each (often few: a slab of
	// organisations × metrics would be mostly empty).
	counts := make([]int, len(metrics)+1)
	has := make([]bool, len(figs)*len(metrics)) // organisation i has data for metric j: has[i*len(metrics)+j]
	names := newFigureNames(metrics)
	held := names.set()
	for i, f := range figs {
		names.of(f, held)
		for j := range metrics {
			if names.hasData(held, j) {
				has[i*len(metrics)+j] = true
				counts[j+1]++
			}
		}
	}
	for j := range metrics {
		counts[j+1] += counts[j]
	}
	slab := make([]Value, counts[len(metrics)])
	origin := make([]int32, len(slab))
	values := make([][]Value, len(metrics))
	from := make([][]int32, len(metrics)) // the index in figs of each value of a metric
	for j := range metrics {
		values[j] = slab[counts[j]:counts[j]:counts[j+1]]
		from[j] = origin[counts[j]:counts[j]:counts[j+1]]
	}
	for i, f := range figs {
		for j, m := range metrics {
			if has[i*len(metrics)+j] {
				values[j] = append(values[j], orgValue(in, m, f, &at.orgs[i]))
				from[j] = append(from[j], int32(i))
			}
		}
	}
	// The disclosure-controlled metrics' areas, a family of metrics (one, or one and its parts)
	// protected at once.
	protected := make([][]Area, len(metrics))
	index := make(map[string]int, len(metrics))
	var controlled []Metric
	for j, m := range metrics {
		index[m.ID] = j
		if m.Disclosure {
			controlled = append(controlled, m)
		}
	}
	for _, family := range Families(controlled) {
		vs := make([][]Value, len(family))
		for i, m := range family {
			vs[i] = values[index[m.ID]]
		}
		for i, areas := range protect(in, family, vs) {
			protected[index[family[i].ID]] = areas
		}
	}
	res := Result{Values: slab}
	for j, m := range metrics {
		vs := values[j]
		areas := protected[j]
		if !m.Disclosure {
			areas = sumAreas(in, m, vs)
		}
		at.neighbourMedians(vs, from[j])
		if m.Disclosure {
			// A median of one or two neighbours is their value, or gives one from the other.
			for i := range vs {
				if vs[i].SNCount < 3 {
					vs[i].SNMedian, vs[i].SNCount = nil, 0
				}
			}
		}
		res.Areas = append(res.Areas, areas...)
	}
	return res
}

// OrgFigures gathers each organisation's figures of the period: its workforce return's and those
// of the other kinds, in order of organisation code. An organisation with figures from one
// source only keeps that source's map (the caller's: it must not be modified).
func OrgFigures(in Input) []*Figures {
	sources := make(map[string][]map[string]measure.Value, len(in.Returns)+len(in.Figures))
	for i := range in.Returns {
		f := ReturnFigures(&in.Returns[i])
		sources[f.Org] = append(sources[f.Org], f.Values)
	}
	for _, f := range in.Figures {
		sources[f.Org] = append(sources[f.Org], f.Values)
	}
	figs := make([]*Figures, 0, len(sources))
	for org, maps := range sources {
		if len(maps) == 1 {
			figs = append(figs, &Figures{Org: org, Values: maps[0]})
			continue
		}
		n := 0
		for _, m := range maps {
			n += len(m)
		}
		values := make(map[string]measure.Value, n)
		for _, m := range maps { // a later source's figure of the same name wins
			for k, v := range m {
				values[k] = v
			}
		}
		figs = append(figs, &Figures{Org: org, Values: values})
	}
	slices.SortFunc(figs, func(a, b *Figures) int { return cmp.Compare(a.Org, b.Org) })
	return figs
}

// placed is where each organisation of a period sits, worked out once for every metric.
type placed struct {
	orgs []orgPlace
	// slots counts the old LA codes the organisations stand for (a joint return stands for each
	// of its authorities), each given a slot; neighbours of an organisation are slots.
	slots int
	// Per metric, scratch: the value standing for each slot, and whether a single authority's.
	slotValue []*float64
	slotExact []bool
	xs        []float64
}

type orgPlace struct {
	name       string
	areas      []string // every area it counts towards: shared by its values, never appended to
	parts      []int32  // the slots of its old LA code's authorities
	single     bool     // its old LA code is one authority's
	neighbours []int32  // the slots of its statistical neighbours, closest first
	hasOld     bool
}

func placeOrgs(in Input, figs []*Figures) *placed {
	p := &placed{orgs: make([]orgPlace, len(figs))}
	slot := map[string]int32{}
	olds := make([][]string, len(figs))
	for i, f := range figs {
		org, known := in.Organisations[f.Org]
		op := &p.orgs[i]
		op.name = org.Name
		if !known {
			op.name = f.Org
		}
		areas := areasOf(org.Region, in.Regions)
		for _, a := range in.Alliances {
			if slices.Contains(a.Members, f.Org) {
				areas = append(areas, a.ID)
			}
		}
		op.areas = areas[:len(areas):len(areas)]
		if org.OldCode == "" {
			continue
		}
		op.hasOld = true
		olds[i] = strings.Split(org.OldCode, "_")
		op.single = len(olds[i]) == 1
		for _, part := range olds[i] {
			if part == "" {
				continue
			}
			s, ok := slot[part]
			if !ok {
				s = int32(len(slot))
				slot[part] = s
			}
			op.parts = append(op.parts, s)
		}
	}
	p.slots = len(slot)
	for i := range p.orgs {
		if !p.orgs[i].hasOld {
			continue
		}
		for _, n := range neighbourCodes(olds[i], in.Neighbours) {
			if s, ok := slot[n]; ok {
				p.orgs[i].neighbours = append(p.orgs[i].neighbours, s)
			}
		}
	}
	p.slotValue, p.slotExact = make([]*float64, p.slots), make([]bool, p.slots)
	return p
}

// neighbourMedians sets each value's statistical-neighbour median: the median of the known
// values of the organisations that are its DfE statistical neighbours. A joint return's
// neighbours are those of each of its authorities, less the authorities themselves; a neighbour
// that reported only within a joint return is represented by that return's value. from[i] is
// the organisation of values[i].
func (p *placed) neighbourMedians(values []Value, from []int32) {
	clear(p.slotValue)
	clear(p.slotExact)
	for i, v := range values {
		if v.Value == nil {
			continue
		}
		op := &p.orgs[from[i]]
		for _, s := range op.parts {
			if p.slotExact[s] {
				continue
			}
			p.slotValue[s], p.slotExact[s] = v.Value, op.single
		}
	}
	for i := range values {
		op := &p.orgs[from[i]]
		if !op.hasOld {
			continue
		}
		xs := p.xs[:0]
		for _, s := range op.neighbours {
			if x := p.slotValue[s]; x != nil {
				xs = append(xs, *x)
			}
		}
		if len(xs) > 0 {
			slices.Sort(xs)
			values[i].SNMedian, values[i].SNCount = ptr(Quantile(xs, 0.5)), len(xs)
		}
		p.xs = xs
	}
}

// orgValue works out the value of an organisation with data for the metric (figureNames.hasData).
func orgValue(in Input, m Metric, f *Figures, at *orgPlace) Value {
	v := Value{Period: in.Period, Metric: m.ID, Org: f.Org, Name: at.name, Regions: at.areas}
	if m.Respondents != "" {
		v.Respondents = int(f.Values[m.Respondents].V)
	}
	num, why := sum(f, m.Numerator, m.AreaOnly)
	if why == "" {
		var den float64
		den, why = sum(f, m.Denominator, m.AreaOnly)
		if why == "" {
			den *= cmp.Or(m.Factor, 1)
			v.Num, v.Den = &num, &den
			switch {
			case m.AreaOnly:
				why = ReasonAreaOnly
			case den == 0:
				why = ReasonZeroDenominator
			default:
				v.Value = ptr(m.Scale * num / den)
			}
		}
	}
	v.Reason = why
	return v
}

// figureNames numbers the figures metrics are computed from, so that which metrics an
// organisation has data for is worked out from the names its figures hold, each looked up once,
// rather than by looking up each metric's figures in turn (an organisation has data for a metric
// when it has one of the numerator's figures; for an area-only metric, of either side's).
type figureNames struct {
	bit   map[string]int
	words int
	wants [][]uint64 // per metric, the figures that give it data
}

func newFigureNames(metrics []Metric) *figureNames {
	fn := &figureNames{bit: map[string]int{}}
	number := func(names []string) {
		for _, n := range names {
			if _, ok := fn.bit[n]; !ok {
				fn.bit[n] = len(fn.bit)
			}
		}
	}
	for _, m := range metrics {
		number(m.Numerator)
		number(m.Denominator)
	}
	fn.words = (len(fn.bit) + 63) / 64
	fn.wants = make([][]uint64, len(metrics))
	for j, m := range metrics {
		want := fn.set()
		names := m.Numerator
		if m.AreaOnly {
			names = append(slices.Clip(names), m.Denominator...)
		}
		for _, n := range names {
			b := fn.bit[n]
			want[b/64] |= 1 << (b % 64)
		}
		fn.wants[j] = want
	}
	return fn
}

// set is an empty set of figures.
func (fn *figureNames) set() []uint64 { return make([]uint64, fn.words) }

// of sets held to the figures f holds.
func (fn *figureNames) of(f *Figures, held []uint64) {
	clear(held)
	for name := range f.Values {
		if b, ok := fn.bit[name]; ok {
			held[b/64] |= 1 << (b % 64)
		}
	}
}

// hasData reports whether an organisation holding the figures held has data for metric j.
func (fn *figureNames) hasData(held []uint64, j int) bool {
	for w, want := range fn.wants[j] {
		if held[w]&want != 0 {
			return true
		}
	}
	return false
}

// sum adds the named figures; if one is unknown (or, unless absent ones count as none, absent),
// it says which and why instead.
func sum(f *Figures, names []string, absentIsNone bool) (float64, string) {
	var s float64
	for _, name := range names {
		x, ok := f.Values[name]
		if !ok && absentIsNone {
			continue
		}
		if !x.Known {
			reason := string(x.Reason)
			if x.Reason == measure.NotReported {
				reason = "not reported"
			}
			return 0, fmt.Sprintf("%s unknown (%s)", name, reason)
		}
		s += x.V
	}
	return s, ""
}

// areasOf lists the areas an organisation in region counts towards, innermost first, ending with
// England whatever the geography says.
func areasOf(region string, regions map[string]reference.Region) []string {
	var out []string
	for code := region; code != "" && !slices.Contains(out, code); code = regions[code].Parent {
		out = append(out, code)
	}
	if !slices.Contains(out, reference.England) {
		out = append(out, reference.England)
	}
	return out
}

// sumAreas adds up the counted values into every area they count towards.
func sumAreas(in Input, m Metric, values []Value) []Area {
	byCode := map[string]*Area{}
	var codes []string
	own := map[string][]float64{}
	for _, v := range values {
		for _, code := range v.Regions {
			a, ok := byCode[code]
			if !ok {
				a = newArea(in, m, code)
				byCode[code] = a
				codes = append(codes, code)
			}
			if !v.Counted() {
				a.Excluded++
				continue
			}
			a.Contributors++
			a.Num += *v.Num
			a.Den += *v.Den
			a.Respondents += v.Respondents
			if v.Value != nil {
				own[code] = append(own[code], *v.Value)
			}
		}
	}
	slices.Sort(codes)
	out := make([]Area, 0, len(codes))
	for _, code := range codes {
		a := byCode[code]
		if a.Contributors > 0 && a.Den != 0 {
			a.Value = ptr(m.Scale * a.Num / a.Den)
		}
		if xs := own[code]; len(xs) > 0 {
			slices.Sort(xs)
			a.Median, a.P25, a.P75 = ptr(Quantile(xs, 0.5)), ptr(Quantile(xs, 0.25)), ptr(Quantile(xs, 0.75))
		}
		out = append(out, *a)
	}
	return out
}

func newArea(in Input, m Metric, code string) *Area {
	if i := slices.IndexFunc(in.Alliances, func(a alliance.Alliance) bool { return a.ID == code }); i >= 0 {
		return &Area{Period: in.Period, Metric: m.ID, Region: code, Name: cmp.Or(in.Alliances[i].Name, code), Level: LevelAlliance}
	}
	r := in.Regions[code]
	a := &Area{Period: in.Period, Metric: m.ID, Region: code, Name: cmp.Or(r.Name, code), Level: r.Level}
	if code == reference.England {
		a.Name, a.Level = cmp.Or(r.Name, "England"), "england"
	}
	return a
}

// NeighbourCodes lists the old LA codes of an organisation's statistical neighbours (for a joint
// return, its authorities' neighbours less themselves), closest first.
func NeighbourCodes(oldCode string, neighbours map[string][]string) []string {
	return neighbourCodes(strings.Split(oldCode, "_"), neighbours)
}

func neighbourCodes(self []string, neighbours map[string][]string) []string {
	var out []string
	for _, p := range self {
		for _, n := range neighbours[p] {
			if !slices.Contains(self, n) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// Quantile is measure.Quantile: type 7, as R and spreadsheets' QUARTILE.INC.
var Quantile = measure.Quantile

// Rank gives each known value its rank among the known values, 1 being the best given the
// direction; equal values share a rank and the next rank skips (1, 2, 2, 4). An unknown value
// gets 0.
func Rank(values []*float64, higherIsBetter bool) []int {
	var known []float64
	for _, v := range values {
		if v != nil {
			known = append(known, *v)
		}
	}
	slices.Sort(known)
	out := make([]int, len(values))
	for i, v := range values {
		if v == nil {
			continue
		}
		if higherIsBetter {
			// Count the values strictly above.
			above := len(known) - upperBound(known, *v)
			out[i] = above + 1
		} else {
			below, _ := slices.BinarySearch(known, *v)
			out[i] = below + 1
		}
	}
	return out
}

// upperBound is the index of the first element above x.
func upperBound(sorted []float64, x float64) int {
	i, _ := slices.BinarySearchFunc(sorted, x, func(e, t float64) int {
		if e <= t {
			return -1
		}
		return 1
	})
	return i
}

func ptr(x float64) *float64 { return &x }
