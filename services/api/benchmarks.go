package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Benchmarks are read from the benchmark tables that services/benchmark keeps; nothing here
// aggregates raw rows. Aggregates (a region, England) are for every caller; an organisation's
// figures appear by name only to callers whose scope names it (alliance.ScopeOf): the others
// still count in the aggregates.

// AreaRef names a region, a London sub-region or England.
type AreaRef struct {
	Code  string `json:"code" example:"E12000001"`
	Name  string `json:"name" example:"North East"`
	Level string `json:"level" enum:"england,region,subregion" doc:"Where it sits in the geography"`
}

// OrgFigure is one organisation's value for a metric.
type OrgFigure struct {
	Code   string   `json:"code" example:"E06000001"`
	Name   string   `json:"name" example:"Hartlepool"`
	Value  *float64 `json:"value" doc:"Its own value; null when an input is unknown"`
	Reason string   `json:"reason,omitempty" doc:"Why the value is unknown"`
	Rank   int      `json:"rank,omitempty" doc:"Rank among the area's contributors, 1 being the best given the metric's direction (ties share a rank)"`
	RankOf int      `json:"rank_of,omitempty" doc:"Number of contributors ranked"`
	// The median of its DfE statistical neighbours' values.
	StatNeighbourMedian *float64 `json:"stat_neighbour_median" doc:"Median of its statistical neighbours' values"`
	StatNeighbours      int      `json:"stat_neighbours_known" doc:"How many neighbours' values the median is of"`
}

// Neighbour is one of an organisation's statistical neighbours.
type Neighbour struct {
	OldCode string   `json:"old_la_code" doc:"DfE 3-digit LA code" example:"806"`
	Code    string   `json:"code,omitempty" doc:"The organisation reporting for it"`
	Name    string   `json:"name,omitempty"`
	Value   *float64 `json:"value,omitempty" doc:"Its value, only when you may see it by name"`
}

// Position is the organisation asked for with org=: its figure and its neighbour group.
type Position struct {
	OrgFigure
	Neighbours []Neighbour `json:"neighbours" doc:"Its DfE statistical neighbours (2021), closest first"`
}

// MetricBenchmark is one metric's benchmark for an area and period.
type MetricBenchmark struct {
	Metric       benchmark.Metric `json:"metric"`
	RegionValue  *float64         `json:"region_value" doc:"Ratio of the contributors' summed counts"`
	EnglandValue *float64         `json:"england_value" doc:"The same for England"`
	Median       *float64         `json:"median" doc:"Median of the contributors' own values (quantile type 7)"`
	P25          *float64         `json:"p25" doc:"Lower quartile of the contributors' own values"`
	P75          *float64         `json:"p75" doc:"Upper quartile of the contributors' own values"`
	Contributors int              `json:"contributors" doc:"Organisations whose inputs are known"`
	Excluded     int              `json:"excluded" doc:"Organisations with a return left out: an input unknown, or a zero denominator"`
	Orgs         []OrgFigure      `json:"orgs" doc:"The area's organisations you may see by name"`
	Position     *Position        `json:"position,omitempty" doc:"The organisation asked for with org="`
}

// Standard2Benchmarks is every Standard 2 metric for an area and period.
type Standard2Benchmarks struct {
	Region  AreaRef           `json:"region"`
	Period  string            `json:"period" example:"2024"`
	Metrics []MetricBenchmark `json:"metrics"`
}

// TrendPoint is one period of a series.
type TrendPoint struct {
	Period              string   `json:"period" example:"2024"`
	Value               *float64 `json:"value" doc:"The organisation's or area's value"`
	Reason              string   `json:"reason,omitempty" doc:"Why the organisation's value is unknown"`
	StatNeighbourMedian *float64 `json:"stat_neighbour_median,omitempty" doc:"For an organisation: its statistical neighbours' median"`
	RegionValue         *float64 `json:"region_value,omitempty" doc:"For an organisation: its region's value"`
	Median              *float64 `json:"median,omitempty" doc:"For an area: its contributors' median"`
	P25                 *float64 `json:"p25,omitempty"`
	P75                 *float64 `json:"p75,omitempty"`
	Contributors        int      `json:"contributors,omitempty"`
	Excluded            int      `json:"excluded,omitempty"`
	EnglandValue        *float64 `json:"england_value" doc:"England's value"`
}

// Trend is one metric over every period, for an organisation or an area.
type Trend struct {
	Metric benchmark.Metric `json:"metric"`
	Org    string           `json:"org,omitempty"`
	Name   string           `json:"name"`
	Region AreaRef          `json:"region" doc:"The area, or the organisation's own region"`
	Points []TrendPoint     `json:"points"`
}

type metricsOutput struct {
	Body struct {
		Metrics []benchmark.Metric `json:"metrics"`
	}
}

type standard2Input struct {
	Region string `query:"region" required:"true" maxLength:"9" doc:"Region (E12…), London sub-region (E13…) or England (E92000001)" example:"E12000001"`
	Period string `query:"period" required:"true" maxLength:"7" doc:"Reporting year YYYY or quarter YYYY-Qn" example:"2024"`
	Org    string `query:"org" maxLength:"40" doc:"Add this organisation's position and statistical-neighbour group"`
	Accept string `header:"Accept" doc:"application/json (default) or text/csv"`
}

type trendInput struct {
	Metric string `path:"metric" maxLength:"40" doc:"Metric id (GET /v1/metrics)" example:"vacancy_rate"`
	Org    string `query:"org" maxLength:"40" doc:"An organisation (or give region=)"`
	Region string `query:"region" maxLength:"9" doc:"An area (or give org=)"`
	Accept string `header:"Accept" doc:"application/json (default) or text/csv"`
}

// tableOutput is JSON or, when asked for with Accept: text/csv, a tidy CSV table.
type tableOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

const csvDoc = " With `Accept: text/csv` the answer is a tidy table, one row per organisation × metric × period (rows with an empty org_code are the area itself), that opens in a spreadsheet."

func registerBenchmarks(api huma.API, d *Deps) {
	store, storeErr := benchmark.NewStore(d.CH)
	reg := api.OpenAPI().Components.Schemas
	table := func(v any) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: "OK", Content: map[string]*huma.MediaType{
			"application/json": {Schema: reg.Schema(reflect.TypeOf(v), true, "")},
			"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString, Description: "CSV with a header row"}},
		}}}
	}

	huma.Register(api, huma.Operation{
		OperationID: "list-metrics",
		Method:      http.MethodGet,
		Path:        "/v1/metrics",
		Summary:     "List the benchmark metrics",
		Description: "The catalogue: each metric's id, label, unit, direction, formula, source data kind and the standard it serves.",
		Tags:        []string{"Benchmarks"},
		Security:    secured,
	}, func(ctx context.Context, _ *struct{}) (*metricsOutput, error) {
		out := &metricsOutput{}
		out.Body.Metrics = benchmark.Catalogue()
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-standard-2-benchmarks",
		Method:      http.MethodGet,
		Path:        "/v1/benchmarks/standard-2",
		Summary:     "Standard 2 benchmarks for an area and period",
		Description: "Every Standard 2 workforce metric for a region, a London sub-region or England: the area's value (a ratio of summed counts), England's, the median and quartiles of the organisations' own values, the number of contributors and of organisations left out. " +
			"`orgs` lists only the organisations you may see by name (stewards: all; analysts: their alliances' members; an organisation: itself); the others still count in the aggregates. " +
			"`org=` adds that organisation's position and statistical-neighbour group (403 when you may not see it by name)." + csvDoc,
		Tags:      []string{"Benchmarks"},
		Security:  secured,
		Responses: table(Standard2Benchmarks{}),
	}, func(ctx context.Context, in *standard2Input) (*tableOutput, error) {
		if storeErr != nil {
			return nil, errInternal(d.Log, "benchmarks unavailable", storeErr)
		}
		scope, err := callerScope(ctx, d)
		if err != nil {
			return nil, err
		}
		org := workforce.NormaliseOrg(in.Org)
		if org != "" {
			trail.Annotate(ctx, org, "")
			if !scope.Named(org) {
				return nil, forbid(ctx, "you may not see this organisation's figures by name")
			}
		}
		res, err := standard2(ctx, d, store, scope, in.Region, in.Period, org)
		if err != nil {
			return nil, err
		}
		if wantsCSV(in.Accept) {
			return csvOutput(fmt.Sprintf("standard-2-%s-%s.csv", in.Region, in.Period), standard2Rows(res))
		}
		return jsonOutput(res)
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-benchmark-trend",
		Method:      http.MethodGet,
		Path:        "/v1/benchmarks/{metric}/trend",
		Summary:     "A metric over time",
		Description: "One metric over every period, for an organisation (`org=`, which you must be allowed to see by name) with its region's and England's values, or for an area (`region=`) with its median and quartiles." + csvDoc,
		Tags:        []string{"Benchmarks"},
		Security:    secured,
		Responses:   table(Trend{}),
	}, func(ctx context.Context, in *trendInput) (*tableOutput, error) {
		if storeErr != nil {
			return nil, errInternal(d.Log, "benchmarks unavailable", storeErr)
		}
		m, ok := benchmark.Lookup(in.Metric)
		if !ok {
			return nil, huma.Error404NotFound("no such metric: see GET /v1/metrics")
		}
		org := workforce.NormaliseOrg(in.Org)
		if (org == "") == (in.Region == "") {
			return nil, huma.Error422UnprocessableEntity("give either org= or region=")
		}
		var res Trend
		if org != "" {
			trail.Annotate(ctx, org, "")
			scope, err := callerScope(ctx, d)
			if err != nil {
				return nil, err
			}
			if !scope.Named(org) {
				return nil, forbid(ctx, "you may not see this organisation's figures by name")
			}
			res, err = orgTrend(ctx, d, store, m, org)
			if err != nil {
				return nil, err
			}
		} else {
			var err error
			if res, err = areaTrend(ctx, d, store, m, in.Region); err != nil {
				return nil, err
			}
		}
		if wantsCSV(in.Accept) {
			return csvOutput(fmt.Sprintf("%s-trend-%s.csv", m.ID, cmp.Or(org, in.Region)), trendRows(res))
		}
		return jsonOutput(res)
	})
}

// callerScope works out which organisations the caller may see by name.
func callerScope(ctx context.Context, d *Deps) (alliance.Scope, error) {
	p, err := principal(ctx)
	if err != nil {
		return alliance.Scope{}, err
	}
	var all []alliance.Alliance
	// Only an analyst's scope depends on the alliances (a steward's is everything): spare the
	// others a read on every request.
	if p.HasRole(auth.RoleAnalyst) && !p.HasRole(auth.RoleSteward) {
		if all, err = d.Alliances.List(ctx); err != nil {
			return alliance.Scope{}, errInternal(d.Log, "could not read alliances", err)
		}
	}
	return alliance.ScopeOf(p, all), nil
}

func areaRef(a benchmark.Area) AreaRef { return AreaRef{Code: a.Region, Name: a.Name, Level: a.Level} }

func standard2(ctx context.Context, d *Deps, store *benchmark.Store, scope alliance.Scope, region, period, org string) (Standard2Benchmarks, error) {
	res := Standard2Benchmarks{Period: period, Metrics: []MetricBenchmark{}}
	areas, err := store.Areas(ctx, period, []string{region, reference.England})
	if err != nil {
		return res, errInternal(d.Log, "could not read benchmarks", err)
	}
	members, err := store.Members(ctx, period, region)
	if err != nil {
		return res, errInternal(d.Log, "could not read benchmarks", err)
	}
	own, england := map[string]benchmark.Area{}, map[string]benchmark.Area{}
	for _, a := range areas {
		if a.Region == region {
			own[a.Metric] = a
			res.Region = areaRef(a)
		}
		if a.Region == reference.England {
			england[a.Metric] = a
		}
	}
	if len(own) == 0 {
		return res, huma.Error404NotFound(fmt.Sprintf("no benchmarks for area %s in period %s", region, period))
	}
	byMetric := map[string][]benchmark.Value{}
	for _, v := range members {
		byMetric[v.Metric] = append(byMetric[v.Metric], v)
	}
	var pos map[string]*Position
	if org != "" {
		if pos, err = positions(ctx, d, store, scope, period, org); err != nil {
			return res, err
		}
	}
	for _, m := range benchmark.Standard2 {
		a, e := own[m.ID], england[m.ID]
		mb := MetricBenchmark{Metric: m, RegionValue: a.Value, EnglandValue: e.Value, Median: a.Median, P25: a.P25, P75: a.P75,
			Contributors: a.Contributors, Excluded: a.Excluded, Orgs: []OrgFigure{}}
		vs := byMetric[m.ID]
		slices.SortFunc(vs, func(x, y benchmark.Value) int { return cmp.Compare(x.Org, y.Org) })
		ranks := benchmark.Rank(valuesOf(vs), m.HigherIsBetter)
		for i, v := range vs {
			f := figure(v, ranks[i], a.Contributors)
			if scope.Named(v.Org) {
				mb.Orgs = append(mb.Orgs, f)
			}
			if p := pos[m.ID]; p != nil && v.Org == org {
				p.Rank, p.RankOf = f.Rank, f.RankOf
			}
		}
		mb.Position = pos[m.ID]
		res.Metrics = append(res.Metrics, mb)
	}
	return res, nil
}

func valuesOf(vs []benchmark.Value) []*float64 {
	out := make([]*float64, len(vs))
	for i, v := range vs {
		out[i] = v.Value
	}
	return out
}

func figure(v benchmark.Value, rank, of int) OrgFigure {
	f := OrgFigure{Code: v.Org, Name: v.Name, Value: v.Value, Reason: v.Reason, StatNeighbourMedian: v.SNMedian, StatNeighbours: v.SNCount}
	if rank > 0 {
		f.Rank, f.RankOf = rank, of
	}
	return f
}

// positions reads an organisation's values and its statistical neighbours' for every metric;
// a neighbour's value is shown only when the caller may see that neighbour by name.
func positions(ctx context.Context, d *Deps, store *benchmark.Store, scope alliance.Scope, period, org string) (map[string]*Position, error) {
	orgs, err := reference.ReadOrganisations(ctx, d.CH)
	if err != nil {
		return nil, errInternal(d.Log, "could not read organisations", err)
	}
	o, ok := orgs[org]
	if !ok {
		return nil, huma.Error404NotFound("no such organisation")
	}
	var neighbours []Neighbour
	codes := []string{org}
	for _, old := range benchmark.NeighbourCodes(o.OldCode, store.Neighbours()) {
		n := Neighbour{OldCode: old}
		for _, other := range orgs {
			exact := other.OldCode == old
			if exact || (n.Code == "" && slices.Contains(strings.Split(other.OldCode, "_"), old)) {
				n.Code, n.Name = other.Code, other.Name
				if exact {
					break
				}
			}
		}
		neighbours = append(neighbours, n)
		if n.Code != "" {
			codes = append(codes, n.Code)
		}
	}
	values, err := store.OrgValues(ctx, period, codes)
	if err != nil {
		return nil, errInternal(d.Log, "could not read benchmarks", err)
	}
	out := map[string]*Position{}
	for _, m := range benchmark.Standard2 {
		p := &Position{OrgFigure: OrgFigure{Code: org, Name: o.Name}, Neighbours: []Neighbour{}}
		for _, n := range neighbours {
			for _, v := range values {
				if v.Metric == m.ID && v.Org == n.Code && scope.Named(n.Code) {
					n.Value = v.Value
				}
			}
			p.Neighbours = append(p.Neighbours, n)
		}
		for _, v := range values {
			if v.Metric == m.ID && v.Org == org {
				p.OrgFigure = figure(v, 0, 0)
			}
		}
		out[m.ID] = p
	}
	return out, nil
}

func orgTrend(ctx context.Context, d *Deps, store *benchmark.Store, m benchmark.Metric, org string) (Trend, error) {
	res := Trend{Metric: m, Org: org, Name: org, Points: []TrendPoint{}}
	series, err := store.OrgSeries(ctx, m.ID, org)
	if err != nil {
		return res, errInternal(d.Log, "could not read benchmarks", err)
	}
	if len(series) == 0 {
		return res, huma.Error404NotFound("no benchmarks for this organisation")
	}
	last := series[len(series)-1]
	res.Name = last.Name
	region := last.Regions[0]
	areas, err := store.AreaSeries(ctx, m.ID, []string{region, reference.England})
	if err != nil {
		return res, errInternal(d.Log, "could not read benchmarks", err)
	}
	own, england := byPeriod(areas, region), byPeriod(areas, reference.England)
	for _, a := range own {
		res.Region = areaRef(a)
	}
	for _, v := range series {
		res.Points = append(res.Points, TrendPoint{Period: v.Period, Value: v.Value, Reason: v.Reason, StatNeighbourMedian: v.SNMedian,
			RegionValue: own[v.Period].Value, EnglandValue: england[v.Period].Value})
	}
	return res, nil
}

func areaTrend(ctx context.Context, d *Deps, store *benchmark.Store, m benchmark.Metric, region string) (Trend, error) {
	res := Trend{Metric: m, Points: []TrendPoint{}}
	areas, err := store.AreaSeries(ctx, m.ID, []string{region, reference.England})
	if err != nil {
		return res, errInternal(d.Log, "could not read benchmarks", err)
	}
	england := byPeriod(areas, reference.England)
	for _, a := range areas {
		if a.Region != region {
			continue
		}
		res.Region, res.Name = areaRef(a), a.Name
		res.Points = append(res.Points, TrendPoint{Period: a.Period, Value: a.Value, Median: a.Median, P25: a.P25, P75: a.P75,
			Contributors: a.Contributors, Excluded: a.Excluded, EnglandValue: england[a.Period].Value})
	}
	if len(res.Points) == 0 {
		return res, huma.Error404NotFound("no benchmarks for this area")
	}
	return res, nil
}

func byPeriod(areas []benchmark.Area, region string) map[string]benchmark.Area {
	out := map[string]benchmark.Area{}
	for _, a := range areas {
		if a.Region == region {
			out[a.Period] = a
		}
	}
	return out
}

// wantsCSV tells whether the Accept header prefers text/csv.
func wantsCSV(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" {
			return true
		}
	}
	return false
}

func jsonOutput(v any) (*tableOutput, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &tableOutput{ContentType: "application/json", Body: b}, nil
}

// csvHeader is the tidy table's columns: one row per organisation × metric × period; a row with
// an empty org_code is the area itself.
var csvHeader = []string{"period", "metric", "metric_label", "unit", "higher_is_better", "area_code", "area_name",
	"org_code", "org_name", "value", "reason", "rank", "rank_of", "stat_neighbour_median",
	"area_value", "area_median", "area_p25", "area_p75", "contributors", "excluded", "england_value"}

func csvOutput(name string, rows [][]string) (*tableOutput, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true // what spreadsheets expect
	if err := w.Write(csvHeader); err != nil {
		return nil, err
	}
	for _, r := range rows {
		for i := range r {
			r[i] = cellSafe(r[i])
		}
		if err := w.Write(r); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return &tableOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="` + name + `"`, Body: buf.Bytes()}, w.Error()
}

// cellSafe stops a spreadsheet reading a text cell as a formula.
func cellSafe(s string) string {
	if s != "" && strings.ContainsRune("=+@", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(p *float64) string {
	if p == nil || math.IsNaN(*p) {
		return ""
	}
	return strconv.FormatFloat(math.Round(*p*1e6)/1e6, 'f', -1, 64)
}

func count(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func standard2Rows(res Standard2Benchmarks) [][]string {
	var rows [][]string
	for _, mb := range res.Metrics {
		m := mb.Metric
		area := func(code, name string, value *float64, reason string, rank, of int, sn *float64) []string {
			return []string{res.Period, m.ID, m.Label, m.Unit, strconv.FormatBool(m.HigherIsBetter), res.Region.Code, res.Region.Name,
				code, name, num(value), reason, count(rank), count(of), num(sn),
				num(mb.RegionValue), num(mb.Median), num(mb.P25), num(mb.P75), strconv.Itoa(mb.Contributors), strconv.Itoa(mb.Excluded), num(mb.EnglandValue)}
		}
		rows = append(rows, area("", "", mb.RegionValue, "", 0, 0, nil))
		for _, o := range mb.Orgs {
			rows = append(rows, area(o.Code, o.Name, o.Value, o.Reason, o.Rank, o.RankOf, o.StatNeighbourMedian))
		}
		if p := mb.Position; p != nil && !slices.ContainsFunc(mb.Orgs, func(o OrgFigure) bool { return o.Code == p.Code }) {
			rows = append(rows, area(p.Code, p.Name, p.Value, p.Reason, p.Rank, p.RankOf, p.StatNeighbourMedian))
		}
	}
	return rows
}

func trendRows(res Trend) [][]string {
	m := res.Metric
	rows := make([][]string, 0, len(res.Points))
	for _, p := range res.Points {
		areaValue := p.Value
		if res.Org != "" {
			areaValue = p.RegionValue
		}
		rows = append(rows, []string{p.Period, m.ID, m.Label, m.Unit, strconv.FormatBool(m.HigherIsBetter), res.Region.Code, res.Region.Name,
			res.Org, orgName(res), num(p.Value), p.Reason, "", "", num(p.StatNeighbourMedian),
			num(areaValue), num(p.Median), num(p.P25), num(p.P75), count(p.Contributors), count(p.Excluded), num(p.EnglandValue)})
	}
	return rows
}

func orgName(res Trend) string {
	if res.Org == "" {
		return ""
	}
	return res.Name
}
