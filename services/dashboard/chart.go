package dashboard

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Charts are drawn on the server by gonum/plot (its scales, axes, ticks, bars, lines, markers,
// text layout and SVG canvas) and shown as an image: they need no JavaScript and no script from
// anywhere, and an SVG image may carry the inline styles gonum/plot writes while the page's
// Content-Security-Policy allows none. Each comes with its title, a summary in words and the
// table it is drawn from. Colours are the Government Analysis Function palette; the
// organisation in focus is also hatched, outlined, marked ► and labelled in bold, and each line
// has its own dash pattern and marker, so colour is never the only cue.

// The Government Analysis Function palette (analysisfunction.civilservice.gov.uk): each colour
// has at least 3:1 contrast against white.
var (
	gafDarkBlue  = color.RGBA{0x12, 0x43, 0x6d, 0xff}
	gafTurquoise = color.RGBA{0x28, 0xa1, 0x97, 0xff}
	gafDarkPink  = color.RGBA{0x80, 0x16, 0x50, 0xff}
	gafOrange    = color.RGBA{0xf4, 0x6a, 0x25, 0xff}
	gafDarkGrey  = color.RGBA{0x3d, 0x3d, 0x3d, 0xff}
	palette      = []color.RGBA{gafDarkBlue, gafTurquoise, gafDarkPink, gafOrange, gafDarkGrey}
)

// GOV.UK Frontend's colours for what is not data: text, secondary text, grid lines, the
// quartile band and its edge.
var (
	ink      = color.RGBA{0x0b, 0x0c, 0x0c, 0xff}
	softInk  = color.RGBA{0x48, 0x49, 0x49, 0xff}
	gridGrey = color.RGBA{0xb1, 0xb4, 0xb6, 0xff}
	bandFill = color.RGBA{0xf3, 0xf2, 0xf1, 0xff}
	bandEdge = color.RGBA{0x50, 0x5a, 0x5f, 0xff}
)

// look is how one line is drawn: its colour, dash pattern and marker shape.
type look struct {
	color  color.RGBA
	dashes []vg.Length
	marker draw.GlyphDrawer
}

// looks are the lines' looks, one each per line.
var looks = []look{
	{gafDarkBlue, nil, draw.CircleGlyph{}},
	{gafTurquoise, []vg.Length{8, 4}, draw.BoxGlyph{}},
	{gafDarkPink, []vg.Length{2, 3}, draw.PyramidGlyph{}},
	{gafOrange, []vg.Length{10, 3, 2, 3}, diamondGlyph{}},
}

const (
	chartWidth   = 640 // the width of the page's column, so that text is drawn at its own size
	fontSize     = 14
	barSlot      = 30 // the height of a bar with the gap to the next
	barThickness = 22
	labelChars   = 28 // longer labels are shortened; the table has them whole
	focusMark    = "► "
)

// Chart is a chart a page shows: its title, its summary in words, a note on what its marks
// mean, and the picture.
type Chart struct {
	ID, Title, Summary, Note string
	SVG                      []byte
	Width, Height            int
}

// Src is the picture as a data: address for an <img>.
func (c *Chart) Src() template.URL {
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(c.SVG))
}

// chartFont is Liberation Sans, which has Arial's metrics: gonum/plot lays the text out with it,
// and the browser draws it with Liberation Sans or Arial.
func chartFont(bold, italic bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: fontSize}
	if bold {
		f.Weight = xfont.WeightBold
	}
	if italic {
		f.Style = xfont.StyleItalic
	}
	return f
}

func label(bold, italic bool, c color.Color, x text.XAlignment, y text.YAlignment) text.Style {
	return text.Style{Color: c, Font: chartFont(bold, italic), XAlign: x, YAlign: y, Handler: plot.DefaultTextHandler}
}

func stroke(c color.Color, width vg.Length, dashes ...vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: width, Dashes: dashes}
}

// newPlot is a plot in the dashboard's type and colours, with no title (the page has it).
func newPlot() *plot.Plot {
	p := plot.New()
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font, a.Label.TextStyle.Color = chartFont(false, false), ink
		a.Tick.Label.Font, a.Tick.Label.Color = chartFont(false, false), ink
		a.LineStyle = stroke(bandEdge, 1)
		a.Tick.LineStyle = stroke(bandEdge, 1)
		a.Padding = 0
	}
	return p
}

// render draws p as SVG, w by h, with room on the right for what p's plotters draw there
// without asking for it.
func render(p *plot.Plot, id, title, summary string, w, h int, right vg.Length) (*Chart, error) {
	c := vgsvg.New(vg.Length(w), vg.Length(h))
	p.Draw(draw.Crop(draw.New(c), 4, -4-right, 4, -4))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart %s: %w", id, err)
	}
	// A browser without Liberation Sans draws the text in Arial, of the same metrics, rather
	// than in its default serif.
	svg := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"), []byte("font-family:'Liberation Sans',Arial,sans-serif;"))
	return &Chart{ID: id, Title: title, Summary: summary, SVG: svg, Width: w, Height: h}, nil
}

// setScale puts about five round ticks on an axis, labelled with the unit when it is a
// percentage, from at most lo to at least hi. (gonum/plot's own ticker aims at three, too few
// to read a value from.)
func setScale(a *plot.Axis, lo, hi float64, unit string) {
	ticks := niceTicks(lo, hi, 5)
	a.Min, a.Max = ticks[0], ticks[len(ticks)-1]
	marks := make(plot.ConstantTicks, len(ticks))
	for i, t := range ticks {
		marks[i] = plot.Tick{Value: t, Label: formatTick(t, unit)}
	}
	a.Tick.Marker = marks
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
		out = append(out, math.Round(v*1e6)/1e6)
	}
	if len(out) < 2 {
		out = append(out, math.Round((start+step)*1e6)/1e6)
	}
	return out
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

// rankBars orders the bars: known values best first given the direction, then the unknown ones
// by name.
func rankBars(in []barInput, higherIsBetter bool) []barInput {
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
			return cmp.Compare(*b.Value, *a.Value)
		}
		return cmp.Compare(*a.Value, *b.Value)
	})
	return bars
}

// barChart draws the bars in the order given, first at the top, on one scale with the
// reference lines and, when p25 and p75 are known, the quartile band between them.
func barChart(id, title, summary, unit string, bars []barInput, refs []refInput, p25, p75 *float64) (*Chart, error) {
	p := newPlot()
	n := float64(len(bars))
	row := func(i int) float64 { return n - 1 - float64(i) }
	p.Y.Min, p.Y.Max = -0.5, n-0.5
	p.Y.Tick.Marker, p.Y.LineStyle.Width = plot.ConstantTicks{}, 0
	p.X.Min, p.X.Max = 0, 0

	grid := plotter.NewGrid()
	grid.Vertical, grid.Horizontal = stroke(gridGrey, 1), stroke(nil, 0)
	if p25 != nil && p75 != nil {
		band, err := plotter.NewPolygon(plotter.XYs{{X: *p25, Y: -0.5}, {X: *p75, Y: -0.5}, {X: *p75, Y: n - 0.5}, {X: *p25, Y: n - 0.5}})
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", id, err)
		}
		band.Color, band.LineStyle = bandFill, stroke(bandEdge, 1, 2, 2)
		p.Add(band)
		p.X.Label.Text = "Shaded: the middle half of the organisations (between the quartiles)"
	}
	p.Add(grid)

	names := &plotter.Labels{Offset: vg.Point{X: -8}}
	values := &plotter.Labels{Offset: vg.Point{X: 6}}
	for i, b := range bars {
		name := shorten(b.Label, labelChars)
		if b.Focus {
			name = focusMark + name
		}
		names.XYs = append(names.XYs, plotter.XY{X: 0, Y: row(i)})
		names.Labels = append(names.Labels, name)
		names.TextStyle = append(names.TextStyle, label(b.Focus, false, ink, text.XRight, text.YCenter))
		if b.Value == nil {
			values.XYs = append(values.XYs, plotter.XY{X: 0, Y: row(i)})
			values.Labels = append(values.Labels, cmpOr(b.Why, "not known"))
			values.TextStyle = append(values.TextStyle, label(false, true, softInk, text.XLeft, text.YCenter))
			continue
		}
		bar, err := plotter.NewBarChart(plotter.Values{*b.Value}, barThickness)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", id, err)
		}
		bar.Horizontal, bar.XMin, bar.Color, bar.LineStyle = true, row(i), gafDarkBlue, stroke(nil, 0)
		p.Add(bar)
		if b.Focus {
			bar.Color, bar.LineStyle = gafOrange, stroke(ink, 2)
			p.Add(hatch{from: 0, to: *b.Value, row: row(i), style: stroke(ink, 3)})
		}
		p.X.Min, p.X.Max = math.Min(p.X.Min, *b.Value), math.Max(p.X.Max, *b.Value)
		values.XYs = append(values.XYs, plotter.XY{X: *b.Value, Y: row(i)})
		values.Labels = append(values.Labels, formatValue(*b.Value, unit))
		values.TextStyle = append(values.TextStyle, label(b.Focus, false, ink, text.XLeft, text.YCenter))
	}
	for i, r := range refs {
		if r.Value == nil {
			continue
		}
		line, err := plotter.NewLine(plotter.XYs{{X: *r.Value, Y: -0.5}, {X: *r.Value, Y: n - 0.5}})
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", id, err)
		}
		line.LineStyle = stroke(gafDarkGrey, 2, 6, 3)
		// Alternate rows above the bars, so that two close lines' labels do not cover each other.
		at := &plotter.Labels{XYs: plotter.XYs{{X: *r.Value, Y: n - 0.5}}, Labels: []string{r.Label + " " + formatValue(*r.Value, unit)},
			TextStyle: []text.Style{label(false, false, ink, text.XCenter, text.YBottom)}, Offset: vg.Point{Y: vg.Length(4 + 18*(i%2))}}
		p.Add(line, at)
		p.X.Max = math.Max(p.X.Max, *r.Value)
	}
	if p75 != nil {
		p.X.Max = math.Max(p.X.Max, *p75)
	}
	setScale(&p.X, p.X.Min, p.X.Max, unit)
	// The values beside the bars go in the room render leaves on the right: gonum/plot makes
	// room for one label beyond the axis's end, and the axis's last tick label may be another.
	p.Add(rule{x: 0, style: stroke(bandEdge, 1)}, names, drawOnly{values})
	return render(p, id, title, summary, chartWidth, int(n*barSlot)+110, 56)
}

// drawOnly draws a plotter without asking the plot to make room for it.
type drawOnly struct{ plotter plot.Plotter }

func (d drawOnly) Plot(c draw.Canvas, p *plot.Plot) { d.plotter.Plot(c, p) }

// hatch draws diagonal stripes over a bar, so that the organisation in focus is marked by a
// pattern as well as by its colour.
type hatch struct {
	from, to, row float64
	style         draw.LineStyle
}

func (h hatch) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0, x1 := trX(math.Min(h.from, h.to)), trX(math.Max(h.from, h.to))
	y := trY(h.row)
	bar := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: x0, Y: y - barThickness/2}, Max: vg.Point{X: x1, Y: y + barThickness/2}}}
	var stripes [][]vg.Point
	for x := x0 - barThickness; x < x1; x += 11 {
		stripes = append(stripes, []vg.Point{{X: x, Y: bar.Min.Y}, {X: x + barThickness, Y: bar.Max.Y}})
	}
	bar.StrokeLines(h.style, bar.ClipLinesXY(stripes...)...)
}

// diamondGlyph is a filled diamond, the fourth line's marker.
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.25
	var d vg.Path
	d.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	d.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	d.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	d.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	d.Close()
	c.Fill(d)
}

// seriesInput is one line to draw: a value per period (nil: not known).
type seriesInput struct {
	Label  string
	Values []*float64
	Focus  bool
}

// lineChart draws the series over the periods, each with its own colour, dash pattern and
// marker shape, broken where a value is not known and labelled at its last known point.
func lineChart(id, title, summary, unit string, periods []string, in []seriesInput) (*Chart, error) {
	p := newPlot()
	p.X.Min, p.X.Max = 0, math.Max(1, float64(len(periods)-1))
	if len(periods) == 1 {
		p.X.Min, p.X.Max = -1, 1
	}
	p.X.Tick.Marker = everyFew(len(periods), func(i int) (float64, string) { return float64(i), periods[i] })
	p.Y.Min, p.Y.Max = 0, 0
	p.Y.LineStyle.Width, p.Y.Tick.Length = 0, 0
	grid := plotter.NewGrid()
	grid.Vertical, grid.Horizontal = stroke(nil, 0), stroke(gridGrey, 1)
	p.Add(grid)
	ends := &endLabels{}
	for si, s := range in {
		var xys []plotter.XY
		for i, v := range s.Values {
			if v != nil {
				xys = append(xys, plotter.XY{X: float64(i), Y: *v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		name := s.Label
		if s.Focus {
			name = focusMark + name
		}
		if err := addLine(p, looks[si%len(looks)], xys, 1); err != nil {
			return nil, fmt.Errorf("chart %s: %w", id, err)
		}
		ends.add(xys[len(xys)-1], name, s.Focus)
	}
	p.Add(ends)
	setScale(&p.Y, p.Y.Min, p.Y.Max, unit)
	return render(p, id, title, summary, chartWidth, 340, 0)
}

// addLine draws a line through the points in a look, broken where x jumps by more than step
// (a value not known), with a marker at each point.
func addLine(p *plot.Plot, l look, xys []plotter.XY, step float64) error {
	start := 0
	for i := 1; i <= len(xys); i++ {
		if i < len(xys) && xys[i].X-xys[i-1].X <= step {
			continue
		}
		if i-start > 1 {
			line, err := plotter.NewLine(plotter.XYs(xys[start:i]))
			if err != nil {
				return err
			}
			line.LineStyle = stroke(l.color, 3, l.dashes...)
			p.Add(line)
		}
		start = i
	}
	markers, err := plotter.NewScatter(plotter.XYs(xys))
	if err != nil {
		return err
	}
	markers.GlyphStyle = draw.GlyphStyle{Color: l.color, Radius: 5, Shape: l.marker}
	p.Add(markers)
	return nil
}

// everyFew ticks about eight of n positions, always the last, labelled by at.
func everyFew(n int, at func(i int) (float64, string)) plot.ConstantTicks {
	every := max(1, (n+7)/8)
	var ticks plot.ConstantTicks
	for i := range n {
		if i%every == 0 || i == n-1 {
			v, s := at(i)
			ticks = append(ticks, plot.Tick{Value: v, Label: s})
		}
	}
	return ticks
}

// endLabels labels lines at their last points, moved apart so that none covers another.
type endLabels struct {
	at     []plotter.XY
	labels []string
	styles []text.Style
}

func (e *endLabels) add(at plotter.XY, s string, bold bool) {
	e.at, e.labels = append(e.at, at), append(e.labels, s)
	e.styles = append(e.styles, label(bold, false, ink, text.XLeft, text.YCenter))
}

const endLabelGap = 12 // between a line's last point and its label

func (e *endLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ys := make([]vg.Length, len(e.at))
	for i, xy := range e.at {
		ys[i] = trY(xy.Y)
	}
	spread(ys, fontSize+2, c.Min.Y, c.Max.Y)
	for i, xy := range e.at {
		c.FillText(e.styles[i], vg.Point{X: trX(xy.X) + endLabelGap, Y: ys[i]}, e.labels[i])
	}
}

// GlyphBoxes makes room for the labels beside the plot.
func (e *endLabels) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	boxes := make([]plot.GlyphBox, len(e.at))
	for i, xy := range e.at {
		boxes[i] = plot.GlyphBox{X: p.X.Norm(xy.X), Y: p.Y.Norm(xy.Y), Rectangle: e.styles[i].Rectangle(e.labels[i]).Add(vg.Point{X: endLabelGap})}
	}
	return boxes
}

// spread moves positions apart to at least gap from each other, within lo and hi where it can.
func spread(ys []vg.Length, gap, lo, hi vg.Length) {
	order := make([]int, len(ys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ys[a], ys[b]) })
	for k := 1; k < len(order); k++ {
		ys[order[k]] = max(ys[order[k]], ys[order[k-1]]+gap)
	}
	for k := len(order) - 1; k >= 0; k-- {
		ys[order[k]] = min(ys[order[k]], hi)
		if k < len(order)-1 {
			ys[order[k]] = min(ys[order[k]], ys[order[k+1]]-gap)
		}
		ys[order[k]] = max(ys[order[k]], lo)
	}
}

// projectionPlot draws the projection: in-post, solid for the figures and dashed where projected
// with the low–high band, the establishment needed, and a vertical line at the base year.
func projectionPlot(history, projected []projectionPoint) (*Chart, error) {
	p := newPlot()
	all := slices.Concat(history, projected)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pt := range all {
		for _, x := range []float64{pt.Inpost, pt.InpostLow, pt.InpostHigh, pt.Establishment} {
			if x > 0 {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	setScale(&p.Y, math.Max(0, lo*0.9), hi, "")
	p.Y.LineStyle.Width, p.Y.Tick.Length = 0, 0
	p.X.Tick.Marker = everyFew(len(all), func(i int) (float64, string) { return float64(all[i].Year), strconv.Itoa(all[i].Year) })
	grid := plotter.NewGrid()
	grid.Vertical, grid.Horizontal = stroke(nil, 0), stroke(gridGrey, 1)
	if len(history) > 0 {
		projected = slices.Concat(history[len(history)-1:], projected)
	}
	if len(projected) > 0 {
		var ring plotter.XYs
		for _, pt := range projected {
			ring = append(ring, plotter.XY{X: float64(pt.Year), Y: pt.InpostHigh})
		}
		for _, pt := range slices.Backward(projected) {
			ring = append(ring, plotter.XY{X: float64(pt.Year), Y: pt.InpostLow})
		}
		band, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, fmt.Errorf("projection chart: %w", err)
		}
		band.Color, band.LineStyle = bandFill, stroke(bandEdge, 1, 2, 2)
		p.Add(band)
	}
	p.Add(grid)
	if len(history) > 0 {
		p.Add(rule{x: float64(history[len(history)-1].Year), style: stroke(gafDarkGrey, 2, 6, 3)})
	}
	inpost := func(pts []projectionPoint) []plotter.XY {
		var xys []plotter.XY
		for _, pt := range pts {
			xys = append(xys, plotter.XY{X: float64(pt.Year), Y: pt.Inpost})
		}
		return xys
	}
	var est []plotter.XY
	for _, pt := range all {
		if pt.Establishment > 0 {
			est = append(est, plotter.XY{X: float64(pt.Year), Y: pt.Establishment})
		}
	}
	ends := &endLabels{}
	for _, l := range []struct {
		look
		xys  []plotter.XY
		name string
	}{
		{looks[0], inpost(history), ""},
		{look{gafDarkBlue, []vg.Length{6, 4}, draw.CircleGlyph{}}, inpost(projected), "In-post"},
		{look{gafTurquoise, []vg.Length{8, 4}, draw.BoxGlyph{}}, est, "Establishment"},
	} {
		if len(l.xys) == 0 {
			continue
		}
		if err := addLine(p, l.look, l.xys, 1); err != nil {
			return nil, fmt.Errorf("projection chart: %w", err)
		}
		if l.name != "" {
			ends.add(l.xys[len(l.xys)-1], l.name, false)
		}
	}
	p.Add(ends)
	return render(p, "projection-chart", "", "", chartWidth, 340, 0)
}

// closingWords says what closing the gap would take.
func closingWords(a *projectionAnswer) string {
	cl := a.Projection.Closing
	if cl.Gap <= 0 {
		return fmt.Sprintf("In-post FTE meets the establishment needed in %d: there is no gap to close.", cl.By)
	}
	return fmt.Sprintf("To close the gap of %s FTE by %d: %s more newly qualified social workers starting each year, %s more final placements passed each year (%s today) and %s more practice educators.",
		formatValue(cl.Gap, ""), cl.By, formatValue(cl.ExtraNewlyQualified, ""), formatValue(cl.ExtraFinalPlacements, ""),
		formatValue(cl.FinalPlacementsPassed, ""), formatValue(cl.ExtraPracticeEducators, ""))
}

// ratesWords says what an organisation's projection was fitted to.
func ratesWords(a *projectionAnswer) string {
	r := a.Projection.Rates
	if r == nil {
		return fmt.Sprintf("The sum of %d members' projections.", a.Included)
	}
	return fmt.Sprintf("Leaver rate %s a year (its own %s over three years, the area's %s, weighted %s to its own); %s starters a year on average.",
		formatValue(100*r.LeaverRate, "%"), formatValue(100*r.OwnLeaverRate, "%"), formatValue(100*r.AreaLeaverRate, "%"),
		formatValue(100*r.Weight, "%"), formatValue(r.Starters, ""))
}

// rule is a vertical line across the plot at x.
type rule struct {
	x     float64
	style draw.LineStyle
}

func (r rule) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	c.StrokeLine2(r.style, trX(r.x), c.Min.Y, trX(r.x), c.Max.Y)
}

// shorten keeps a chart label within its column; the table beside the chart has it whole.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
