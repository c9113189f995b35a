package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/disclosure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/sheet"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Benchmarks are read from the benchmark tables that services/benchmark keeps; nothing here
// aggregates raw rows. Aggregates (a region, England) are for every caller; an organisation's
// figures appear by name only to callers whose scope names it (authz.Reader): the others
// still count in the aggregates.

// AreaRef names a region, a London sub-region or England.
type AreaRef struct {
	Code  string `json:"code" example:"E12000001"`
	Name  string `json:"name" example:"North East"`
	Level string `json:"level" enum:"england,region,subregion" doc:"Where it sits in the geography"`
}

// OrgFigure is one organisation's value for a metric.
type OrgFigure struct {
	Code        string   `json:"code" example:"E06000001"`
	Name        string   `json:"name" example:"Hartlepool"`
	Value       *float64 `json:"value" doc:"Its own value; null when an input is unknown, when only areas have a value, or when withheld"`
	Reason      string   `json:"reason,omitempty" doc:"Why the value is null"`
	Withheld    string   `json:"withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled value is withheld: fewer than 10 respondents, or it would let a withheld figure be worked out"`
	Respondents int      `json:"respondents,omitempty" doc:"Survey respondents behind a disclosure-controlled value, when it is published"`
	Rank        int      `json:"rank,omitempty" doc:"Rank among the area's organisations with a known value, 1 being the best given the metric's direction (ties share a rank)"`
	RankOf      int      `json:"rank_of,omitempty" doc:"Number of organisations ranked: those with a known value"`
	// The median of its DfE statistical neighbours' values.
	StatNeighbourMedian *float64 `json:"stat_neighbour_median" doc:"Median of its statistical neighbours' values"`
	StatNeighbours      int      `json:"stat_neighbours_known" doc:"How many neighbours' values the median is of"`
}

// Neighbour is one of an organisation's statistical neighbours.
type Neighbour struct {
	OldCode string   `json:"old_la_code" doc:"DfE 3-digit LA code" example:"806"`
	Code    string   `json:"code,omitempty" doc:"The organisation reporting for it"`
	Name    string   `json:"name,omitempty"`
	Value   *float64 `json:"value,omitempty" doc:"Its value, only when you may see it by name and it is not withheld"`
}

// Position is the organisation asked for with org=: its figure and its neighbour group.
type Position struct {
	OrgFigure
	Neighbours []Neighbour `json:"neighbours" doc:"Its DfE statistical neighbours (2021), closest first"`
}

// MetricBenchmark is one metric's benchmark for an area and period.
type MetricBenchmark struct {
	Metric          benchmark.Metric `json:"metric"`
	RegionValue     *float64         `json:"region_value" doc:"Ratio of the contributors' summed counts; null without contributors or when withheld"`
	RegionWithheld  string           `json:"region_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled region_value is withheld"`
	Respondents     int              `json:"respondents,omitempty" doc:"Survey respondents behind a disclosure-controlled region_value, when it is published"`
	EnglandValue    *float64         `json:"england_value" doc:"The same for England"`
	EnglandWithheld string           `json:"england_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled england_value is withheld"`
	Median          *float64         `json:"median" doc:"Median of the contributors' own values (quantile type 7); for a disclosure-controlled metric, of the published values, and only when you may see every contributor by name"`
	P25             *float64         `json:"p25" doc:"Lower quartile of the contributors' own values"`
	P75             *float64         `json:"p75" doc:"Upper quartile of the contributors' own values"`
	Contributors    int              `json:"contributors" doc:"Organisations adding to the area's sums (their inputs known)"`
	Excluded        int              `json:"excluded" doc:"Organisations with data for the metric left out: an input unknown, or a zero denominator"`
	Orgs            []OrgFigure      `json:"orgs" doc:"The area's organisations you may see by name"`
	Position        *Position        `json:"position,omitempty" doc:"The organisation asked for with org="`
}

// StandardBenchmarks is every metric of one standard for an area and period.
type StandardBenchmarks struct {
	Standard int               `json:"standard" doc:"The employer standard" example:"2"`
	Region   AreaRef           `json:"region"`
	Period   string            `json:"period" example:"2024"`
	Metrics  []MetricBenchmark `json:"metrics" doc:"Every metric of the standard, in catalogue order; one without data for the period has null values"`
}

// TrendPoint is one period of a series.
type TrendPoint struct {
	Period              string   `json:"period" example:"2024"`
	Value               *float64 `json:"value" doc:"The organisation's or area's value"`
	Reason              string   `json:"reason,omitempty" doc:"Why the organisation's value is null"`
	Withheld            string   `json:"withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why a disclosure-controlled value is withheld"`
	StatNeighbourMedian *float64 `json:"stat_neighbour_median,omitempty" doc:"For an organisation: its statistical neighbours' median"`
	RegionValue         *float64 `json:"region_value,omitempty" doc:"For an organisation: its region's value"`
	RegionWithheld      string   `json:"region_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"For an organisation: why its region's disclosure-controlled value is withheld"`
	Median              *float64 `json:"median,omitempty" doc:"For an area: its contributors' median"`
	P25                 *float64 `json:"p25,omitempty"`
	P75                 *float64 `json:"p75,omitempty"`
	Contributors        int      `json:"contributors,omitempty"`
	Excluded            int      `json:"excluded,omitempty"`
	EnglandValue        *float64 `json:"england_value" doc:"England's value"`
	EnglandWithheld     string   `json:"england_withheld,omitempty" enum:"fewer_than_threshold,secondary" doc:"Why England's disclosure-controlled value is withheld"`
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

type standardInput struct {
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

const (
	csvDoc = " With `Accept: text/csv` the answer is a tidy table, one row per organisation × metric × period (rows with an empty org_code are the area itself; `withheld` says why a survey figure is withheld), that opens in a spreadsheet."

	standard2Doc = "Every Standard 2 (effective workforce planning) metric for a region, a London sub-region or England: the workforce metrics from the workforce returns, then the health-check agreement with the standard's questions and the audit RAG mix of its items."
	standard8Doc = "Every Standard 8 (partnerships with universities) metric for a region, a London sub-region or England: placements, placement capacity and practice educators, then the health-check agreement with the standard's questions and the audit RAG mix of its items. " +
		"A placement counts towards the organisation that hosts it, not the university that reports it, so that each is counted once in an area's sums. " +
		"Placements and placement capacity are reported by academic year: academic year YYYY/YY belongs to the period of the year it ends in (2024/25 → period 2025). " +
		"`placement_fill_rate` is an area-only figure (`area_only`): universities report the places they request and employers the places they confirm, so each organisation adds what it reports to the area's sums and is listed with a null value and the reason, unranked. " +
		"Practice educators per 100 FTE divides by the in-post FTE of the same period's workforce return."
	standardDoc = " Each metric gives the area's value (a ratio of summed counts, never a mean of rates), England's, the median and quartiles of the organisations' own values, and the number of contributors and of organisations left out. " +
		"A metric without data for the period is listed with null values; the answer is 404 only when the area has no benchmarks at all for the period. " +
		"`orgs` lists only the organisations you may see by name (stewards: all; analysts: their alliances' members; an organisation: itself); the others still count in the aggregates. " +
		"Ranks are among the area's organisations with a known value, `rank_of` of them. " +
		"Survey-derived metrics (`disclosure_control`) are disclosure controlled for what you may see: a figure from fewer than 10 respondents is withheld, and so is any figure (an organisation's, the area's or England's) that would let a withheld one, or the figure of an organisation you may not see by name, be worked out from the figures you are given and your own organisation's; `withheld`, `region_withheld` and `england_withheld` say why, `respondents` comes with a published figure, and the median and quartiles come only when you may see every contributor by name. " +
		"`org=` adds that organisation's position and statistical-neighbour group (403 when you may not see it by name)."
)

func registerBenchmarks(api huma.API, d *Deps) {
	store, storeErr := d.Benchmarks, error(nil)
	if store == nil {
		var uncached *benchmark.Store
		uncached, storeErr = benchmark.NewStore(d.CH)
		store = benchmark.NewCache(uncached, 0)
	}
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
		Description: "The catalogue: each metric's id, label, unit, direction, formula, source data kind, the standard it serves, and whether only areas have a value or it is disclosure controlled.",
		Tags:        []string{"Benchmarks"},
		Security:    secured,
	}, func(ctx context.Context, _ *struct{}) (*metricsOutput, error) {
		if _, err := callerReader(ctx, d); err != nil {
			return nil, err
		}
		out := &metricsOutput{}
		out.Body.Metrics = benchmark.Catalogue()
		return out, nil
	})

	for _, s := range []struct {
		std         int
		description string
	}{{2, standard2Doc}, {8, standard8Doc}} {
		metrics := benchmark.OfStandard(s.std)
		huma.Register(api, huma.Operation{
			OperationID: fmt.Sprintf("get-standard-%d-benchmarks", s.std),
			Method:      http.MethodGet,
			Path:        fmt.Sprintf("/v1/benchmarks/standard-%d", s.std),
			Summary:     fmt.Sprintf("Standard %d benchmarks for an area and period", s.std),
			Description: s.description + standardDoc + csvDoc,
			Tags:        []string{"Benchmarks"},
			Security:    secured,
			Responses:   table(StandardBenchmarks{}),
		}, func(ctx context.Context, in *standardInput) (*tableOutput, error) {
			if storeErr != nil {
				return nil, errInternal(d.Log, "benchmarks unavailable", storeErr)
			}
			rd, err := callerReader(ctx, d)
			if err != nil {
				return nil, err
			}
			org := workforce.NormaliseOrg(in.Org)
			if org != "" {
				if err := readNamed(ctx, rd, org); err != nil {
					return nil, err
				}
			}
			format, err := negotiate(in.Accept, mediaJSON, mediaCSV)
			if err != nil {
				return nil, err
			}
			asCSV := format == mediaCSV
			// The answer depends on the period's benchmarks and on what the reader may see: it
			// is made once per reader's view until the period is recomputed.
			key := fmt.Sprint(s.std, "|", in.Region, "|", org, "|", asCSV, rd.Key())
			body, err := store.Rendered(ctx, in.Period, key, func() ([]byte, error) {
				res, err := standardBenchmarks(ctx, d, store, rd, s.std, metrics, in.Region, in.Period, org)
				if err != nil {
					return nil, err
				}
				if asCSV {
					out, err := csvOutput("", standardRows(res))
					if err != nil {
						return nil, err
					}
					return out.Body, nil
				}
				return json.Marshal(res)
			})
			if err != nil {
				return nil, err
			}
			if asCSV {
				return csvFile(fmt.Sprintf("standard-%d-%s-%s.csv", s.std, in.Region, in.Period), body), nil
			}
			return &tableOutput{ContentType: "application/json", Body: body}, nil
		})
	}

	huma.Register(api, huma.Operation{
		OperationID: "get-benchmark-trend",
		Method:      http.MethodGet,
		Path:        "/v1/benchmarks/{metric}/trend",
		Summary:     "A metric over time",
		Description: "One metric over every period, for an organisation (`org=`, which you must be allowed to see by name) with its region's and England's values, or for an area (`region=`) with its median and quartiles. " +
			"A survey-derived metric's figures are disclosure controlled in each period as for the standard's benchmarks: a withheld figure is null, with `withheld`, `region_withheld` or `england_withheld` saying why." + csvDoc,
		Tags:      []string{"Benchmarks"},
		Security:  secured,
		Responses: table(Trend{}),
	}, func(ctx context.Context, in *trendInput) (*tableOutput, error) {
		if storeErr != nil {
			return nil, errInternal(d.Log, "benchmarks unavailable", storeErr)
		}
		rd, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		m, ok := benchmark.Lookup(in.Metric)
		if !ok {
			return nil, huma.Error404NotFound("no such metric: see GET /v1/metrics")
		}
		org := workforce.NormaliseOrg(in.Org)
		if (org == "") == (in.Region == "") {
			return nil, huma.Error422UnprocessableEntity("give either org= or region=")
		}
		format, err := negotiate(in.Accept, mediaJSON, mediaCSV)
		if err != nil {
			return nil, err
		}
		var res Trend
		if org != "" {
			if err := readNamed(ctx, rd, org); err != nil {
				return nil, err
			}
			res, err = orgTrend(ctx, d, store, rd, m, org)
		} else {
			res, err = areaTrend(ctx, d, store, rd, m, in.Region)
		}
		if err != nil {
			return nil, err
		}
		if format == mediaCSV {
			return csvOutput(fmt.Sprintf("%s-trend-%s.csv", m.ID, cmp.Or(org, in.Region)), trendRows(res))
		}
		return jsonOutput(res)
	})
}

func areaRef(a benchmark.Area) AreaRef { return AreaRef{Code: a.Region, Name: a.Name, Level: a.Level} }

// standardBenchmarks reads the metrics of a standard for an area and period, as rd may see them.
func standardBenchmarks(ctx context.Context, d *Deps, store *benchmark.Cache, rd authz.Reader, std int, metrics []benchmark.Metric,
	region, period, org string) (StandardBenchmarks, error) {
	res := StandardBenchmarks{Standard: std, Period: period, Metrics: []MetricBenchmark{}}
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
	// Any metric's row will do: the area has benchmarks for the period, if not this standard's.
	if len(own) == 0 {
		return res, huma.Error404NotFound(fmt.Sprintf("no benchmarks for area %s in period %s", region, period))
	}
	var everyOrg []benchmark.Value
	if region == reference.England {
		everyOrg = members
	}
	views, err := readerViews(ctx, d, store, rd, metrics, period, everyOrg)
	if err != nil {
		return res, err
	}
	byMetric := map[string][]benchmark.Value{}
	for _, v := range members {
		byMetric[v.Metric] = append(byMetric[v.Metric], v)
	}
	var pos map[string]*Position
	if org != "" {
		if pos, err = positions(ctx, d, store, rd, metrics, views, period, org); err != nil {
			return res, err
		}
	}
	for _, m := range metrics {
		res.Metrics = append(res.Metrics, metricBenchmark(m, own[m.ID], england[m.ID], byMetric[m.ID], rd, views[m.ID], pos[m.ID]))
	}
	return res, nil
}

// metricBenchmark is one metric of an area as rd may see it: the area's and England's figures,
// and its organisations' values with their ranks. Ranks are among the organisations with a
// known value (withheld and area-only values are unknown), so rank_of may be fewer than the
// contributors.
func metricBenchmark(m benchmark.Metric, a, e benchmark.Area, vs []benchmark.Value, rd authz.Reader, dv *disclosed, p *Position) MetricBenchmark {
	mb := MetricBenchmark{Metric: m, Contributors: a.Contributors, Excluded: a.Excluded, Orgs: []OrgFigure{}, Position: p}
	mb.RegionValue, mb.RegionWithheld, mb.Respondents = publishArea(m, a, dv)
	mb.EnglandValue, mb.EnglandWithheld, _ = publishArea(m, e, dv)
	// A quantile of a few published values can give away a withheld one, or be one: only a
	// reader who may see every contributor by name gets them.
	if !m.Disclosure || dv.allNamed(a.Region) {
		mb.Median, mb.P25, mb.P75 = a.Median, a.P25, a.P75
	}
	slices.SortFunc(vs, func(x, y benchmark.Value) int { return cmp.Compare(x.Org, y.Org) })
	ranks := benchmark.Rank(valuesOf(vs), m.HigherIsBetter)
	ranked := 0
	for _, r := range ranks {
		if r > 0 {
			ranked++
		}
	}
	for i, v := range vs {
		f := publishOrg(m, v, dv)
		if ranks[i] > 0 && f.Value != nil {
			f.Rank, f.RankOf = ranks[i], ranked
		}
		if rd.Named(v.Org) {
			mb.Orgs = append(mb.Orgs, f)
		}
		if p != nil && v.Org == p.Code {
			p.Rank, p.RankOf = f.Rank, f.RankOf
		}
	}
	return mb
}

func valuesOf(vs []benchmark.Value) []*float64 {
	out := make([]*float64, len(vs))
	for i, v := range vs {
		out[i] = v.Value
	}
	return out
}

// publishOrg is an organisation's figure as a reader may see it by name: for a
// disclosure-controlled metric, null with the reason when withheld from everyone or from this
// reader, and with its respondents when published.
func publishOrg(m benchmark.Metric, v benchmark.Value, dv *disclosed) OrgFigure {
	f := OrgFigure{Code: v.Org, Name: v.Name, Value: v.Value, Reason: v.Reason, StatNeighbourMedian: v.SNMedian, StatNeighbours: v.SNCount}
	if !m.Disclosure {
		return f
	}
	f.Withheld = v.Withheld
	if r := dv.org(v.Org); f.Withheld == "" && r != disclosure.Shown {
		f.Withheld, f.Reason = string(r), benchmark.WithheldReason(r)
	}
	if f.Withheld != "" {
		f.Value = nil
	} else if f.Value != nil {
		f.Respondents = v.Respondents
	}
	return f
}

// publishArea is an area's value as a reader may see it: for a disclosure-controlled metric,
// null with the reason when withheld from everyone or from this reader, and with its
// respondents when published.
func publishArea(m benchmark.Metric, a benchmark.Area, dv *disclosed) (value *float64, withheld string, respondents int) {
	if !m.Disclosure {
		return a.Value, "", 0
	}
	if withheld = cmp.Or(a.Withheld, string(dv.area(a.Region))); withheld != "" {
		return nil, withheld, 0
	}
	if a.Value != nil {
		respondents = a.Respondents
	}
	return a.Value, "", respondents
}

// disclosed is what one reader may see of a disclosure-controlled metric in one period. The
// benchmarks are protected when they are computed for a reader who may see every organisation
// by name; most readers see only some, and must not be able to work out the others' figures
// from the areas' and their own. The nil *disclosed is the view of a reader who sees everyone:
// nothing withheld beyond what is withheld from everyone.
type disclosed struct {
	orgs    map[string]disclosure.Reason // organisations' values withheld from the reader
	areas   map[string]disclosure.Reason // areas' values withheld from the reader
	partial map[string]bool              // areas with a contributor the reader may not see by name
}

func (dv *disclosed) org(code string) disclosure.Reason {
	if dv == nil {
		return disclosure.Shown
	}
	return dv.orgs[code]
}

func (dv *disclosed) area(code string) disclosure.Reason {
	if dv == nil {
		return disclosure.Shown
	}
	return dv.areas[code]
}

// allNamed tells whether the reader may see every contributor of the area by name.
func (dv *disclosed) allNamed(code string) bool { return dv == nil || !dv.partial[code] }

// readerViews works out rd's view of each disclosure-controlled metric of metrics in period:
// none (nil) for a reader who may see every organisation by name. everyOrg is the values of
// every organisation in England for the period, when they have been read already.
func readerViews(ctx context.Context, d *Deps, store *benchmark.Cache, rd authz.Reader, metrics []benchmark.Metric, period string,
	everyOrg []benchmark.Value) (map[string]*disclosed, error) {
	controlled := map[string]bool{}
	for _, m := range metrics {
		if m.Disclosure {
			controlled[m.ID] = true
		}
	}
	if rd.Everyone() || len(controlled) == 0 {
		return nil, nil
	}
	if everyOrg == nil {
		var err error
		if everyOrg, err = store.Members(ctx, period, reference.England); err != nil {
			return nil, errInternal(d.Log, "could not read benchmarks", err)
		}
	}
	values := map[string][]benchmark.Value{}
	var codes []string
	for _, v := range everyOrg {
		if !controlled[v.Metric] {
			continue
		}
		values[v.Metric] = append(values[v.Metric], v)
		for _, code := range v.Regions {
			if !slices.Contains(codes, code) {
				codes = append(codes, code)
			}
		}
	}
	slices.Sort(codes)
	areas := map[string][]benchmark.Area{}
	if len(codes) > 0 {
		rows, err := store.Areas(ctx, period, codes)
		if err != nil {
			return nil, errInternal(d.Log, "could not read benchmarks", err)
		}
		for _, a := range rows {
			areas[a.Metric] = append(areas[a.Metric], a)
		}
	}
	out := map[string]*disclosed{}
	for id := range controlled {
		out[id] = protectFor(rd, values[id], areas[id])
	}
	return out, nil
}

// periodView is rd's view of one metric in one period (see readerViews).
func periodView(ctx context.Context, d *Deps, store *benchmark.Cache, rd authz.Reader, m benchmark.Metric, period string) (*disclosed, error) {
	views, err := readerViews(ctx, d, store, rd, []benchmark.Metric{m}, period, nil)
	return views[m.ID], err
}

// protectFor applies disclosure control to one metric's figures of one period again, for rd. The
// table is the one of compute time (every counted organisation in England and every area it
// counts towards, each area the sum of its organisations), in which the figures withheld from
// everyone and those of the organisations rd may not see by name are hidden, and rd's own
// organisation is a known part of its areas' sums rather than a figure to protect: a council
// whose region has one other contributor must not get the region's figure, which less its own
// is the other's. Protecting the whole geography at once, rather than only the area asked for,
// keeps every answer to rd consistent: no combination of the regions', England's and the named
// organisations' figures rd may be given, in one answer or several, gives a hidden one away.
func protectFor(rd authz.Reader, values []benchmark.Value, areas []benchmark.Area) *disclosed {
	out := &disclosed{partial: map[string]bool{}}
	for _, v := range values {
		if v.Counted() && !rd.Named(v.Org) {
			for _, code := range v.Regions {
				out.partial[code] = true
			}
		}
	}
	withheld := map[string]bool{}
	for _, a := range areas {
		withheld[a.Region] = a.Withheld != ""
	}
	out.orgs, out.areas = benchmark.Disclose(values, benchmark.View{
		Hidden:     func(v benchmark.Value) bool { return v.Withheld != "" || !rd.Named(v.Org) },
		HiddenArea: func(code string) bool { return withheld[code] },
		Known:      rd.Own(),
	})
	return out
}

// positions reads an organisation's values and its statistical neighbours' for every metric;
// a neighbour's value is shown only when the caller may see that neighbour by name and it is
// not withheld.
func positions(ctx context.Context, d *Deps, store *benchmark.Cache, rd authz.Reader, metrics []benchmark.Metric, views map[string]*disclosed,
	period, org string) (map[string]*Position, error) {
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
	for _, m := range metrics {
		p := &Position{OrgFigure: OrgFigure{Code: org, Name: o.Name}, Neighbours: []Neighbour{}}
		for _, n := range neighbours {
			for _, v := range values {
				if v.Metric == m.ID && v.Org == n.Code && rd.Named(n.Code) {
					n.Value = publishOrg(m, v, views[m.ID]).Value
				}
			}
			p.Neighbours = append(p.Neighbours, n)
		}
		for _, v := range values {
			if v.Metric == m.ID && v.Org == org {
				p.OrgFigure = publishOrg(m, v, views[m.ID])
			}
		}
		out[m.ID] = p
	}
	return out, nil
}

// orgTrend reads an organisation's series with its region's and England's, as rd may see them:
// a disclosure-controlled metric is protected in each period as in the standard's benchmarks.
func orgTrend(ctx context.Context, d *Deps, store *benchmark.Cache, rd authz.Reader, m benchmark.Metric, org string) (Trend, error) {
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
		dv, err := periodView(ctx, d, store, rd, m, v.Period)
		if err != nil {
			return res, err
		}
		f := publishOrg(m, v, dv)
		pt := TrendPoint{Period: v.Period, Value: f.Value, Reason: f.Reason, Withheld: f.Withheld, StatNeighbourMedian: v.SNMedian}
		pt.RegionValue, pt.RegionWithheld, _ = publishArea(m, own[v.Period], dv)
		pt.EnglandValue, pt.EnglandWithheld, _ = publishArea(m, england[v.Period], dv)
		res.Points = append(res.Points, pt)
	}
	return res, nil
}

// areaTrend reads an area's series, as rd may see it: a disclosure-controlled metric is
// protected in each period as in the standard's benchmarks (for a reader who may not see every
// organisation by name, by the whole table of that period: at the least, an area's value is
// withheld when all but one of its contributors' figures are known to the reader, the other
// being hidden from it or withheld), and its quartiles are only for a reader who may see every
// contributor by name.
func areaTrend(ctx context.Context, d *Deps, store *benchmark.Cache, rd authz.Reader, m benchmark.Metric, region string) (Trend, error) {
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
		dv, err := periodView(ctx, d, store, rd, m, a.Period)
		if err != nil {
			return res, err
		}
		res.Region, res.Name = areaRef(a), a.Name
		pt := TrendPoint{Period: a.Period, Contributors: a.Contributors, Excluded: a.Excluded}
		pt.Value, pt.Withheld, _ = publishArea(m, a, dv)
		pt.EnglandValue, pt.EnglandWithheld, _ = publishArea(m, england[a.Period], dv)
		if !m.Disclosure || dv.allNamed(region) {
			pt.Median, pt.P25, pt.P75 = a.Median, a.P25, a.P75
		}
		res.Points = append(res.Points, pt)
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

func jsonOutput(v any) (*tableOutput, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &tableOutput{ContentType: "application/json", Body: b}, nil
}

// csvHeader is the tidy table's columns: one row per organisation × metric × period; a row with
// an empty org_code is the area itself. A null value (unknown, area-only or withheld) is an
// empty cell; withheld says why a disclosure-controlled one is withheld.
var csvHeader = []string{"period", "metric", "metric_label", "unit", "higher_is_better", "area_code", "area_name",
	"org_code", "org_name", "value", "reason", "withheld", "rank", "rank_of", "stat_neighbour_median",
	"area_value", "area_median", "area_p25", "area_p75", "contributors", "excluded", "england_value"}

func csvOutput(name string, rows [][]string) (*tableOutput, error) {
	var buf bytes.Buffer
	w := sheet.NewWriter(&buf)
	if err := w.Write(csvHeader); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return csvFile(name, buf.Bytes()), nil
}

// csvFile is a CSV table to download as name.
func csvFile(name string, body []byte) *tableOutput {
	return &tableOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="` + name + `"`, Body: body}
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

func standardRows(res StandardBenchmarks) [][]string {
	var rows [][]string
	for _, mb := range res.Metrics {
		m := mb.Metric
		row := func(code, name string, value *float64, reason, withheld string, rank, of int, sn *float64) []string {
			return []string{res.Period, m.ID, m.Label, m.Unit, strconv.FormatBool(m.HigherIsBetter), res.Region.Code, res.Region.Name,
				code, name, num(value), reason, withheld, count(rank), count(of), num(sn),
				num(mb.RegionValue), num(mb.Median), num(mb.P25), num(mb.P75), strconv.Itoa(mb.Contributors), strconv.Itoa(mb.Excluded), num(mb.EnglandValue)}
		}
		rows = append(rows, row("", "", mb.RegionValue, "", mb.RegionWithheld, 0, 0, nil))
		for _, o := range mb.Orgs {
			rows = append(rows, row(o.Code, o.Name, o.Value, o.Reason, o.Withheld, o.Rank, o.RankOf, o.StatNeighbourMedian))
		}
		if p := mb.Position; p != nil && !slices.ContainsFunc(mb.Orgs, func(o OrgFigure) bool { return o.Code == p.Code }) {
			rows = append(rows, row(p.Code, p.Name, p.Value, p.Reason, p.Withheld, p.Rank, p.RankOf, p.StatNeighbourMedian))
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
			res.Org, orgName(res), num(p.Value), p.Reason, p.Withheld, "", "", num(p.StatNeighbourMedian),
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
