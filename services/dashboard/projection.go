package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/measure"
)

// The projection page: GET /v1/projections for the focus (an organisation, an area, or an
// analyst's alliance) with the assumptions a person sets in its form, drawn as the in-post line
// with its low–high band beside the establishment, the table behind the chart, and what closing
// the gap would take.

// projectionPoint is one year of a projection as the API gives it.
type projectionPoint struct {
	Year           int      `json:"year"`
	Inpost         float64  `json:"inpost_fte"`
	InpostLow      float64  `json:"inpost_fte_low"`
	InpostHigh     float64  `json:"inpost_fte_high"`
	Leavers        float64  `json:"leavers_fte"`
	Starters       float64  `json:"starters_fte"`
	NewlyQualified float64  `json:"newly_qualified_fte"`
	Establishment  float64  `json:"establishment_fte"`
	Gap            float64  `json:"gap_fte"`
	Agency         *float64 `json:"agency_fte"`
	Demand         *float64 `json:"demand"`
}

type projectionAnswer struct {
	Area struct {
		Code, Name, Level string
	} `json:"area"`
	Assumptions struct {
		Base             int     `json:"base_year"`
		Years            int     `json:"years"`
		Demand           string  `json:"demand"`
		TargetCaseload   float64 `json:"target_caseload"`
		LeaverRateChange float64 `json:"leaver_rate_change"`
		ExtraStarters    float64 `json:"extra_starters"`
		Apprentices      float64 `json:"apprentices"`
		CloseGapBy       int     `json:"close_gap_by"`
	} `json:"assumptions"`
	Projection struct {
		Rates *struct {
			LeaverRate     float64 `json:"leaver_rate"`
			OwnLeaverRate  float64 `json:"own_leaver_rate"`
			AreaLeaverRate float64 `json:"area_leaver_rate"`
			Weight         float64 `json:"weight"`
			Starters       float64 `json:"starters"`
		} `json:"rates"`
		History []projectionPoint `json:"history"`
		Points  []projectionPoint `json:"points"`
		Closing struct {
			By                     int     `json:"by"`
			Gap                    float64 `json:"gap_fte"`
			ExtraNewlyQualified    float64 `json:"extra_newly_qualified_fte"`
			FinalPlacementsPassed  float64 `json:"final_placements_passed"`
			ExtraFinalPlacements   float64 `json:"extra_final_placements"`
			ExtraPracticeEducators float64 `json:"extra_practice_educators"`
		} `json:"closing"`
	} `json:"projection"`
	Included int `json:"members_included"`
	Excluded []struct {
		Org, Name, Reason string
	} `json:"excluded"`
	ExcludedUnnamed int `json:"excluded_unnamed"`
	// ComputedAt is when the inputs the projection used were computed.
	ComputedAt *time.Time `json:"computed_at"`
}

// projectionField is one assumption of the form: its parameter, label, hint and value as typed.
type projectionField struct {
	Name, Label, Hint, Value, Suffix, Error string
	Width                                   int
}

type projectionData struct {
	Focus    focus
	Name     string
	Choices  *choices
	Fields   []projectionField
	Years    []option
	CloseBy  []option
	Demands  []option
	Errors   []formError
	Chart    *Chart
	Answer   *projectionAnswer
	Closing  string
	Rates    string
	Excluded []string
}

type option struct {
	Value, Label string
	Selected     bool
}

// The what-if fields of the form, in order.
var projectionFields = []projectionField{
	{Name: "leaver_rate_change", Label: "Change in the leaver rate", Hint: "Percentage points, for example -2 for turnover down 2 points", Suffix: "points", Width: 4},
	{Name: "apprentices", Label: "More apprentices starting each year", Hint: "They qualify after three years and stay", Width: 4},
	{Name: "extra_starters", Label: "More experienced starters each year", Hint: "Full-time equivalent", Suffix: "FTE", Width: 4},
	{Name: "target_caseload", Label: "Target caseload", Hint: "Cases per case-holding social worker, for example 16; leave empty to keep today's", Width: 4},
}

var demandChoices = []option{
	{Value: "children_in_need", Label: "The trend of children in need"},
	{Value: "child_population", Label: "The trend of the child population"},
	{Value: "flat", Label: "Held at today's establishment"},
}

// projections is the projection page.
func (v *visit) projections(w http.ResponseWriter) {
	f, err := v.focusOf()
	if err != nil {
		v.refuse(w, err)
		return
	}
	q := v.r.URL.Query()
	if a := q.Get("alliance"); a != "" {
		f = focus{Area: f.Area, Alliance: a}
	}
	d := &projectionData{Focus: f, Name: f.name(), Choices: v.choices(f)}
	if f.Alliance != "" {
		d.Name = "alliance " + f.Alliance
	}
	params := url.Values{}
	switch {
	case f.Org != "":
		params.Set("org", f.Org)
	case f.Alliance != "":
		params.Set("alliance", f.Alliance)
	default:
		params.Set("region", f.Area)
	}
	years := 5
	if y, err := strconv.Atoi(q.Get("years")); err == nil && y >= 1 && y <= 10 {
		years = y
	}
	params.Set("years", strconv.Itoa(years))
	demand := q.Get("demand")
	if demand == "" {
		demand = "children_in_need"
	}
	params.Set("demand", demand)
	for _, fd := range projectionFields {
		fd.Value = strings.TrimSpace(q.Get(fd.Name))
		if fd.Value != "" {
			var v string
			if v, fd.Error = assumption(fd, fd.Value); fd.Error == "" {
				params.Set(fd.Name, v)
			}
		}
		if fd.Error != "" {
			d.Errors = append(d.Errors, formError{Field: fd.Name, Text: fd.Error})
		}
		d.Fields = append(d.Fields, fd)
	}
	if by := q.Get("close_gap_by"); by != "" {
		params.Set("close_gap_by", by)
	}
	p := page{Title: "Workforce projection: " + d.Name, Section: "projections", Data: d}
	if len(d.Errors) == 0 {
		var ans projectionAnswer
		// The API works a projection out at each request, from the inputs the benchmark
		// service computed beside the latest benchmarks: its figures were computed when they were.
		err := v.call(http.MethodGet, "/v1/projections", params, "", nil, nil, &ans)
		if prob, ok := err.(*apiProblem); ok && prob.Status == http.StatusUnprocessableEntity {
			field := "years"
			if strings.Contains(prob.Detail, "demand") {
				field = "demand-" + demandChoices[0].Value // the first radio of the group
			}
			d.Errors = append(d.Errors, formError{Field: field, Text: cmpOr(prob.Detail, "the projection cannot be made with these assumptions")})
		} else if err != nil {
			v.refuse(w, err)
			return
		} else if ans.Included == 0 {
			why := "their figures are not known"
			if len(ans.Excluded) > 0 {
				why = ans.Excluded[0].Reason
			}
			field := "years"
			if strings.Contains(why, "demand") {
				field = "demand-" + demandChoices[0].Value
			}
			d.Errors = append(d.Errors, formError{Field: field, Text: fmt.Sprintf("No organisation of %s could be projected: %s", ans.Area.Name, why)})
		} else {
			d.Answer = &ans
			d.Name = ans.Area.Name
			p.Title = "Workforce projection: " + d.Name
			p.Period = fmt.Sprintf("%d, projected to %d", ans.Assumptions.Base, ans.Assumptions.Base+ans.Assumptions.Years)
			if ans.ComputedAt != nil {
				p.Computed = when(*ans.ComputedAt)
			}
			var err error
			if d.Chart, p.Tables, err = projectionChart(&ans); err != nil {
				v.app.fail(w, v.r, err)
				return
			}
			d.Closing, d.Rates = closingWords(&ans), ratesWords(&ans)
			for _, x := range ans.Excluded {
				d.Excluded = append(d.Excluded, fmt.Sprintf("%s: %s", x.Name, x.Reason))
			}
			if ans.ExcludedUnnamed > 0 {
				d.Excluded = append(d.Excluded, fmt.Sprintf("%d more you may not see by name", ans.ExcludedUnnamed))
			}
		}
	}
	closeBy, _ := strconv.Atoi(q.Get("close_gap_by"))
	for y := 1; y <= 10; y++ {
		d.Years = append(d.Years, option{Value: strconv.Itoa(y), Label: fmt.Sprintf("%d years", y), Selected: y == years})
	}
	if d.Answer != nil {
		base := d.Answer.Assumptions.Base
		for y := base + 1; y <= base+years; y++ {
			d.CloseBy = append(d.CloseBy, option{Value: strconv.Itoa(y), Label: strconv.Itoa(y), Selected: y == closeBy || (closeBy == 0 && y == base+years)})
		}
	}
	for _, c := range demandChoices {
		c.Selected = c.Value == demand
		d.Demands = append(d.Demands, c)
	}
	v.show(w, "projection", p)
}

// assumption reads a what-if as typed in the hub's one number grammar, as the API reads numbers,
// with its reasons (1,234 and 12.5 are numbers; 1e3, +5, 0x10, NaN and a decimal comma are
// refused, saying why), and returns it as the API's query parameter takes it (no thousands
// commas), or what is wrong with it in words.
func assumption(fd projectionField, typed string) (param, problem string) {
	x, err := measure.ParseNumber(typed)
	var ne *measure.NumberError
	switch {
	case errors.As(err, &ne):
		return "", fd.Label + " " + ne.Why
	case err != nil:
		return "", fd.Label + " must be a number"
	case fd.Name == "leaver_rate_change" && (x < -100 || x > 100):
		return "", fd.Label + " must be between -100 and 100 points"
	case fd.Name != "leaver_rate_change" && x < 0:
		return "", fd.Label + " must be zero or more"
	}
	return strconv.FormatFloat(x, 'f', -1, 64), ""
}

// projectionChart draws the in-post line (figures, then projected) with its low–high band, and
// the establishment line, over the years, and makes the table behind it.
func projectionChart(a *projectionAnswer) (*Chart, []*Table, error) {
	pr := a.Projection
	all := append(append([]projectionPoint{}, pr.History...), pr.Points...)
	table := &Table{ID: "projection", Caption: "The figures behind the chart (FTE)", Small: true,
		Head: []Head{{Text: "Year"}, {Text: "Kind"}, {Text: "In-post", Numeric: true}, {Text: "Low", Numeric: true}, {Text: "High", Numeric: true},
			{Text: "Establishment", Numeric: true}, {Text: "Gap", Numeric: true}, {Text: "Agency needed", Numeric: true},
			{Text: "Leavers", Numeric: true}, {Text: "Starters", Numeric: true}, {Text: "Of them newly qualified", Numeric: true}}}
	c, err := projectionPlot(pr.History, pr.Points)
	if err != nil {
		return nil, nil, err
	}
	c.Title = "In-post FTE and the establishment needed: " + a.Area.Name
	c.Note = "Dark blue line with circles: in-post FTE, solid for the figures and dashed after the vertical line, where it is projected, " +
		"with the shaded band from the low to the high scenario. Turquoise dashed line with squares: the establishment needed."
	if len(all) == 0 {
		return c, []*Table{table}, nil
	}
	if n := len(pr.Points); n > 0 {
		b, e := all[0], pr.Points[n-1]
		if h := len(pr.History); h > 0 {
			b = pr.History[h-1]
		}
		c.Summary = fmt.Sprintf("In-post FTE goes from %s in %d to %s in %d (between %s and %s in the low and high scenarios); the establishment needed is %s, a gap of %s FTE.",
			formatValue(b.Inpost, ""), b.Year, formatValue(e.Inpost, ""), e.Year, formatValue(e.InpostLow, ""), formatValue(e.InpostHigh, ""),
			formatValue(e.Establishment, ""), formatValue(e.Gap, ""))
	}
	num := func(v float64) Cell { return Cell{Text: formatValue(v, ""), Raw: rawValue(&v), Numeric: true} }
	for _, part := range []struct {
		kind   string
		points []projectionPoint
	}{{"figure", pr.History}, {"projected", pr.Points}} {
		for _, p := range part.points {
			agency := valueCell(p.Agency, "", "agency FTE unknown (not reported)", "")
			row := []Cell{{Text: strconv.Itoa(p.Year), Header: true}, {Text: part.kind}, num(p.Inpost), num(p.InpostLow), num(p.InpostHigh),
				num(p.Establishment), num(p.Gap), agency, num(p.Leavers), num(p.Starters), num(p.NewlyQualified)}
			table.Rows = append(table.Rows, row)
		}
	}
	return c, []*Table{table}, nil
}
