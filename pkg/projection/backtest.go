package projection

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Levels of the backtest.
const (
	LevelLocalAuthority = "local authority"
	LevelRegion         = "region"
	LevelEngland        = "England"
)

// Measures the backtest scores.
const (
	MeasureInpost  = "in-post FTE"
	MeasureLeavers = "leavers FTE"
)

// BacktestRow is the mean absolute percentage error of one measure at one level and horizon,
// for the model and the two plain forecasts beside it.
type BacktestRow struct {
	Level    string
	Measure  string
	Year     int
	Horizon  int
	Compared int     // local authorities compared (at region level, summed into their regions)
	Areas    int     // areas the error is the mean of: the authorities, the regions, or England
	Model    float64 // MAPE, %
	Naive    float64 // the last value carried forward
	Linear   float64 // the least-squares line through the fit years, extended
	Covered  float64 // in-post only: the share of actuals inside the low–high band, %
}

// Backtest fits the model on orgs' figures up to fitEnd and projects them to last, then scores
// in-post and leavers FTE against what happened, beside the naive forecast and a linear trend.
// key names the same authority across a change of code (the DfE's 3-digit code: Barnsley's ONS
// code changed in 2025, it did not); region names the region an authority is scored in.
//
// An authority is compared in a year for a measure only where all three forecasts exist and its
// figure that year is known and above zero, so that every method is scored on the same set; an
// authority that no longer reports under its key (Cumbria from 2023, split in two) drops out.
// A region's or England's forecast and actual are the sums over the authorities compared.
func Backtest(orgs []Org, fitEnd, last int, key, region func(code string) string) ([]BacktestRow, []Exclusion, error) {
	fit := make([]Org, len(orgs))
	actual := map[string]map[int]Year{}
	for i, o := range orgs {
		fit[i] = o
		fit[i].Years = slices.DeleteFunc(slices.Clone(o.Years), func(y Year) bool { return y.Year > fitEnd })
		k := key(o.Code)
		if actual[k] == nil {
			actual[k] = map[int]Year{}
		}
		for _, y := range o.Years {
			if y.Year > fitEnd {
				actual[k][y.Year] = y
			}
		}
	}
	fit = Stitch(fit, key)
	var codes []string
	for _, o := range fit {
		if slices.ContainsFunc(o.Years, func(y Year) bool { return y.Year == fitEnd }) {
			codes = append(codes, o.Code)
		}
	}
	res, err := Run(fit, codes, Assumptions{Base: fitEnd, Years: last - fitEnd, Demand: DemandFlat})
	if err != nil {
		return nil, nil, err
	}
	fitted := map[string]Org{}
	for _, o := range fit {
		fitted[o.Code] = o
	}

	type unit struct {
		region                       string
		model, naive, linear, actual float64
		low, high                    float64
		hasBand                      bool
	}
	var rows []BacktestRow
	for _, measureName := range []string{MeasureInpost, MeasureLeavers} {
		of := func(y Year) measure.Value { return y.Inpost }
		if measureName == MeasureLeavers {
			of = func(y Year) measure.Value { return y.Leavers }
		}
		for h := 1; h <= last-fitEnd; h++ {
			year := fitEnd + h
			var units []unit
			for _, p := range res.Members {
				o := fitted[p.Org]
				ys := byYear(o.Years)
				naive := of(ys[fitEnd])
				line, ok := linear(o.Years, of, year)
				act := of(actual[key(p.Org)][year])
				if !naive.Known || !ok || !act.Known || act.V <= 0 {
					continue
				}
				pt := p.Points[h-1]
				u := unit{region: region(p.Org), naive: naive.V, linear: line, actual: act.V}
				if measureName == MeasureInpost {
					u.model, u.low, u.high, u.hasBand = pt.Inpost, pt.InpostLow, pt.InpostHigh, true
				} else {
					u.model = pt.Leavers
				}
				units = append(units, u)
			}
			if len(units) == 0 {
				continue
			}
			score := func(level string, groups map[string][]unit) BacktestRow {
				row := BacktestRow{Level: level, Measure: measureName, Year: year, Horizon: h}
				var model, naive, line, covered float64
				for _, g := range groups {
					var s unit
					for _, u := range g {
						s.model += u.model
						s.naive += u.naive
						s.linear += u.linear
						s.actual += u.actual
						s.low += u.low
						s.high += u.high
					}
					row.Compared += len(g)
					model += ape(s.model, s.actual)
					naive += ape(s.naive, s.actual)
					line += ape(s.linear, s.actual)
					if s.low <= s.actual && s.actual <= s.high {
						covered++
					}
				}
				n := float64(len(groups))
				row.Areas = len(groups)
				row.Model, row.Naive, row.Linear = model/n, naive/n, line/n
				if measureName == MeasureInpost {
					row.Covered = 100 * covered / n
				}
				return row
			}
			each, regions, england := map[string][]unit{}, map[string][]unit{}, map[string][]unit{}
			for i, u := range units {
				each[fmt.Sprint(i)] = []unit{u}
				regions[u.region] = append(regions[u.region], u)
				england[reference.England] = append(england[reference.England], u)
			}
			rows = append(rows, score(LevelLocalAuthority, each), score(LevelRegion, regions), score(LevelEngland, england))
		}
	}
	order := map[string]int{LevelLocalAuthority: 0, LevelRegion: 1, LevelEngland: 2}
	slices.SortStableFunc(rows, func(a, b BacktestRow) int {
		return cmp.Or(cmp.Compare(a.Measure, b.Measure), cmp.Compare(order[a.Level], order[b.Level]), cmp.Compare(a.Horizon, b.Horizon))
	})
	return rows, res.Excluded, nil
}

// ape is the absolute percentage error of a forecast.
func ape(forecast, actual float64) float64 { return 100 * math.Abs(forecast-actual) / actual }

// linear extends the least-squares line through the known values of the years given to year; it
// needs two.
func linear(ys []Year, of func(Year) measure.Value, year int) (float64, bool) {
	var xs, vs []float64
	for _, y := range ys {
		if v := of(y); v.Known {
			xs = append(xs, float64(y.Year))
			vs = append(vs, v.V)
		}
	}
	if len(xs) < 2 {
		return 0, false
	}
	alpha, beta := stat.LinearRegression(xs, vs, nil, false)
	return alpha + beta*float64(year), true
}

// DfE backtest years: fitted on the figures to 2021, projected to 2025.
const (
	DfEFitEnd = 2021
	DfELast   = 2025
)

// DfEBacktest runs the backtest on the DfE local-authority workforce figures in pkg/reference:
// fitted to 2021, projected 2022–2025, scored per local authority, per region (London whole)
// and for England.
func DfEBacktest() ([]BacktestRow, []Exclusion, error) {
	orgs, known, err := DfEOrgs()
	if err != nil {
		return nil, nil, err
	}
	regions, err := reference.Regions()
	if err != nil {
		return nil, nil, err
	}
	parent := map[string]string{}
	for _, r := range regions {
		parent[r.Code] = r.Parent
	}
	key := func(code string) string { return cmp.Or(known[code].OldCode, code) }
	region := func(code string) string {
		r := known[code].Region
		if p := parent[r]; p != "" && p != reference.England {
			return p // a London sub-region: London
		}
		return r
	}
	return Backtest(orgs, DfEFitEnd, DfELast, key, region)
}

// DfEOrgs reads the DfE local-authority workforce figures, 2017–2025, as organisations placed
// in the reference geography, with the reference organisations by code.
func DfEOrgs() ([]Org, map[string]reference.Organisation, error) {
	f, err := reference.DfEWorkforce()
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	d, err := workforce.Kind.ReadAll(kind.Body{R: f, CSV: true})
	if err != nil {
		return nil, nil, fmt.Errorf("read the DfE workforce figures: %w", err)
	}
	list, err := reference.Organisations()
	if err != nil {
		return nil, nil, err
	}
	regions, err := reference.Regions()
	if err != nil {
		return nil, nil, err
	}
	known := map[string]reference.Organisation{}
	for _, o := range list {
		known[o.Code] = o
	}
	parent := map[string]string{}
	for _, r := range regions {
		parent[r.Code] = r.Parent
	}
	byCode := map[string]*Org{}
	var out []*Org
	for _, row := range d.Rows {
		r := &row.Value
		o, ok := byCode[r.Org]
		if !ok {
			ref, ok := known[r.Org]
			if !ok {
				return nil, nil, fmt.Errorf("the DfE workforce figures name %s, which the reference data does not know", r.Org)
			}
			o = &Org{Code: r.Org, Name: ref.Name}
			for a := ref.Region; a != ""; a = parent[a] {
				o.Areas = append(o.Areas, a)
			}
			byCode[r.Org] = o
			out = append(out, o)
		}
		y, err := YearOf(r.Period)
		if err != nil {
			return nil, nil, err
		}
		o.Years = append(o.Years, ReturnYear(y, r))
	}
	orgs := make([]Org, len(out))
	for i, o := range out {
		orgs[i] = *o
	}
	slices.SortFunc(orgs, func(a, b Org) int { return cmp.Compare(a.Code, b.Code) })
	return orgs, known, nil
}

// ReturnYear gives a workforce return's figures as a year of the model.
func ReturnYear(year int, r *workforce.Return) Year {
	return Year{Year: year, Inpost: r.InpostFTE, Starters: r.StartersFTE, Leavers: r.LeaversFTE, Vacancies: r.VacancyFTE,
		Agency: r.AgencyFTE, CaseHolders: r.CaseHoldersFTE, Cases: r.Cases}
}

// YearOf reads a reporting year YYYY.
func YearOf(period string) (int, error) {
	var y int
	if _, err := fmt.Sscanf(period, "%4d", &y); err != nil || len(period) != 4 {
		return 0, fmt.Errorf("%q is not a reporting year YYYY", period)
	}
	return y, nil
}

// Markdown renders backtest rows as two tables, in-post FTE then leavers FTE.
func Markdown(rows []BacktestRow) string {
	var b strings.Builder
	for _, m := range []string{MeasureInpost, MeasureLeavers} {
		fmt.Fprintf(&b, "**%s** — mean absolute percentage error, %%\n\n", m)
		if m == MeasureInpost {
			b.WriteString("| level | year (horizon) | compared | model | naive | linear trend | model beats naive | actual inside the band |\n|---|---|---|---|---|---|---|---|\n")
		} else {
			b.WriteString("| level | year (horizon) | compared | model | naive | linear trend | model beats naive |\n|---|---|---|---|---|---|---|\n")
		}
		for _, r := range rows {
			if r.Measure != m {
				continue
			}
			compared := fmt.Sprint(r.Compared)
			if r.Level == LevelRegion {
				compared = fmt.Sprintf("%d in %d regions", r.Compared, r.Areas)
			}
			beats := "no"
			if r.Model < r.Naive {
				beats = "yes"
			}
			fmt.Fprintf(&b, "| %s | %d (%d) | %s | %.1f | %.1f | %.1f | %s |", r.Level, r.Year, r.Horizon, compared, r.Model, r.Naive, r.Linear, beats)
			if m == MeasureInpost {
				fmt.Fprintf(&b, " %.0f%% |", r.Covered)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}
