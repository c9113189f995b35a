package projection

import (
	"fmt"

	"gonum.org/v1/gonum/stat"

	"github.com/partnership-hub/hub/pkg/measure"
)

// trend is a straight line fitted by least squares to a demand measure over the trend window,
// and the measure's base-year value.
type trend struct {
	intercept, slope float64
	value            float64
}

func (t trend) fitted(year int) float64 { return t.intercept + t.slope*float64(year) }

// demandGrowth gives the demand of year base+t as a multiple of the base year's: the fitted
// trend of the chosen measure that year ÷ its fitted value in the base year (never below zero),
// or 1 for flat demand. The trend is fitted over the last TrendWindow years to the base year
// with the measure known, at least MinTrendYears of them, the base year among them.
func demandGrowth(ys map[int]Year, a Assumptions) (func(t int) float64, *trend, error) {
	if a.Demand == DemandFlat {
		return func(int) float64 { return 1 }, nil, nil
	}
	of, what := func(y Year) measure.Value { return y.ChildrenInNeed }, "children in need"
	if a.Demand == DemandChildPopulation {
		of, what = func(y Year) measure.Value { return y.ChildPopulation }, "child population"
	}
	b, ok := ys[a.Base]
	if !ok || !of(b).Known {
		v := measure.Value{}
		if ok {
			v = of(b)
		}
		return nil, nil, fmt.Errorf("%w (or choose demand=flat)", unknown(what, a.Base, v))
	}
	var xs, vs []float64
	for y := a.Base - TrendWindow + 1; y <= a.Base; y++ {
		if v := of(ys[y]); v.Known {
			xs = append(xs, float64(y))
			vs = append(vs, v.V)
		}
	}
	if len(xs) < MinTrendYears {
		return nil, nil, fmt.Errorf("%s known in %d of the years %d–%d: a trend needs %d (or choose demand=flat)", what, len(xs), a.Base-TrendWindow+1, a.Base, MinTrendYears)
	}
	alpha, beta := stat.LinearRegression(xs, vs, nil, false)
	t := &trend{intercept: alpha, slope: beta, value: of(b).V}
	at := t.fitted(a.Base)
	if at <= 0 {
		return nil, nil, fmt.Errorf("the %s trend is not above zero in %d (or choose demand=flat)", what, a.Base)
	}
	return func(n int) float64 { return max(0, t.fitted(a.Base+n)) / at }, t, nil
}
