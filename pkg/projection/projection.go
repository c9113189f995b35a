// Package projection looks forward for Standard 2 ("current and future need"): a stock-and-flow
// model of an organisation's children's social workers, year by year for one to ten years,
// beside the establishment its demand calls for. Areas (a region, an alliance, England) are
// projected bottom-up, as the sum of their members' projections.
//
// Supply. In-post FTE next year = in-post × (1 − leaver rate) + experienced starters + newly
// qualified starters. The leaver rate is a ratio of sums over the last three years (leavers in
// the year ÷ in-post at the start of it), shrunk towards the area's rate when the organisation's
// counts are small; experienced starters are the mean of the last three years' starters less
// today's newly qualified supply, which comes from the final placements passed with the
// organisation × a qualification rate × the share who start work locally.
//
// Demand. The establishment (in-post + vacancies) needed grows with the chosen demand measure:
// the trend of children in need, or of the child population, or held flat; so children in need
// per FTE stay at today's value, or move to a target caseload.
//
// The README's "Projections" section gives every formula; each is tested by hand in this
// package's tests.
package projection

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/partnership-hub/hub/pkg/measure"
)

// Defaults of the assumptions, and their sources (README "Projections").
const (
	// DefaultQualificationRate: of the students leaving social work courses in England in
	// 2018/19, 93% achieved the qualification (Skills for Care, "Social work education 2021",
	// from HESA data).
	DefaultQualificationRate = 0.93
	// DefaultLocalShare: about two in three qualifiers (65% in 2013/14) were employed as social
	// workers six months after their course (Skills for Care, "Social work education in England
	// 2009–2014"). It is a national figure, not one of staying in the area: a partnership that
	// knows its own should set it.
	DefaultLocalShare = 0.65
	// DefaultShrinkage is the weight of the area's leaver rate, in FTE-years: an organisation
	// with n FTE-years of in-post over the three years gets the weight n ÷ (n + 100) on its own
	// rate (300 FTE-years: 75%).
	DefaultShrinkage = 100
	// DefaultApprenticeshipYears: a social work degree apprenticeship takes three years.
	DefaultApprenticeshipYears = 3
	// DefaultStudentsPerEducator: one student a year per practice educator, unless the
	// organisation's practice educator return says otherwise.
	DefaultStudentsPerEducator = 1
	// RateWindow is the years of flows the leaver rate and the starters are taken over.
	RateWindow = 3
	// TrendWindow is the years a demand trend is fitted over; it needs MinTrendYears of them.
	TrendWindow   = 5
	MinTrendYears = 3
	// MaxYears is the longest projection.
	MaxYears = 10
)

// Demand names the measure the establishment follows.
type Demand string

// The demand measures.
const (
	DemandChildrenInNeed  Demand = "children_in_need" // the linear trend of children in need at 31 March
	DemandChildPopulation Demand = "child_population" // the linear trend of the child population 0–17, at today's children in need per child
	DemandFlat            Demand = "flat"             // today's establishment
)

// Demands lists the demand measures.
var Demands = []Demand{DemandChildrenInNeed, DemandChildPopulation, DemandFlat}

// Year is one organisation's figures for one reporting year: the workforce snapshot at 30
// September with the flows of the year to it, the demand of the year to 31 March before it (the
// same year's label), and the final placements passed in the academic year ending in it.
type Year struct {
	Year        int
	Inpost      measure.Value // in-post FTE
	Starters    measure.Value // starters FTE
	Leavers     measure.Value // leavers FTE
	Vacancies   measure.Value // vacancy FTE
	Agency      measure.Value // agency FTE
	CaseHolders measure.Value // case-holders FTE
	Cases       measure.Value

	ChildrenInNeed  measure.Value // children in need at 31 March
	ChildPopulation measure.Value // children aged 0–17

	FinalPlacementsPassed measure.Value // final placements passed with the organisation as host
	EducatorsActive       measure.Value // practice educators who supported a student
	StudentsSupported     measure.Value
}

// Org is what an organisation is projected from.
type Org struct {
	Code, Name string
	// Areas are every area it counts towards, innermost first (its region or London sub-region,
	// then London, then England); the first is the one its leaver rate is shrunk towards.
	Areas []string
	Years []Year // in any order, one per year
	// ComputedAt is when its inputs were last computed: the latest of its rows' (zero if not
	// read from the store).
	ComputedAt time.Time
}

// Assumptions are what a person sets; the zero value of each field takes its default.
type Assumptions struct {
	Base             int     `json:"base_year" doc:"The last year of figures used; 0: the latest year with figures"`
	Years            int     `json:"years" doc:"Years ahead, 1–10; 0: 5"`
	Demand           Demand  `json:"demand" doc:"What the establishment follows; \"\": children_in_need"`
	TargetCaseload   float64 `json:"target_caseload,omitempty" doc:"Cases per case-holder FTE the establishment should allow; 0: today's"`
	LeaverRateChange float64 `json:"leaver_rate_change" doc:"Percentage points added to every leaver rate (−2: turnover down 2 points)"`
	ExtraStarters    float64 `json:"extra_starters" doc:"More experienced starters a year, FTE"`
	ExtraApprentices float64 `json:"apprentices" doc:"More apprentices starting each year, who qualify and stay"`
	// ApprenticeshipYears, QualificationRate, LocalShare and Shrinkage: see the defaults. A
	// negative LocalShare or QualificationRate is refused; 0 takes the default.
	ApprenticeshipYears int     `json:"apprenticeship_years"`
	QualificationRate   float64 `json:"qualification_rate"`
	LocalShare          float64 `json:"local_share"`
	Shrinkage           float64 `json:"shrinkage"`
	CloseGapBy          int     `json:"close_gap_by" doc:"The year by which the gap should be closed; 0: the last year projected"`
}

// ErrAssumption is wrapped by every refused assumption.
var ErrAssumption = errors.New("invalid assumption")

// WithDefaults fills in the defaults, for the base year given.
func (a Assumptions) WithDefaults(base int) Assumptions {
	a.Base = base
	a.Years = cmp.Or(a.Years, 5)
	a.Demand = cmp.Or(a.Demand, DemandChildrenInNeed)
	a.ApprenticeshipYears = cmp.Or(a.ApprenticeshipYears, DefaultApprenticeshipYears)
	a.QualificationRate = cmp.Or(a.QualificationRate, DefaultQualificationRate)
	a.LocalShare = cmp.Or(a.LocalShare, DefaultLocalShare)
	a.Shrinkage = cmp.Or(a.Shrinkage, DefaultShrinkage)
	a.CloseGapBy = cmp.Or(a.CloseGapBy, base+a.Years)
	return a
}

// Validate refuses assumptions the model cannot use, saying which and why.
func (a Assumptions) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrAssumption)
	}
	switch {
	case a.Years < 1 || a.Years > MaxYears:
		return bad("years must be 1 to %d, got %d", MaxYears, a.Years)
	case !slices.Contains(Demands, a.Demand):
		return bad("demand must be one of %v, got %q", Demands, a.Demand)
	case a.TargetCaseload < 0:
		return bad("target caseload must be above zero, got %v", a.TargetCaseload)
	case a.LeaverRateChange < -100 || a.LeaverRateChange > 100:
		return bad("the leaver rate change is in percentage points, −100 to 100, got %v", a.LeaverRateChange)
	case a.ExtraStarters < 0 || a.ExtraApprentices < 0:
		return bad("extra starters and apprentices must be zero or more")
	case a.ApprenticeshipYears < 1 || a.ApprenticeshipYears > MaxYears:
		return bad("an apprenticeship takes 1 to %d years, got %d", MaxYears, a.ApprenticeshipYears)
	case a.QualificationRate <= 0 || a.QualificationRate > 1:
		return bad("the qualification rate is a share above 0 and at most 1, got %v", a.QualificationRate)
	case a.LocalShare <= 0 || a.LocalShare > 1:
		return bad("the local share is a share above 0 and at most 1, got %v", a.LocalShare)
	case a.Shrinkage < 0:
		return bad("the shrinkage weight must be zero or more, got %v", a.Shrinkage)
	case a.CloseGapBy <= a.Base || a.CloseGapBy > a.Base+a.Years:
		return bad("the gap can be closed by a year projected, %d to %d, not %d", a.Base+1, a.Base+a.Years, a.CloseGapBy)
	}
	return nil
}

// Rates are what an organisation's projection was fitted to.
type Rates struct {
	LeaverRate     float64  `json:"leaver_rate" doc:"Leavers in a year ÷ in-post at its start, the ratio of sums over the last three years shrunk towards the area's, with the what-if change; the central scenario's"`
	LeaverRateLow  float64  `json:"leaver_rate_low" doc:"The lower quartile of the organisation's own yearly leaver rates, shrunk the same way: the high scenario's"`
	LeaverRateHigh float64  `json:"leaver_rate_high" doc:"The upper quartile, shrunk: the low scenario's"`
	OwnLeaverRate  float64  `json:"own_leaver_rate" doc:"The organisation's own ratio of sums over the last three years"`
	AreaLeaverRate float64  `json:"area_leaver_rate" doc:"Its area's ratio of sums over the same years"`
	Weight         float64  `json:"weight" doc:"The weight of its own rate: FTE-years ÷ (FTE-years + shrinkage)"`
	Exposure       float64  `json:"exposure_fte_years" doc:"In-post FTE at the start of each year summed over the years with the rate known"`
	Starters       float64  `json:"starters" doc:"Mean starters FTE a year over the last three years"`
	Experienced    float64  `json:"experienced_starters" doc:"Starters less today's newly qualified supply: the experienced starters each year (central)"`
	ExperiencedLow float64  `json:"experienced_starters_low" doc:"From the lower quartile of its own yearly starters: the low scenario's"`
	ExperiencedHi  float64  `json:"experienced_starters_high" doc:"From the upper quartile: the high scenario's"`
	NewlyQualified float64  `json:"newly_qualified" doc:"Today's newly qualified supply: final placements passed × qualification rate × local share"`
	CoverRatio     float64  `json:"agency_cover_ratio" doc:"Agency FTE per vacant FTE today (the area's where it has no vacancies)"`
	Caseload       *float64 `json:"caseload,omitempty" doc:"Cases per case-holder FTE today"`
	DemandGrowth   *float64 `json:"demand_growth,omitempty" doc:"The demand trend's slope a year ÷ its fitted value in the base year"`
	YearsOfRates   int      `json:"years_of_rates" doc:"Yearly leaver rates behind the band"`
}

// Point is one year of a projection (or, in History, of the figures).
type Point struct {
	Year           int      `json:"year"`
	Inpost         float64  `json:"inpost_fte" doc:"In-post FTE (central scenario)"`
	InpostLow      float64  `json:"inpost_fte_low" doc:"Low scenario: the organisation's high leaver rate and low starters"`
	InpostHigh     float64  `json:"inpost_fte_high" doc:"High scenario"`
	Leavers        float64  `json:"leavers_fte"`
	Starters       float64  `json:"starters_fte" doc:"Experienced and newly qualified starters"`
	NewlyQualified float64  `json:"newly_qualified_fte" doc:"Of the starters, those newly qualified"`
	Establishment  float64  `json:"establishment_fte" doc:"In-post plus vacancies the demand calls for"`
	Gap            float64  `json:"gap_fte" doc:"Establishment less in-post: above zero is a shortfall"`
	Agency         *float64 `json:"agency_fte" doc:"Agency FTE needed to cover the gap at today's cover ratio; null when today's agency FTE is unknown"`
	Demand         *float64 `json:"demand,omitempty" doc:"The demand measure, projected (children in need, or children)"`
}

// Closing is what it would take to close the gap by a year: more newly qualified starters each
// year from the first, and the final placements and practice educators behind them.
type Closing struct {
	By                     int     `json:"by" doc:"The year by which the gap is closed"`
	Gap                    float64 `json:"gap_fte" doc:"The gap that year without them"`
	ExtraNewlyQualified    float64 `json:"extra_newly_qualified_fte" doc:"More newly qualified starters needed each year"`
	FinalPlacementsPassed  float64 `json:"final_placements_passed" doc:"Final placements passed with the organisation today"`
	ExtraFinalPlacements   float64 `json:"extra_final_placements" doc:"More final placements passed needed each year: extra newly qualified ÷ (qualification rate × local share)"`
	ExtraPracticeEducators float64 `json:"extra_practice_educators" doc:"More practice educators needed: extra final placements ÷ students per educator"`
}

// Projection is one organisation's projection, or an area's (the sum of its members').
type Projection struct {
	Org     string  `json:"org,omitempty"`
	Name    string  `json:"name,omitempty"`
	Base    int     `json:"base_year" doc:"The last year of figures used"`
	Rates   *Rates  `json:"rates,omitempty" doc:"What an organisation's projection was fitted to"`
	History []Point `json:"history" doc:"The figures up to the base year: in-post, leavers, starters and establishment"`
	Points  []Point `json:"points" doc:"Each year projected"`
	Closing Closing `json:"closing"`
}

// Exclusion says why an organisation was left out of an area's projection.
type Exclusion struct {
	Org    string `json:"org"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Result is the projection of a set of organisations: each member's, their sum, and those left
// out because an input is unknown.
type Result struct {
	Assumptions Assumptions
	Area        Projection
	Members     []Projection
	Excluded    []Exclusion
}

// Run projects every organisation of members (codes) from orgs, and their sum. orgs must hold
// every organisation of the members' areas, since each member's leaver rate is shrunk towards
// its area's, worked out from all of them: a member's projection is then the same whichever
// area it is projected in, and an area's is the sum of its members'. An organisation with an
// unknown input is left out and says why.
func Run(orgs []Org, members []string, a Assumptions) (Result, error) {
	base := a.Base
	if base == 0 {
		base = LatestYear(orgs)
	}
	a = a.WithDefaults(base)
	if err := a.Validate(); err != nil {
		return Result{}, err
	}
	areas := areaSums(orgs, a.Base)
	res := Result{Assumptions: a, Area: Projection{Base: a.Base, History: []Point{}, Points: []Point{}, Closing: Closing{By: a.CloseGapBy}}}
	byCode := make(map[string]*Org, len(orgs))
	for i := range orgs {
		byCode[orgs[i].Code] = &orgs[i]
	}
	for _, code := range members {
		o, ok := byCode[code]
		if !ok {
			res.Excluded = append(res.Excluded, Exclusion{Org: code, Name: code, Reason: "no figures"})
			continue
		}
		p, err := project(o, areas, a)
		if err != nil {
			res.Excluded = append(res.Excluded, Exclusion{Org: o.Code, Name: o.Name, Reason: err.Error()})
			continue
		}
		res.Members = append(res.Members, p)
	}
	res.Area = Sum(res.Members, a)
	return res, nil
}

// LatestYear is the latest year in which some organisation has its in-post FTE known.
func LatestYear(orgs []Org) int {
	latest := 0
	for _, o := range orgs {
		for _, y := range o.Years {
			if y.Inpost.Known {
				latest = max(latest, y.Year)
			}
		}
	}
	return latest
}

// Sum adds member projections into an area's: every figure of every year is the sum of the
// members'; an agency figure sums the members whose agency FTE is known.
func Sum(members []Projection, a Assumptions) Projection {
	out := Projection{Base: a.Base, History: []Point{}, Points: make([]Point, a.Years), Closing: Closing{By: a.CloseGapBy}}
	for i := range out.Points {
		out.Points[i].Year = a.Base + i + 1
	}
	history := map[int]*Point{}
	for _, m := range members {
		for i, p := range m.Points {
			addPoint(&out.Points[i], p)
		}
		for _, p := range m.History {
			h, ok := history[p.Year]
			if !ok {
				h = &Point{Year: p.Year}
				history[p.Year] = h
			}
			addPoint(h, p)
		}
		out.Closing.Gap += m.Closing.Gap
		out.Closing.ExtraNewlyQualified += m.Closing.ExtraNewlyQualified
		out.Closing.FinalPlacementsPassed += m.Closing.FinalPlacementsPassed
		out.Closing.ExtraFinalPlacements += m.Closing.ExtraFinalPlacements
		out.Closing.ExtraPracticeEducators += m.Closing.ExtraPracticeEducators
	}
	for _, h := range history {
		out.History = append(out.History, *h)
	}
	slices.SortFunc(out.History, func(x, y Point) int { return cmp.Compare(x.Year, y.Year) })
	return out
}

func addPoint(into *Point, p Point) {
	into.Inpost += p.Inpost
	into.InpostLow += p.InpostLow
	into.InpostHigh += p.InpostHigh
	into.Leavers += p.Leavers
	into.Starters += p.Starters
	into.NewlyQualified += p.NewlyQualified
	into.Establishment += p.Establishment
	into.Gap += p.Gap
	if p.Agency != nil {
		into.Agency = ptr(deref(into.Agency) + *p.Agency)
	}
	if p.Demand != nil {
		into.Demand = ptr(deref(into.Demand) + *p.Demand)
	}
}

// areaTotals are an area's sums over its organisations: the leaver-rate pairs of the rate
// window, and the base year's agency and vacancy FTE.
type areaTotals struct {
	leavers, exposure float64
	agency, vacancies float64
}

func areaSums(orgs []Org, base int) map[string]*areaTotals {
	out := map[string]*areaTotals{}
	for i := range orgs {
		o := &orgs[i]
		if len(o.Areas) == 0 {
			continue
		}
		t := out[o.Areas[0]]
		if t == nil {
			t = &areaTotals{}
			out[o.Areas[0]] = t
		}
		ys := byYear(o.Years)
		for y := base - RateWindow + 1; y <= base; y++ {
			if l, in, ok := leaverPair(ys, y); ok {
				t.leavers += l
				t.exposure += in
			}
		}
		if b, ok := ys[base]; ok && b.Agency.Known && b.Vacancies.Known {
			t.agency += b.Agency.V
			t.vacancies += b.Vacancies.V
		}
	}
	return out
}

func byYear(ys []Year) map[int]Year {
	m := make(map[int]Year, len(ys))
	for _, y := range ys {
		m[y.Year] = y
	}
	return m
}

// leaverPair is year y's leavers and the in-post at its start (year y−1's snapshot), when both
// are known.
func leaverPair(ys map[int]Year, y int) (leavers, inpost float64, ok bool) {
	cur, ok1 := ys[y]
	prev, ok2 := ys[y-1]
	if !ok1 || !ok2 || !cur.Leavers.Known || !prev.Inpost.Known {
		return 0, 0, false
	}
	return cur.Leavers.V, prev.Inpost.V, true
}

// unknown says that a figure needed is not known.
func unknown(what string, year int, v measure.Value) error {
	if v.Reason != measure.NotReported {
		return fmt.Errorf("%s %d unknown (%s)", what, year, v.Reason)
	}
	return fmt.Errorf("%s %d not reported", what, year)
}

// project fits one organisation's rates and projects it.
func project(o *Org, areas map[string]*areaTotals, a Assumptions) (Projection, error) {
	ys := byYear(o.Years)
	b, ok := ys[a.Base]
	if !ok {
		return Projection{}, fmt.Errorf("no figures for %d", a.Base)
	}
	for _, f := range []struct {
		what string
		v    measure.Value
	}{{"in-post FTE", b.Inpost}, {"vacancy FTE", b.Vacancies}} {
		if !f.v.Known {
			return Projection{}, unknown(f.what, a.Base, f.v)
		}
	}
	area := areaTotals{}
	if len(o.Areas) > 0 && areas[o.Areas[0]] != nil {
		area = *areas[o.Areas[0]]
	}

	// The leaver rate: ratio of sums over the window, shrunk towards the area's.
	var r Rates
	var leavers float64
	for y := a.Base - RateWindow + 1; y <= a.Base; y++ {
		if l, in, ok := leaverPair(ys, y); ok {
			leavers += l
			r.Exposure += in
		}
	}
	if r.Exposure == 0 {
		return Projection{}, fmt.Errorf("no leaver rate: leavers, or the in-post FTE before them, unknown in every year %d–%d", a.Base-RateWindow+1, a.Base)
	}
	r.OwnLeaverRate = leavers / r.Exposure
	r.AreaLeaverRate = r.OwnLeaverRate
	if area.exposure > 0 {
		r.AreaLeaverRate = area.leavers / area.exposure
	}
	r.Weight = r.Exposure / (r.Exposure + a.Shrinkage)
	shrink := func(own float64) float64 {
		return clamp01(r.Weight*own + (1-r.Weight)*r.AreaLeaverRate + a.LeaverRateChange/100)
	}
	r.LeaverRate = shrink(r.OwnLeaverRate)

	// Starters: the window's mean, less today's newly qualified supply.
	var starters []float64
	for y := a.Base - RateWindow + 1; y <= a.Base; y++ {
		if s, ok := ys[y]; ok && s.Starters.Known {
			starters = append(starters, s.Starters.V)
		}
	}
	if len(starters) == 0 {
		return Projection{}, fmt.Errorf("starters FTE unknown in every year %d–%d", a.Base-RateWindow+1, a.Base)
	}
	r.Starters = mean(starters)
	passed := 0.0
	if b.FinalPlacementsPassed.Known {
		passed = b.FinalPlacementsPassed.V
	}
	r.NewlyQualified = passed * a.QualificationRate * a.LocalShare
	r.Experienced = max(0, r.Starters-r.NewlyQualified)

	// The band: the quartiles of the organisation's own yearly rates and starters.
	var yearly, yearlyStarters []float64
	for _, y := range o.Years {
		if y.Year > a.Base {
			continue
		}
		if l, in, ok := leaverPair(ys, y.Year); ok && in > 0 {
			yearly = append(yearly, l/in)
		}
		if y.Starters.Known {
			yearlyStarters = append(yearlyStarters, y.Starters.V)
		}
	}
	slices.Sort(yearly)
	slices.Sort(yearlyStarters)
	r.YearsOfRates = len(yearly)
	r.LeaverRateLow, r.LeaverRateHigh = r.LeaverRate, r.LeaverRate
	r.ExperiencedLow, r.ExperiencedHi = r.Experienced, r.Experienced
	if len(yearly) >= 2 {
		r.LeaverRateLow = min(r.LeaverRate, shrink(measure.Quantile(yearly, 0.25)))
		r.LeaverRateHigh = max(r.LeaverRate, shrink(measure.Quantile(yearly, 0.75)))
	}
	if len(yearlyStarters) >= 2 {
		r.ExperiencedLow = min(r.Experienced, max(0, measure.Quantile(yearlyStarters, 0.25)-r.NewlyQualified))
		r.ExperiencedHi = max(r.Experienced, max(0, measure.Quantile(yearlyStarters, 0.75)-r.NewlyQualified))
	}

	// Agency cover: agency FTE per vacant FTE, the area's where there are no vacancies.
	agencyKnown := b.Agency.Known
	switch {
	case agencyKnown && b.Vacancies.V > 0:
		r.CoverRatio = b.Agency.V / b.Vacancies.V
	case area.vacancies > 0:
		r.CoverRatio = area.agency / area.vacancies
	}

	// Demand: the growth of the chosen measure, and the caseload target.
	growth, demand, err := demandGrowth(ys, a)
	if err != nil {
		return Projection{}, err
	}
	if demand != nil {
		r.DemandGrowth = ptr(demand.slope / demand.fitted(a.Base))
	}
	scale := 1.0
	if a.TargetCaseload > 0 {
		if !b.Cases.Known || !b.CaseHolders.Known {
			return Projection{}, fmt.Errorf("a target caseload needs today's cases and case-holders FTE: %w", firstUnknown(a.Base, b.Cases, "cases", b.CaseHolders, "case-holders FTE"))
		}
		if b.CaseHolders.V == 0 {
			return Projection{}, fmt.Errorf("a target caseload needs case-holders: none in %d", a.Base)
		}
		r.Caseload = ptr(b.Cases.V / b.CaseHolders.V)
		scale = *r.Caseload / a.TargetCaseload
	} else if b.Cases.Known && b.CaseHolders.Known && b.CaseHolders.V > 0 {
		r.Caseload = ptr(b.Cases.V / b.CaseHolders.V)
	}
	establishment := b.Inpost.V + b.Vacancies.V

	p := Projection{Org: o.Code, Name: o.Name, Base: a.Base, Rates: &r, History: history(o.Years, a.Base), Points: make([]Point, a.Years)}
	in, lo, hi := b.Inpost.V, b.Inpost.V, b.Inpost.V
	for i := range p.Points {
		t := i + 1
		nq := r.NewlyQualified
		if t > a.ApprenticeshipYears {
			nq += a.ExtraApprentices * a.QualificationRate
		}
		pt := &p.Points[i]
		pt.Year = a.Base + t
		pt.Leavers = r.LeaverRate * in
		pt.NewlyQualified = nq
		pt.Starters = r.Experienced + a.ExtraStarters + nq
		in = in*(1-r.LeaverRate) + r.Experienced + a.ExtraStarters + nq
		lo = lo*(1-r.LeaverRateHigh) + r.ExperiencedLow + a.ExtraStarters + nq
		hi = hi*(1-r.LeaverRateLow) + r.ExperiencedHi + a.ExtraStarters + nq
		pt.Inpost, pt.InpostLow, pt.InpostHigh = in, lo, hi
		pt.Establishment = establishment * growth(t) * scale
		pt.Gap = pt.Establishment - pt.Inpost
		if agencyKnown {
			pt.Agency = ptr(max(0, pt.Gap) * r.CoverRatio)
		}
		if demand != nil {
			pt.Demand = ptr(demand.value * growth(t))
		}
	}

	// Closing the gap by year Y: x more newly qualified a year from the first year, each
	// staying with probability (1 − leaver rate) a year, add x × Σ_{j=0}^{n−1} (1 − L)^j by Y.
	n := a.CloseGapBy - a.Base
	gap := p.Points[n-1].Gap
	survive := 0.0
	for j := range n {
		survive += math.Pow(1-r.LeaverRate, float64(j))
	}
	p.Closing = Closing{By: a.CloseGapBy, Gap: gap, FinalPlacementsPassed: passed}
	if gap > 0 {
		p.Closing.ExtraNewlyQualified = gap / survive
		p.Closing.ExtraFinalPlacements = p.Closing.ExtraNewlyQualified / (a.QualificationRate * a.LocalShare)
		perEducator := float64(DefaultStudentsPerEducator)
		if b.StudentsSupported.Known && b.EducatorsActive.Known && b.EducatorsActive.V > 0 && b.StudentsSupported.V > 0 {
			perEducator = b.StudentsSupported.V / b.EducatorsActive.V
		}
		p.Closing.ExtraPracticeEducators = p.Closing.ExtraFinalPlacements / perEducator
	}
	return p, nil
}

func firstUnknown(year int, pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if v := pairs[i].(measure.Value); !v.Known {
			return unknown(pairs[i+1].(string), year, v)
		}
	}
	return nil
}

// history lists the figures up to the base year.
func history(ys []Year, base int) []Point {
	var out []Point
	for _, y := range ys {
		if y.Year > base || !y.Inpost.Known {
			continue
		}
		p := Point{Year: y.Year, Inpost: y.Inpost.V, InpostLow: y.Inpost.V, InpostHigh: y.Inpost.V, Leavers: y.Leavers.V, Starters: y.Starters.V}
		if y.Vacancies.Known {
			p.Establishment = y.Inpost.V + y.Vacancies.V
			p.Gap = y.Vacancies.V
		}
		if y.Agency.Known {
			p.Agency = ptr(y.Agency.V)
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y Point) int { return cmp.Compare(x.Year, y.Year) })
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func clamp01(x float64) float64 { return min(1, max(0, x)) }

func ptr(x float64) *float64 { return &x }

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// Stitch joins the organisations that key names alike into one, so that an authority whose code
// changed keeps its history: the DfE's 3-digit code stays when the ONS code changes (Barnsley
// and Sheffield in 2025, Buckinghamshire in 2020). The joined organisation takes the code, name
// and areas of the one with the latest year; in a year both have, that one's figures win.
// Organisations without years are left out.
func Stitch(orgs []Org, key func(code string) string) []Org {
	latest := func(o Org) int {
		y := 0
		for _, x := range o.Years {
			y = max(y, x.Year)
		}
		return y
	}
	groups := map[string][]Org{}
	var keys []string
	for _, o := range orgs {
		if len(o.Years) == 0 {
			continue
		}
		k := key(o.Code)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], o)
	}
	out := make([]Org, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		slices.SortStableFunc(g, func(a, b Org) int { return cmp.Compare(latest(b), latest(a)) })
		joined := g[0]
		have := byYear(joined.Years)
		joined.Years = slices.Clone(joined.Years)
		for _, o := range g[1:] {
			if o.ComputedAt.After(joined.ComputedAt) {
				joined.ComputedAt = o.ComputedAt
			}
			for _, y := range o.Years {
				if _, ok := have[y.Year]; !ok {
					have[y.Year] = y
					joined.Years = append(joined.Years, y)
				}
			}
		}
		out = append(out, joined)
	}
	slices.SortFunc(out, func(a, b Org) int { return cmp.Compare(a.Code, b.Code) })
	return out
}
