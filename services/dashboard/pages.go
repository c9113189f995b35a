package dashboard

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// routes adds every page a signed-in person may open.
func (a *app) routes(mux *http.ServeMux) {
	signedIn := func(pattern string, h func(v *visit, w http.ResponseWriter)) {
		mux.Handle(pattern, a.requireSignIn(func(w http.ResponseWriter, r *http.Request, v *visit) { h(v, w) }))
	}
	signedIn("GET /{$}", (*visit).overview)
	signedIn("GET /indicators/{metric}", (*visit).indicator)
	signedIn("GET /standards/{std}", (*visit).summaryPage)
	signedIn("GET /partnerships", (*visit).partnerships)
	signedIn("GET /health-check", (*visit).healthCheck)
	signedIn("GET /projections", (*visit).projections)
	signedIn("GET /submit", (*visit).submitForm)
	signedIn("POST /submit", (*visit).submit)
	signedIn("GET /submissions/{id}", (*visit).submissionPage)
	signedIn("GET /submissions/{id}/errors", (*visit).submissionErrors)
	signedIn("GET /submissions/{id}/errors.csv", (*visit).errorReport)
	signedIn("GET /alliances", (*visit).alliances)
	signedIn("GET /alliances/new", (*visit).allianceForm)
	signedIn("POST /alliances", (*visit).saveAlliance)
	signedIn("GET /alliances/{id}", (*visit).allianceForm)
	signedIn("POST /alliances/{id}", (*visit).saveAlliance)
	signedIn("POST /alliances/{id}/delete", (*visit).deleteAlliance)
	signedIn("GET /access-trail", (*visit).accessTrail)
	mux.HandleFunc("GET /licence", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "licence", page{Title: "Licence"})
	})
}

// summaryPage is page 3: every metric of a standard for the focus beside its neighbours, its
// region and England, in one period, sortable.
func (v *visit) summaryPage(w http.ResponseWriter) {
	std, err := strconv.Atoi(v.r.PathValue("std"))
	if err != nil || (std != 2 && std != 8) {
		v.refuse(w, &apiProblem{Status: http.StatusNotFound, Detail: "the hub has benchmarks for Standards 2 and 8"})
		return
	}
	f, err := v.focusOf()
	if err != nil {
		v.refuse(w, err)
		return
	}
	// The periods in which the standard has a value: a period whose every metric is null (the
	// demand kind's early years, with counts but no child population) is not offered.
	var offered struct {
		Periods []struct {
			Period string `json:"period"`
		} `json:"periods"`
	}
	if err := v.get(fmt.Sprintf("/v1/benchmarks/standard-%d/periods", std), nil, &offered); err != nil {
		v.refuse(w, err)
		return
	}
	var periods []string
	for _, p := range offered.Periods {
		periods = append(periods, p.Period)
	}
	if len(periods) == 0 {
		v.refuse(w, &apiProblem{Status: http.StatusNotFound, Detail: "no Standard " + strconv.Itoa(std) + " benchmarks for " + f.name()})
		return
	}
	period := v.r.URL.Query().Get("period")
	if !slices.Contains(periods, period) {
		period = periods[len(periods)-1]
	}
	var sb standardBenchmarks
	if err := v.get(fmt.Sprintf("/v1/benchmarks/standard-%d", std), f.area("period", period, "org", f.Org), &sb); err != nil {
		v.refuse(w, err)
		return
	}
	base := url.Values{"period": {period}}
	for k, vs := range f.query() {
		base[k] = vs
	}
	cols := []struct{ key, text string }{{"metric", "Metric"}}
	if f.Org != "" {
		cols = append(cols, struct{ key, text string }{"org", f.name()}, struct{ key, text string }{"neighbours", "Statistical neighbours (median)"})
	}
	cols = append(cols, struct{ key, text string }{"region", cmpOr(sb.Region.Name, areaName(f.Area))}, struct{ key, text string }{"england", "England"},
		struct{ key, text string }{"median", "Median of organisations"})
	if f.Org != "" {
		cols = append(cols, struct{ key, text string }{"rank", "Rank in region"})
	}
	sortKey, order := v.r.URL.Query().Get("sort"), v.r.URL.Query().Get("order")
	type row struct {
		cells []Cell
		keys  map[string]*float64
		label string
		group string
	}
	var rows []row
	var groups []string // the metrics' families, in the API's order
	for _, mb := range sb.Metrics {
		m := mb.Metric
		if !slices.Contains(groups, m.Source) {
			groups = append(groups, m.Source)
		}
		href := "/indicators/" + url.PathEscape(m.ID) + "?" + f.query().Encode() + "&period=" + url.QueryEscape(period)
		r := row{label: m.Label, group: m.Source, keys: map[string]*float64{"region": mb.RegionValue, "england": mb.EnglandValue, "median": mb.Median},
			cells: []Cell{{Text: m.Label, Href: href, Header: true}}}
		if f.Org != "" {
			var own, sn *float64
			reason, withheld := "", ""
			if p := mb.Position; p != nil {
				own, sn, reason, withheld = p.Value, p.SNMedian, p.Reason, p.Withheld
				if p.Rank > 0 {
					rf := float64(p.Rank)
					r.keys["rank"] = &rf
				}
			}
			r.keys["org"], r.keys["neighbours"] = own, sn
			r.cells = append(r.cells, valueCell(own, m.Unit, reason, withheld), snCell(sn, m.Unit))
		}
		r.cells = append(r.cells, valueCell(mb.RegionValue, m.Unit, "", mb.RegionWithheld), valueCell(mb.EnglandValue, m.Unit, "", mb.EnglandWithheld),
			valueCell(mb.Median, m.Unit, "", quartileWithheld(m)))
		if f.Org != "" {
			r.cells = append(r.cells, rankCell(mb))
		}
		rows = append(rows, r)
	}
	if sortKey != "" && sortKey != "metric" {
		slices.SortStableFunc(rows, func(a, b row) int {
			x, y := a.keys[sortKey], b.keys[sortKey]
			switch {
			case x == nil && y == nil:
				return 0
			case x == nil:
				return 1
			case y == nil:
				return -1
			}
			if order == "descending" {
				return cmp.Compare(*y, *x)
			}
			return cmp.Compare(*x, *y)
		})
	} else if sortKey == "metric" {
		slices.SortStableFunc(rows, func(a, b row) int {
			if order == "descending" {
				return strings.Compare(b.label, a.label)
			}
			return strings.Compare(a.label, b.label)
		})
	}
	var heads []Head
	for _, c := range cols {
		h := Head{Text: c.text, Numeric: c.key != "metric", Key: c.key}
		next := "ascending"
		if c.key == sortKey {
			h.Sort = cmpOr(order, "ascending")
			if h.Sort == "ascending" {
				next = "descending"
			}
		}
		q := url.Values{}
		for k, vs := range base {
			q[k] = vs
		}
		q.Set("sort", c.key)
		q.Set("order", next)
		h.Href = "?" + q.Encode()
		heads = append(heads, h)
	}
	// One table per family of metrics (the kind they come from), each under its heading, so that a
	// kind with many metrics (the workforce profile's representation by level) stands apart.
	var tables []*Table
	for _, g := range groups {
		heading := sourceHeading(g)
		t := &Table{ID: fmt.Sprintf("standard-%d-%s-%s", std, period, g), Heading: heading, Head: heads,
			Caption: fmt.Sprintf("Standard %d in %s, %s: %s", std, period, heading, f.name())}
		for _, r := range rows {
			if r.group == g {
				t.Rows = append(t.Rows, r.cells)
			}
		}
		tables = append(tables, t)
	}
	computed := ""
	if sb.ComputedAt != nil {
		computed = when(*sb.ComputedAt)
	}
	v.show(w, "summary", page{Title: fmt.Sprintf("Standard %d: %s", std, f.name()), Section: fmt.Sprintf("standard-%d", std),
		Period: period, Computed: computed, Tables: tables,
		Data: summaryData{Std: std, Title: standardTitles[std], Name: f.name(), Periods: periods, Period: period, Focus: f, Choices: v.choices(f)}})
}

func rankCell(mb metricBenchmark) Cell {
	if p := mb.Position; p != nil && p.Rank > 0 {
		return Cell{Text: fmt.Sprintf("%s of %d", ordinal(p.Rank), p.RankOf), Raw: strconv.Itoa(p.Rank), Numeric: true}
	}
	return Cell{Text: "not ranked", Missing: true, Numeric: true}
}

type summaryData struct {
	Std         int
	Title, Name string
	Periods     []string
	Period      string
	Focus       focus
	Choices     *choices
}

// placementRow is a stored placement as the API lists it.
type placementRow struct {
	HostOrg        string `json:"host_org"`
	AcademicYear   string `json:"academic_year"`
	Stage          string `json:"stage"`
	StatutoryTasks bool   `json:"statutory_tasks"`
	PlannedDays    int    `json:"planned_days"`
	CompletedDays  *int   `json:"completed_days"`
	Outcome        string `json:"outcome"`
}

type capacityRow struct {
	AcademicYear string `json:"academic_year"`
	Stage        string `json:"stage"`
	Requested    *int   `json:"requested"`
	Offered      *int   `json:"offered"`
	Confirmed    *int   `json:"confirmed"`
}

type educatorRow struct {
	Period            string `json:"period"`
	Stage1            *int   `json:"stage1"`
	Stage2            *int   `json:"stage2"`
	Active            *int   `json:"active"`
	StudentsSupported *int   `json:"students_supported"`
}

// partnerships is page 4: Standard 8 for the focus, its placement capacity by stage, its
// practice educators, and for a university its placements by host organisation.
func (v *visit) partnerships(w http.ResponseWriter) {
	f, err := v.focusOf()
	if err != nil {
		v.refuse(w, err)
		return
	}
	figures, err := v.latestFigures(f, 8)
	if err != nil {
		v.refuse(w, err)
		return
	}
	p := page{Title: "Partnerships with universities: " + f.name(), Section: "partnerships"}
	bench := &Table{ID: "standard-8", Caption: "Standard 8 benchmarks", Head: []Head{{Text: "Metric"}, {Text: "Period"},
		{Text: f.name(), Numeric: true}, {Text: "Region", Numeric: true}, {Text: "England", Numeric: true}}}
	periods := map[string]bool{}
	for _, l := range figures {
		row := []Cell{{Text: l.Metric.Label, Header: true, Href: "/indicators/" + l.Metric.ID + "?" + f.query().Encode()}}
		if l.Last == nil {
			row = append(row, Cell{Text: "no figures", Missing: true}, Cell{Text: "no figures", Missing: true, Numeric: true}, Cell{}, Cell{})
		} else {
			periods[l.Last.Period] = true
			regionValue, regionWithheld := l.Last.RegionValue, l.Last.RegionWithheld
			if f.Org == "" {
				regionValue, regionWithheld = l.Last.Value, l.Last.Withheld
			}
			row = append(row, Cell{Text: l.Last.Period}, valueCell(l.Last.Value, l.Metric.Unit, l.Last.Reason, l.Last.Withheld),
				valueCell(regionValue, l.Metric.Unit, "", regionWithheld), valueCell(l.Last.EnglandValue, l.Metric.Unit, "", l.Last.EnglandWithheld))
		}
		bench.Rows = append(bench.Rows, row)
	}
	p.Tables = append(p.Tables, bench)
	p.Period, p.Computed = periodList(periods), lastComputed(figures)
	// Stored rows are the organisation's own (a steward's: anyone's); the API refuses the rest.
	if f.Org != "" && (f.Org == v.person.Org || v.person.Steward()) {
		var capacity struct {
			Capacity []capacityRow `json:"capacity"`
		}
		if err := v.get("/v1/placement-capacity", query("org", f.Org, "limit", maxPageRows), &capacity); err == nil {
			t := &Table{ID: "capacity", Caption: "Placement capacity by stage", Head: []Head{{Text: "Academic year"}, {Text: "Stage"},
				{Text: "Requested", Numeric: true}, {Text: "Offered", Numeric: true}, {Text: "Confirmed", Numeric: true}, {Text: "Confirmed of offered", Numeric: true}}}
			slices.SortFunc(capacity.Capacity, func(a, b capacityRow) int {
				return cmp.Or(strings.Compare(a.AcademicYear, b.AcademicYear), cmp.Compare(stageOrder(a.Stage), stageOrder(b.Stage)))
			})
			for _, c := range capacity.Capacity {
				t.Rows = append(t.Rows, []Cell{{Text: c.AcademicYear, Header: true}, {Text: stageWords(c.Stage)}, countCell(c.Requested), countCell(c.Offered),
					countCell(c.Confirmed), ratioCell(c.Confirmed, c.Offered)})
			}
			p.Tables = append(p.Tables, t)
		} else {
			v.refuse(w, err)
			return
		}
		var educators struct {
			Educators []educatorRow `json:"educators"`
		}
		if err := v.get("/v1/practice-educators", query("org", f.Org, "limit", maxPageRows), &educators); err == nil && len(educators.Educators) > 0 {
			t := &Table{ID: "practice-educators", Caption: "Practice educators", Head: []Head{{Text: "Period"}, {Text: "Stage 1", Numeric: true},
				{Text: "Stage 2", Numeric: true}, {Text: "Active this year", Numeric: true}, {Text: "Students supported", Numeric: true}}}
			for _, e := range educators.Educators {
				t.Rows = append(t.Rows, []Cell{{Text: e.Period, Header: true}, countCell(e.Stage1), countCell(e.Stage2), countCell(e.Active), countCell(e.StudentsSupported)})
			}
			p.Tables = append(p.Tables, t)
		}
		var placements struct {
			Placements []placementRow `json:"placements"`
		}
		if err := v.get("/v1/placements", query("org", f.Org, "limit", maxPageRows), &placements); err == nil && len(placements.Placements) > 0 {
			p.Tables = append(p.Tables, byHost(placements.Placements))
		}
	}
	v.show(w, "partnerships", p.withData(partnershipData{Name: f.name(), Focus: f, Choices: v.choices(f)}))
}

type partnershipData struct {
	Name    string
	Focus   focus
	Choices *choices
}

func (p page) withData(d any) page {
	p.Data = d
	return p
}

// byHost sums a university's placements by host organisation.
func byHost(ps []placementRow) *Table {
	type sums struct {
		n, ongoing, passed, failed, withdrawn, finals, statutory, planned, completed int
	}
	hosts := map[string]*sums{}
	for _, p := range ps {
		s := hosts[p.HostOrg]
		if s == nil {
			s = &sums{}
			hosts[p.HostOrg] = s
		}
		s.n++
		switch p.Outcome {
		case "ongoing", "planned":
			s.ongoing++
		case "passed":
			s.passed++
		case "failed":
			s.failed++
		case "withdrawn":
			s.withdrawn++
		}
		if p.Stage == "final" {
			s.finals++
			if p.StatutoryTasks {
				s.statutory++
			}
		}
		if p.CompletedDays != nil && (p.Outcome == "passed" || p.Outcome == "failed" || p.Outcome == "withdrawn") {
			s.planned += p.PlannedDays
			s.completed += *p.CompletedDays
		}
	}
	codes := make([]string, 0, len(hosts))
	for c := range hosts {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int { return strings.Compare(orgName(a), orgName(b)) })
	t := &Table{ID: "placements-by-host", Caption: "Your placements by host organisation", Head: []Head{{Text: "Host organisation"},
		{Text: "Placements", Numeric: true}, {Text: "Planned or ongoing", Numeric: true}, {Text: "Passed", Numeric: true}, {Text: "Failed", Numeric: true},
		{Text: "Withdrawn", Numeric: true}, {Text: "Final placements with statutory tasks", Numeric: true}, {Text: "Days completed of planned (ended)", Numeric: true}}}
	for _, c := range codes {
		s := hosts[c]
		t.Rows = append(t.Rows, []Cell{{Text: orgName(c), Header: true}, intCell(s.n), intCell(s.ongoing), intCell(s.passed), intCell(s.failed),
			intCell(s.withdrawn), {Text: fmt.Sprintf("%d of %d", s.statutory, s.finals), Raw: strconv.Itoa(s.statutory), Numeric: true},
			ratioCell(&s.completed, &s.planned)})
	}
	return t
}

func stageOrder(s string) int { return slices.Index([]string{"skills_days", "first", "final"}, s) }

func stageWords(s string) string {
	return map[string]string{"skills_days": "Skills days (30 days)", "first": "First placement (70 days)", "final": "Final placement (100 days)"}[s]
}

func intCell(n int) Cell { return Cell{Text: strconv.Itoa(n), Numeric: true} }

func countCell(n *int) Cell {
	if n == nil {
		return Cell{Text: "not reported", Missing: true, Numeric: true}
	}
	return intCell(*n)
}

func ratioCell(num, den *int) Cell {
	if num == nil || den == nil || *den == 0 {
		return Cell{Text: "cannot be worked out", Missing: true, Numeric: true}
	}
	r := 100 * float64(*num) / float64(*den)
	return Cell{Text: formatValue(r, "%"), Raw: rawValue(&r), Numeric: true}
}
