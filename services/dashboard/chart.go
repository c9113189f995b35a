package dashboard

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Charts are drawn on the server as SVG: they need no JavaScript, no script from anywhere and
// almost no weight, and each comes with its title, a summary in words and the table it is drawn
// from. Colours are the Government Analysis Function palette; the organisation in focus is also
// hatched, outlined and labelled in bold, so colour is never the only cue.

// BarChart is a ranked bar chart of an area's organisations.
type BarChart struct {
	ID, Title, Summary string
	Width, Height      int
	PlotLeft, PlotTop  float64
	PlotBottom         float64
	Bars               []Bar
	Ticks              []Tick
	Refs               []Ref
	Band               *Band
}

// Bar is one organisation's bar.
type Bar struct {
	Label, ValueText      string
	X, Y, W, H            float64
	LabelX, ValueX, TextY float64
	Focus, HasValue       bool
	value                 float64
}

// Tick is a labelled grid line.
type Tick struct {
	X, Y, TextY float64
	Label       string
}

// Ref is a reference line across the bars: the area's value, England's.
type Ref struct {
	X, LabelY float64
	Label     string
}

// Band is the quartile band: the middle half of the organisations' values.
type Band struct {
	X, Y, W, H, LabelX, LabelY float64
	Label                      string
}

// barInput is one bar to draw.
type barInput struct {
	Label string
	Value *float64
	Why   string // why the value is missing
	Focus bool
}

// refInput is a reference line to draw.
type refInput struct {
	Label string
	Value *float64
}

const (
	barHeight  = 22.0
	barGap     = 8.0
	chartWidth = 640 // the width of the page's column, so that text is drawn at its own size
	labelWidth = 200.0
)

// newBarChart ranks the bars (known values first, best first given the direction) and lays them
// out on one scale with the reference lines and the quartile band.
func newBarChart(id, title, summary, unit string, higherIsBetter bool, in []barInput, refs []refInput, p25, p75 *float64) *BarChart {
	c := &BarChart{ID: id, Title: title, Summary: summary, Width: chartWidth, PlotLeft: labelWidth, PlotTop: 40}
	bars := slices.Clone(in)
	slices.SortStableFunc(bars, func(a, b barInput) int {
		switch {
		case a.Value == nil && b.Value == nil:
			return strings.Compare(a.Label, b.Label)
		case a.Value == nil:
			return 1
		case b.Value == nil:
			return -1
		case higherIsBetter:
			return cmpFloat(*b.Value, *a.Value)
		}
		return cmpFloat(*a.Value, *b.Value)
	})
	hi := 0.0
	for _, b := range bars {
		if b.Value != nil {
			hi = math.Max(hi, *b.Value)
		}
	}
	for _, r := range refs {
		if r.Value != nil {
			hi = math.Max(hi, *r.Value)
		}
	}
	if p75 != nil {
		hi = math.Max(hi, *p75)
	}
	ticks := niceTicks(0, hi, 5)
	top := ticks[len(ticks)-1]
	plotW := float64(chartWidth) - labelWidth - 70
	x := func(v float64) float64 { return round1(labelWidth + plotW*v/top) }
	y := c.PlotTop
	for _, b := range bars {
		bar := Bar{Label: shorten(b.Label, 28), Focus: b.Focus, LabelX: labelWidth - 8, Y: y, H: barHeight, TextY: round1(y + barHeight*0.7), X: labelWidth}
		if b.Focus {
			bar.Label = "▶ " + b.Label
		}
		if b.Value != nil {
			bar.HasValue, bar.value = true, *b.Value
			bar.W = math.Max(round1(x(*b.Value)-labelWidth), 1)
			bar.ValueX = labelWidth + bar.W + 6
			bar.ValueText = formatValue(*b.Value, unit)
		} else {
			bar.ValueX = labelWidth + 6
			bar.ValueText = cmpOr(b.Why, "not known")
		}
		c.Bars = append(c.Bars, bar)
		y += barHeight + barGap
	}
	c.PlotBottom = round1(y)
	for _, t := range ticks {
		c.Ticks = append(c.Ticks, Tick{X: x(t), Label: formatTick(t, unit)})
	}
	for i, r := range refs {
		if r.Value != nil {
			c.Refs = append(c.Refs, Ref{X: x(*r.Value), LabelY: c.PlotTop - 8 - float64(i%2)*16, Label: r.Label + " " + formatValue(*r.Value, unit)})
		}
	}
	if p25 != nil && p75 != nil {
		c.Band = &Band{X: x(*p25), Y: c.PlotTop, W: math.Max(x(*p75)-x(*p25), 1), H: c.PlotBottom - c.PlotTop,
			LabelX: round1((x(*p25) + x(*p75)) / 2), LabelY: c.PlotBottom + 36, Label: "middle half of the area (quartiles)"}
	}
	c.Height = int(c.PlotBottom) + 48
	return c
}

// LineChart is a time series of up to four lines.
type LineChart struct {
	ID, Title, Summary  string
	Width, Height       int
	PlotLeft, PlotRight float64
	PlotTop, PlotBottom float64
	Series              []LineSeries
	Ticks               []Tick
	XLabels             []Tick
}

// LineSeries is one line, broken where a value is not known.
type LineSeries struct {
	Index          int
	Label          string
	Focus          bool
	Paths          []string
	Markers        string
	LabelX, LabelY float64
}

// seriesInput is one line to draw: a value per period (nil: not known).
type seriesInput struct {
	Label  string
	Values []*float64
	Focus  bool
}

// newLineChart lays the series out over the periods, each with its own colour, dash pattern and
// marker shape, labelled at its last known point.
func newLineChart(id, title, summary, unit string, periods []string, in []seriesInput) *LineChart {
	c := &LineChart{ID: id, Title: title, Summary: summary, Width: chartWidth, PlotLeft: 50, PlotRight: chartWidth - 170, PlotTop: 20, PlotBottom: 300}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range in {
		for _, v := range s.Values {
			if v != nil {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	ticks := niceTicks(math.Min(0, lo), hi, 5)
	bottom, top := ticks[0], ticks[len(ticks)-1]
	step := 0.0
	if len(periods) > 1 {
		step = (c.PlotRight - c.PlotLeft) / float64(len(periods)-1)
	}
	x := func(i int) float64 {
		if len(periods) == 1 {
			return round1((c.PlotLeft + c.PlotRight) / 2)
		}
		return round1(c.PlotLeft + step*float64(i))
	}
	y := func(v float64) float64 {
		return round1(c.PlotBottom - (c.PlotBottom-c.PlotTop)*(v-bottom)/(top-bottom))
	}
	for _, t := range ticks {
		c.Ticks = append(c.Ticks, Tick{Y: y(t), TextY: y(t) + 5, Label: formatTick(t, unit)})
	}
	every := max(1, (len(periods)+7)/8)
	for i, p := range periods {
		if i%every == 0 || i == len(periods)-1 {
			c.XLabels = append(c.XLabels, Tick{X: x(i), Label: p})
		}
	}
	var labels []*LineSeries
	for si, s := range in {
		ls := LineSeries{Index: si, Label: s.Label, Focus: s.Focus}
		var path, markers strings.Builder
		last := -1
		for i, v := range s.Values {
			if v == nil {
				if path.Len() > 0 {
					ls.Paths = append(ls.Paths, path.String())
					path.Reset()
				}
				continue
			}
			if path.Len() == 0 {
				fmt.Fprintf(&path, "M%g %g", x(i), y(*v))
			} else {
				fmt.Fprintf(&path, " L%g %g", x(i), y(*v))
			}
			markers.WriteString(marker(si, x(i), y(*v)))
			last = i
		}
		if path.Len() > 0 {
			ls.Paths = append(ls.Paths, path.String())
		}
		if last < 0 {
			continue
		}
		ls.Markers = markers.String()
		ls.LabelX, ls.LabelY = x(last)+12, y(*s.Values[last])+5
		if s.Focus {
			ls.Label = "▶ " + ls.Label
		}
		c.Series = append(c.Series, ls)
	}
	for i := range c.Series {
		labels = append(labels, &c.Series[i])
	}
	spreadLabels(labels, c.PlotTop, c.PlotBottom+10)
	c.Height = int(c.PlotBottom) + 40
	return c
}

// marker draws series i's marker shape at (x, y): circle, square, triangle, diamond.
func marker(i int, x, y float64) string {
	const r = 5.0
	switch i % 4 {
	case 0:
		return fmt.Sprintf("M%g %g a%g %g 0 1 0 %g 0 a%g %g 0 1 0 %g 0 ", x-r, y, r, r, 2*r, r, r, -2*r)
	case 1:
		return fmt.Sprintf("M%g %g h%g v%g h%g Z ", x-r, y-r, 2*r, 2*r, -2*r)
	case 2:
		return fmt.Sprintf("M%g %g L%g %g L%g %g Z ", x, y-r-1, x+r+1, y+r, x-r-1, y+r)
	}
	return fmt.Sprintf("M%g %g L%g %g L%g %g L%g %g Z ", x, y-r-1, x+r+1, y, x, y+r+1, x-r-1, y)
}

// spreadLabels moves line-end labels apart so that none overlaps another.
func spreadLabels(ls []*LineSeries, top, bottom float64) {
	slices.SortFunc(ls, func(a, b *LineSeries) int { return cmpFloat(a.LabelY, b.LabelY) })
	for i := 1; i < len(ls); i++ {
		if ls[i].LabelY < ls[i-1].LabelY+16 {
			ls[i].LabelY = ls[i-1].LabelY + 16
		}
	}
	for i := len(ls) - 1; i >= 0; i-- {
		if ls[i].LabelY > bottom {
			ls[i].LabelY = bottom
		}
		if i < len(ls)-1 && ls[i].LabelY > ls[i+1].LabelY-16 {
			ls[i].LabelY = ls[i+1].LabelY - 16
		}
		ls[i].LabelY = math.Max(ls[i].LabelY, top)
	}
}

// shorten keeps a chart label within its column; the table beside the chart has it whole.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// niceTicks returns about n round values from at most lo to at least hi.
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v < hi+step*0.999; v += step {
		out = append(out, round6(v))
	}
	if len(out) < 2 {
		out = append(out, round6(start+step))
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
