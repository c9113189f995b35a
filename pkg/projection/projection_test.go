package projection

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/measure"
)

func of(v float64) measure.Value { return measure.Of(v) }

// steady is the fixture most formulas are checked on: one organisation alone in its area, in
// post 100 FTE at each snapshot 2019–2021 and 120 in 2022, 10 leavers a year (so a leaver rate
// of 30 ÷ 300 = 0.1 over 2020–2022), starters 12, 8, 10 (mean 10), 20 vacancies and 10 agency
// FTE in 2022 (a cover ratio of 0.5).
func steady() Org {
	return Org{Code: "S", Name: "Steady", Areas: []string{"R", "E"}, Years: []Year{
		{Year: 2019, Inpost: of(100), Leavers: of(10)},
		{Year: 2020, Inpost: of(100), Leavers: of(10), Starters: of(12)},
		{Year: 2021, Inpost: of(100), Leavers: of(10), Starters: of(8)},
		{Year: 2022, Inpost: of(120), Leavers: of(10), Starters: of(10), Vacancies: of(20), Agency: of(10), CaseHolders: of(100), Cases: of(1500)},
	}}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
		t.Errorf("%s = %.10g, want %.10g", what, got, want)
	}
}

func runOne(t *testing.T, o Org, a Assumptions) Projection {
	t.Helper()
	res, err := Run([]Org{o}, []string{o.Code}, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Members) != 1 {
		t.Fatalf("excluded: %v", res.Excluded)
	}
	return res.Members[0]
}

func TestSupplyByHand(t *testing.T) {
	p := runOne(t, steady(), Assumptions{Years: 2, Demand: DemandFlat})
	r := p.Rates
	near(t, "leaver rate", r.LeaverRate, 0.1)
	near(t, "starters", r.Starters, 10)
	near(t, "experienced", r.Experienced, 10)
	// Year 1: 120 × 0.9 + 10 = 118; year 2: 118 × 0.9 + 10 = 116.2.
	near(t, "in-post 2023", p.Points[0].Inpost, 118)
	near(t, "in-post 2024", p.Points[1].Inpost, 116.2)
	near(t, "leavers 2023", p.Points[0].Leavers, 12)
	near(t, "leavers 2024", p.Points[1].Leavers, 11.8)
	near(t, "starters 2023", p.Points[0].Starters, 10)
	// Band: yearly rates all 0.1; starters 8, 10, 12 have quartiles 9 and 11.
	near(t, "low 2023", p.Points[0].InpostLow, 117)
	near(t, "high 2023", p.Points[0].InpostHigh, 119)
	// Establishment 120 + 20 held flat; gap 140 − 118 = 22; agency 22 × 10 ÷ 20 = 11.
	near(t, "establishment", p.Points[0].Establishment, 140)
	near(t, "gap", p.Points[0].Gap, 22)
	near(t, "agency", *p.Points[0].Agency, 11)
	// Closing by 2024: gap 23.8 ÷ (1 + 0.9) newly qualified a year, ÷ (0.93 × 0.65) placements,
	// ÷ 1 student per educator.
	near(t, "closing gap", p.Closing.Gap, 23.8)
	near(t, "extra newly qualified", p.Closing.ExtraNewlyQualified, 23.8/1.9)
	near(t, "extra placements", p.Closing.ExtraFinalPlacements, 23.8/1.9/(0.93*0.65))
	near(t, "extra educators", p.Closing.ExtraPracticeEducators, 23.8/1.9/(0.93*0.65))
	if p.Closing.By != 2024 || p.Base != 2022 {
		t.Errorf("base %d, closing by %d", p.Base, p.Closing.By)
	}
	if len(p.History) != 4 || p.History[3].Inpost != 120 || p.History[3].Establishment != 140 {
		t.Errorf("history %+v", p.History)
	}
}

func TestShrinkageByHand(t *testing.T) {
	// B: 20 FTE, leavers 2, 4, 6 over 2020–2022: own rate 12 ÷ 60 = 0.2, weight 60 ÷ 160. The
	// area (steady + B): 42 leavers ÷ 360 FTE-years.
	b := Org{Code: "B", Name: "Small", Areas: []string{"R", "E"}, Years: []Year{
		{Year: 2019, Inpost: of(20)},
		{Year: 2020, Inpost: of(20), Leavers: of(2), Starters: of(4)},
		{Year: 2021, Inpost: of(20), Leavers: of(4), Starters: of(4)},
		{Year: 2022, Inpost: of(20), Leavers: of(6), Starters: of(4), Vacancies: of(0), Agency: of(0)},
	}}
	res, err := Run([]Org{steady(), b}, []string{"B"}, Assumptions{Years: 1, Demand: DemandFlat})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Members[0].Rates
	area := 42.0 / 360
	near(t, "own", r.OwnLeaverRate, 0.2)
	near(t, "area", r.AreaLeaverRate, area)
	near(t, "weight", r.Weight, 60.0/160)
	near(t, "shrunk", r.LeaverRate, (12+100*area)/(60+100))
	// No vacancies: the area's cover ratio, 10 ÷ 20.
	near(t, "cover ratio", r.CoverRatio, 0.5)
}

func TestWhatIfsByHand(t *testing.T) {
	tests := []struct {
		name  string
		a     Assumptions
		check func(t *testing.T, p Projection)
	}{
		{"turnover down 2 points", Assumptions{LeaverRateChange: -2}, func(t *testing.T, p Projection) {
			near(t, "rate", p.Rates.LeaverRate, 0.08)
			near(t, "in-post 2023", p.Points[0].Inpost, 120*0.92+10)
		}},
		{"more experienced starters", Assumptions{ExtraStarters: 5}, func(t *testing.T, p Projection) {
			near(t, "in-post 2023", p.Points[0].Inpost, 123)
		}},
		{"ten more apprentices a year, qualifying after a year", Assumptions{ExtraApprentices: 10, ApprenticeshipYears: 1}, func(t *testing.T, p Projection) {
			near(t, "in-post 2023", p.Points[0].Inpost, 118)
			near(t, "in-post 2024", p.Points[1].Inpost, 118*0.9+10+9.3)
			near(t, "newly qualified 2024", p.Points[1].NewlyQualified, 9.3)
		}},
		{"caseload target 10 against 15 today", Assumptions{TargetCaseload: 10}, func(t *testing.T, p Projection) {
			near(t, "caseload", *p.Rates.Caseload, 15)
			near(t, "establishment", p.Points[0].Establishment, 140*1.5)
		}},
		{"qualification rate and local share", Assumptions{QualificationRate: 0.5, LocalShare: 0.5}, func(t *testing.T, p Projection) {
			near(t, "extra placements", p.Closing.ExtraFinalPlacements, p.Closing.ExtraNewlyQualified/0.25)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.a.Years, tt.a.Demand = 2, DemandFlat
			tt.check(t, runOne(t, steady(), tt.a))
		})
	}
}

func TestNewlyQualifiedSupplyByHand(t *testing.T) {
	o := steady()
	o.Years[3].FinalPlacementsPassed = of(10)
	o.Years[3].EducatorsActive = of(4)
	o.Years[3].StudentsSupported = of(8)
	p := runOne(t, o, Assumptions{Years: 2, Demand: DemandFlat})
	// 10 passed × 0.93 × 0.65 newly qualified; the rest of the mean starters are experienced.
	near(t, "newly qualified", p.Rates.NewlyQualified, 6.045)
	near(t, "experienced", p.Rates.Experienced, 10-6.045)
	near(t, "in-post 2023", p.Points[0].Inpost, 118)
	near(t, "today's placements", p.Closing.FinalPlacementsPassed, 10)
	// Two students per active educator.
	near(t, "extra educators", p.Closing.ExtraPracticeEducators, p.Closing.ExtraFinalPlacements/2)
}

func TestDemandByHand(t *testing.T) {
	withDemand := func() Org {
		o := steady()
		o.Years = append(o.Years, Year{Year: 2018, ChildrenInNeed: of(1000), ChildPopulation: of(9000)})
		for i, cin := range []float64{1100, 1200, 1300, 1400} {
			o.Years[i].ChildrenInNeed = of(cin)
			o.Years[i].ChildPopulation = of(10000 + 500*float64(i))
		}
		return o
	}
	t.Run("children in need trend", func(t *testing.T) {
		// 1000 … 1400 over 2018–2022: 100 a year; establishment 140 × 1500 ÷ 1400 in 2023.
		p := runOne(t, withDemand(), Assumptions{Years: 2, Demand: DemandChildrenInNeed})
		near(t, "establishment 2023", p.Points[0].Establishment, 140*1500.0/1400)
		near(t, "establishment 2024", p.Points[1].Establishment, 140*1600.0/1400)
		near(t, "demand 2023", *p.Points[0].Demand, 1500)
		near(t, "growth", *p.Rates.DemandGrowth, 100.0/1400)
	})
	t.Run("child population trend", func(t *testing.T) {
		// 9000, 10000, 10500, 11000, 11500: slope 600, fitted 2022 = 11600.
		p := runOne(t, withDemand(), Assumptions{Years: 1, Demand: DemandChildPopulation})
		near(t, "establishment 2023", p.Points[0].Establishment, 140*12200.0/11600)
	})
	t.Run("flat", func(t *testing.T) {
		p := runOne(t, withDemand(), Assumptions{Years: 1, Demand: DemandFlat})
		near(t, "establishment 2023", p.Points[0].Establishment, 140)
		if p.Points[0].Demand != nil {
			t.Error("flat demand has no measure")
		}
	})
}

func TestUnknownInputsExclude(t *testing.T) {
	tests := []struct {
		name   string
		change func(o *Org)
		demand Demand
		reason string
	}{
		{"in-post a DfE symbol", func(o *Org) { o.Years[3].Inpost = measure.Unknown(measure.Unavailable) }, DemandFlat, "in-post FTE 2022 unknown (x)"},
		{"vacancies not reported", func(o *Org) { o.Years[3].Vacancies = measure.Value{} }, DemandFlat, "vacancy FTE 2022 not reported"},
		{"no leavers", func(o *Org) {
			for i := range o.Years {
				o.Years[i].Leavers = measure.Unknown(measure.Confidential)
			}
		}, DemandFlat, "no leaver rate"},
		{"no starters", func(o *Org) {
			for i := range o.Years {
				o.Years[i].Starters = measure.Value{}
			}
		}, DemandFlat, "starters FTE unknown in every year 2020–2022"},
		{"no children in need", func(o *Org) {}, DemandChildrenInNeed, "children in need 2022 not reported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := steady()
			tt.change(&o)
			res, err := Run([]Org{o, steady2()}, []string{"S", "T"}, Assumptions{Base: 2022, Years: 3, Demand: tt.demand})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Excluded) != 1 || res.Excluded[0].Org != "S" || !strings.Contains(res.Excluded[0].Reason, tt.reason) {
				t.Fatalf("excluded %+v, want S: %q", res.Excluded, tt.reason)
			}
			if tt.demand == DemandFlat && (len(res.Members) != 1 || res.Area.Points[0].Inpost != res.Members[0].Points[0].Inpost) {
				t.Errorf("the area should be the one member left: %+v", res.Area.Points[0])
			}
		})
	}
}

// steady2 is steady under another code, with children in need known.
func steady2() Org {
	o := steady()
	o.Code, o.Name = "T", "Twin"
	for i := range o.Years {
		o.Years[i].ChildrenInNeed = of(1000)
	}
	return o
}

func TestAssumptionsRefused(t *testing.T) {
	for _, a := range []Assumptions{
		{Years: 11}, {Years: -1}, {Demand: "weather"}, {TargetCaseload: -1}, {LeaverRateChange: -101},
		{ExtraStarters: -1}, {QualificationRate: 1.5}, {LocalShare: -0.1}, {CloseGapBy: 2030}, {CloseGapBy: 2022},
	} {
		if _, err := Run([]Org{steady()}, []string{"S"}, a); !errors.Is(err, ErrAssumption) {
			t.Errorf("%+v: got %v, want ErrAssumption", a, err)
		}
	}
}

// randomOrg is an organisation with random figures 2015–2022, in area R.
func randomOrg(rng *rand.Rand, code string, noFlows bool) Org {
	o := Org{Code: code, Name: code, Areas: []string{"R", "E"}}
	for y := 2015; y <= 2022; y++ {
		in := 10 + 500*rng.Float64()
		yr := Year{Year: y, Inpost: of(in), Leavers: of(in * 0.3 * rng.Float64()), Starters: of(in * 0.3 * rng.Float64()),
			Vacancies: of(in * 0.2 * rng.Float64()), Agency: of(in * 0.1 * rng.Float64())}
		if noFlows {
			yr.Leavers, yr.Starters = of(0), of(0)
		}
		o.Years = append(o.Years, yr)
	}
	return o
}

func TestPropertyNoFlowsKeepInpostFlat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		o := randomOrg(rng, "P", true)
		p := runOne(t, o, Assumptions{Years: MaxYears, Demand: DemandFlat})
		base := o.Years[len(o.Years)-1].Inpost.V
		for _, pt := range p.Points {
			if pt.Inpost != base || pt.InpostLow != base || pt.InpostHigh != base {
				t.Fatalf("case %d: %d in-post %v (%v–%v), want %v", i, pt.Year, pt.Inpost, pt.InpostLow, pt.InpostHigh, base)
			}
		}
	}
}

func TestPropertyMoreStartersNeverLowerSupply(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		o := randomOrg(rng, "P", false)
		more := o
		more.Years = append([]Year(nil), o.Years...)
		k := rng.IntN(len(more.Years))
		more.Years[k].Starters = of(more.Years[k].Starters.V + 50*rng.Float64())
		extra := 20 * rng.Float64()
		for _, a := range []Assumptions{{}, {ExtraApprentices: extra}} {
			a.Years, a.Demand = MaxYears, DemandFlat
			p, q := runOne(t, o, a), runOne(t, more, a)
			a.ExtraStarters = extra
			r := runOne(t, o, a)
			for j := range p.Points {
				if q.Points[j].Inpost < p.Points[j].Inpost-1e-9 || r.Points[j].Inpost < p.Points[j].Inpost-1e-9 {
					t.Fatalf("case %d: more starters lowered in-post in %d: %v and %v below %v", i, p.Points[j].Year, q.Points[j].Inpost, r.Points[j].Inpost, p.Points[j].Inpost)
				}
				if q.Points[j].InpostLow < p.Points[j].InpostLow-1e-9 || q.Points[j].InpostHigh < p.Points[j].InpostHigh-1e-9 {
					t.Fatalf("case %d: more starters lowered the band in %d", i, p.Points[j].Year)
				}
			}
		}
	}
}

func TestPropertyAreaIsSumOfMembers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 50 {
		var orgs []Org
		var codes []string
		for j := range 2 + rng.IntN(8) {
			o := randomOrg(rng, string(rune('A'+j)), false)
			orgs = append(orgs, o)
			codes = append(codes, o.Code)
		}
		a := Assumptions{Years: 1 + rng.IntN(MaxYears), Demand: DemandFlat, ExtraApprentices: 5}
		res, err := Run(orgs, codes, a)
		if err != nil {
			t.Fatal(err)
		}
		for y := range res.Area.Points {
			var in, lo, hi, est, gap, agency float64
			for _, m := range res.Members {
				pt := m.Points[y]
				in, lo, hi, est, gap, agency = in+pt.Inpost, lo+pt.InpostLow, hi+pt.InpostHigh, est+pt.Establishment, gap+pt.Gap, agency+*pt.Agency
			}
			area := res.Area.Points[y]
			near(t, "in-post", area.Inpost, in)
			near(t, "low", area.InpostLow, lo)
			near(t, "high", area.InpostHigh, hi)
			near(t, "establishment", area.Establishment, est)
			near(t, "gap", area.Gap, gap)
			near(t, "agency", *area.Agency, agency)
		}
		// A member's projection does not depend on the others asked for with it.
		alone, err := Run(orgs, codes[:1], a)
		if err != nil {
			t.Fatal(err)
		}
		for y := range alone.Area.Points {
			near(t, "alone", alone.Area.Points[y].Inpost, res.Members[0].Points[y].Inpost)
		}
		if t.Failed() {
			t.Fatalf("case %d", i)
		}
	}
}

func TestStitchKeepsHistoryAcrossACodeChange(t *testing.T) {
	old := Org{Code: "E08000016", Name: "Barnsley", Areas: []string{"R"}, Years: steady().Years[:3]}
	cur := Org{Code: "E08000038", Name: "Barnsley", Areas: []string{"R"}, Years: steady().Years[3:]}
	out := Stitch([]Org{old, cur}, func(string) string { return "370" })
	if len(out) != 1 || out[0].Code != "E08000038" || len(out[0].Years) != 4 {
		t.Fatalf("stitched %+v", out)
	}
	p := runOne(t, out[0], Assumptions{Years: 1, Demand: DemandFlat})
	near(t, "in-post 2023", p.Points[0].Inpost, 118)
}
