package dashboard

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The charts are read back from their SVG: what a person sees is the text, the shapes and their
// colours, whichever library drew them.

type svgText struct {
	X, Y         float64 // Y grows upwards, as gonum/plot draws
	Text, Font   string
	Bold, Italic bool
}

type svgShape struct {
	Fill, Stroke, Dashes string
	Width                float64
	Box                  [4]float64 // min x, min y, max x, max y
}

var pathNumbers = regexp.MustCompile(`[ML](-?[0-9.e+-]+),(-?[0-9.e+-]+)`)

func readSVG(t *testing.T, svg []byte) (texts []svgText, shapes []svgShape) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range el.Attr {
			attr[a.Name.Local] = a.Value
		}
		style := map[string]string{}
		for _, kv := range strings.Split(attr["style"], ";") {
			if k, v, ok := strings.Cut(kv, ":"); ok {
				style[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		switch el.Name.Local {
		case "text":
			var s string
			if err := d.DecodeElement(&s, &el); err != nil {
				t.Fatal(err)
			}
			x, _ := strconv.ParseFloat(attr["x"], 64)
			y, _ := strconv.ParseFloat(attr["y"], 64)
			texts = append(texts, svgText{X: x, Y: -y, Text: s, Font: style["font-family"], Bold: style["font-weight"] == "bold", Italic: style["font-style"] == "italic"})
		case "path":
			sh := svgShape{Fill: style["fill"], Stroke: style["stroke"], Dashes: style["stroke-dasharray"], Box: [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}}
			sh.Width, _ = strconv.ParseFloat(style["stroke-width"], 64)
			for _, m := range pathNumbers.FindAllStringSubmatch(attr["d"], -1) {
				x, _ := strconv.ParseFloat(m[1], 64)
				y, _ := strconv.ParseFloat(m[2], 64)
				sh.Box = [4]float64{math.Min(sh.Box[0], x), math.Min(sh.Box[1], y), math.Max(sh.Box[2], x), math.Max(sh.Box[3], y)}
			}
			shapes = append(shapes, sh)
		}
	}
	return texts, shapes
}

func find(texts []svgText, s string) (svgText, bool) {
	i := slices.IndexFunc(texts, func(x svgText) bool { return x.Text == s })
	if i < 0 {
		return svgText{}, false
	}
	return texts[i], true
}

func filled(shapes []svgShape, colour string) []svgShape {
	var out []svgShape
	for _, s := range shapes {
		if s.Fill == colour && s.Stroke == "" {
			out = append(out, s)
		}
	}
	return out
}

func stroked(shapes []svgShape, colour string, width float64) []svgShape {
	var out []svgShape
	for _, s := range shapes {
		if s.Stroke == colour && s.Width == width {
			out = append(out, s)
		}
	}
	return out
}

func hex(c interface{ RGBA() (r, g, b, a uint32) }) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, b>>8)
}

func pf(f float64) *float64 { return &f }

// TestRankBars: bars are ranked best first for the metric's direction, those without a value
// last.
func TestRankBars(t *testing.T) {
	in := []barInput{{Label: "A", Value: pf(10)}, {Label: "B", Value: pf(5), Focus: true}, {Label: "C", Why: "withheld"}, {Label: "D", Value: pf(20)}}
	for _, c := range []struct {
		higherIsBetter bool
		want           string
	}{{false, "B,A,D,C"}, {true, "D,A,B,C"}} {
		var order []string
		for _, b := range rankBars(in, c.higherIsBetter) {
			order = append(order, b.Label)
		}
		if got := strings.Join(order, ","); got != c.want {
			t.Errorf("higher is better %v: %s, want %s", c.higherIsBetter, got, c.want)
		}
	}
}

// TestBarChart: the ranked chart draws its bars in rank order with names and values, marks the
// organisation in focus by ►, bold, hatching and an outline as well as colour, says why a bar
// is missing, draws bars to scale, and has its reference lines and quartile band.
func TestBarChart(t *testing.T) {
	in := []barInput{{Label: "A", Value: pf(10)}, {Label: "B", Value: pf(5), Focus: true}, {Label: "C", Why: "withheld: fewer than 10 responses"}, {Label: "D", Value: pf(20)}}
	c, err := barChart("c", "title", "summary", "%", rankBars(in, false), []refInput{{Label: "Region", Value: pf(12)}, {Label: "England", Value: nil}}, pf(6), pf(15))
	if err != nil {
		t.Fatal(err)
	}
	texts, shapes := readSVG(t, c.SVG)

	var names []svgText
	for _, n := range []string{focusMark + "B", "A", "D", "C"} {
		x, ok := find(texts, n)
		if !ok {
			t.Fatalf("no label %q in %v", n, texts)
		}
		names = append(names, x)
	}
	if !slices.IsSortedFunc(names, func(a, b svgText) int { return cmp.Compare(b.Y, a.Y) }) {
		t.Errorf("names not drawn top to bottom in rank order: %+v", names)
	}
	if !names[0].Bold || names[1].Bold {
		t.Errorf("only the focus's name is bold: %+v", names[:2])
	}
	if v, ok := find(texts, "5.0%"); !ok || !v.Bold {
		t.Errorf("the focus's value 5.0%% not shown in bold: %+v", v)
	}
	if w, ok := find(texts, "withheld: fewer than 10 responses"); !ok || !w.Italic {
		t.Errorf("the bar without a value does not say why: %+v", w)
	}
	if _, ok := find(texts, "Region 12.0%"); !ok {
		t.Errorf("no label on the region's reference line: %v", texts)
	}
	if !strings.Contains(names[0].Font, "Arial") {
		t.Errorf("labels in %q, want Liberation Sans or Arial", names[0].Font)
	}

	blue, focus := filled(shapes, hex(gafDarkBlue)), filled(shapes, hex(gafOrange))
	if len(blue) != 2 || len(focus) != 1 {
		t.Fatalf("%d dark blue bars and %d focus bars, want 2 and 1", len(blue), len(focus))
	}
	long := func(s svgShape) float64 { return s.Box[2] - s.Box[0] }
	a, d := blue[0], blue[1]
	if a.Box[1] < d.Box[1] {
		a, d = d, a
	}
	if math.Abs(long(d)-2*long(a)) > 0.5 || math.Abs(long(a)-2*long(focus[0])) > 0.5 {
		t.Errorf("bars not to scale: 5 → %.1f, 10 → %.1f, 20 → %.1f", long(focus[0]), long(a), long(d))
	}
	outline := stroked(shapes, hex(ink), 2)
	if len(outline) != 1 || outline[0].Box != focus[0].Box {
		t.Errorf("the focus bar is not outlined: %+v", outline)
	}
	stripes := stroked(shapes, hex(ink), 3)
	if len(stripes) < 2 {
		t.Errorf("the focus bar is not hatched: %d stripes", len(stripes))
	}
	for _, s := range stripes {
		if b := focus[0].Box; s.Box[0] < b[0]-0.01 || s.Box[2] > b[2]+0.01 || s.Box[1] < b[1]-0.01 || s.Box[3] > b[3]+0.01 {
			t.Errorf("a stripe %v outside the focus bar %v", s.Box, b)
		}
	}
	if refs := stroked(shapes, hex(gafDarkGrey), 2); len(refs) != 1 || refs[0].Dashes == "" {
		t.Errorf("want one dashed reference line (England has no value): %+v", refs)
	}
	band := filled(shapes, hex(bandFill))
	if len(band) != 1 {
		t.Fatalf("no quartile band")
	}
	if w := band[0].Box[2] - band[0].Box[0]; math.Abs(w-(15-6)/10.0*long(a)) > 0.5 {
		t.Errorf("the band from 6 to 15 is %.1f wide, the bar of 10 %.1f", w, long(a))
	}
}

// TestLineChart: every line is labelled at its end, the focus marked ► and bold; each line has
// its own colour, dash pattern and marker; a line breaks where a value is not known.
func TestLineChart(t *testing.T) {
	periods := []string{"2021", "2022", "2023", "2024", "2025"}
	c, err := lineChart("l", "title", "summary", "%", periods, []seriesInput{
		{Label: "Own", Focus: true, Values: []*float64{pf(10), pf(11), nil, pf(13), pf(12)}},
		{Label: "Region", Values: []*float64{pf(12), pf(12), pf(12), pf(12), pf(12)}},
		{Label: "England", Values: []*float64{pf(14), pf(15), pf(15), pf(16), pf(16)}},
		{Label: "Neighbours (median)", Values: []*float64{nil, nil, nil, nil, nil}},
	})
	if err != nil {
		t.Fatal(err)
	}
	texts, shapes := readSVG(t, c.SVG)
	for _, s := range []struct {
		label string
		bold  bool
	}{{focusMark + "Own", true}, {"Region", false}, {"England", false}} {
		x, ok := find(texts, s.label)
		if !ok || x.Bold != s.bold {
			t.Errorf("line label %q: %+v (bold %v wanted)", s.label, x, s.bold)
		}
	}
	if _, ok := find(texts, "Neighbours (median)"); ok {
		t.Error("a line with no value is labelled")
	}
	for _, p := range periods {
		if _, ok := find(texts, p); !ok {
			t.Errorf("no period %s on the axis", p)
		}
	}
	dashes := map[string]string{}
	for i, want := range []struct{ lines, markers int }{{2, 4}, {1, 5}, {1, 5}} {
		colour := hex(looks[i].color)
		lines := stroked(shapes, colour, 3)
		if len(lines) != want.lines {
			t.Errorf("line %d drawn in %d pieces, want %d", i, len(lines), want.lines)
		}
		if len(lines) > 0 {
			dashes[lines[0].Dashes] = colour
		}
		if m := filled(shapes, colour); len(m) != want.markers {
			t.Errorf("line %d has %d markers, want %d", i, len(m), want.markers)
		}
	}
	if len(dashes) != 3 {
		t.Errorf("the lines share dash patterns: %v", dashes)
	}
}

// TestProjectionChart: in-post is solid for the figures and dashed where projected, in the
// low–high band, beside the establishment; the lines are labelled.
func TestProjectionChart(t *testing.T) {
	hist := []projectionPoint{{Year: 2024, Inpost: 150, Establishment: 170}, {Year: 2025, Inpost: 152, InpostLow: 152, InpostHigh: 152, Establishment: 172}}
	proj := []projectionPoint{{Year: 2026, Inpost: 155, InpostLow: 150, InpostHigh: 160, Establishment: 175}, {Year: 2027, Inpost: 158, InpostLow: 148, InpostHigh: 166, Establishment: 178}}
	c, err := projectionPlot(hist, proj)
	if err != nil {
		t.Fatal(err)
	}
	texts, shapes := readSVG(t, c.SVG)
	for _, s := range []string{"In-post", "Establishment", "2024", "2027"} {
		if _, ok := find(texts, s); !ok {
			t.Errorf("no %q on the chart", s)
		}
	}
	inpost := stroked(shapes, hex(gafDarkBlue), 3)
	if len(inpost) != 2 || inpost[0].Dashes != "" || inpost[1].Dashes == "" {
		t.Errorf("in-post: %+v, want a solid line of figures and a dashed projection", inpost)
	}
	if est := stroked(shapes, hex(gafTurquoise), 3); len(est) != 1 || est[0].Dashes == "" {
		t.Errorf("establishment: %+v", est)
	}
	if len(filled(shapes, hex(bandFill))) != 1 {
		t.Error("no low–high band")
	}
}

// TestChartContrast: every mark that carries data, and the text, has at least 3:1 contrast
// against the white background (WCAG 2.2 non-text contrast); only the grid and the band's
// fill, which carry none, are lighter.
func TestChartContrast(t *testing.T) {
	in := []barInput{{Label: "A", Value: pf(10)}, {Label: "B", Value: pf(5), Focus: true}}
	bars, err := barChart("c", "t", "s", "%", in, []refInput{{Label: "Region", Value: pf(7)}}, pf(6), pf(9))
	if err != nil {
		t.Fatal(err)
	}
	series := make([]seriesInput, len(looks))
	for i := range series {
		series[i] = seriesInput{Label: fmt.Sprint(i), Values: []*float64{pf(float64(i)), pf(float64(i + 1))}}
	}
	lines, err := lineChart("l", "t", "s", "%", []string{"2024", "2025"}, series)
	if err != nil {
		t.Fatal(err)
	}
	light := map[string]bool{"#FFFFFF": true, hex(gridGrey): true, hex(bandFill): true, "none": true, "": true}
	for _, svg := range [][]byte{bars.SVG, lines.SVG} {
		_, shapes := readSVG(t, svg)
		for _, s := range shapes {
			for _, c := range []string{s.Fill, s.Stroke} {
				if !light[c] && contrast(c) < 3 {
					t.Errorf("%s has %.2f:1 contrast against white", c, contrast(c))
				}
			}
		}
	}
	for _, c := range palette {
		if contrast(hex(c)) < 3 {
			t.Errorf("palette colour %s: %.2f:1", hex(c), contrast(hex(c)))
		}
	}
}

// contrast is the WCAG contrast ratio of #RRGGBB against white.
func contrast(c string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(c, "#"), 16, 32)
	lum := 0.0
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		x := float64(v>>(16-8*i)&0xff) / 255
		if x <= 0.03928 {
			x /= 12.92
		} else {
			x = math.Pow((x+0.055)/1.055, 2.4)
		}
		lum += w * x
	}
	return 1.05 / (lum + 0.05)
}

// TestChartSrc: the picture goes to the page as a data: address of the SVG itself.
func TestChartSrc(t *testing.T) {
	c := &Chart{SVG: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)}
	src := string(c.Src())
	b64, ok := strings.CutPrefix(src, "data:image/svg+xml;base64,")
	if !ok {
		t.Fatalf("src %q", src)
	}
	if got, err := base64.StdEncoding.DecodeString(b64); err != nil || !bytes.Equal(got, c.SVG) {
		t.Errorf("src decodes to %q, %v", got, err)
	}
}

func TestNiceTicks(t *testing.T) {
	ticks := niceTicks(0, 17.3, 5)
	if ticks[0] != 0 || ticks[len(ticks)-1] < 17.3 || len(ticks) > 8 {
		t.Errorf("niceTicks(0, 17.3) = %v", ticks)
	}
}
