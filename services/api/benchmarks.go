package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/sheet"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Benchmarks are read from the benchmark tables that services/benchmark keeps, through the
// reader view of package benchmark, which shows each reader what the access rule (package
// authz) lets it see; nothing here aggregates raw rows or decides who sees what.

type metricsOutput struct {
	Body struct {
		Metrics []benchmark.Metric `json:"metrics"`
	}
}

type periodsOutput struct {
	Body benchmark.StandardPeriods
}

type standardInput struct {
	Region   string `query:"region" pattern:"^[Ee](92|12|13)[0-9]{6}$" maxLength:"9" doc:"Region (E12…), London sub-region (E13…) or England (E92000001); or give alliance=" example:"E12000001"`
	Alliance string `query:"alliance" pattern:"^[a-z0-9-]{1,40}$" maxLength:"40" doc:"An alliance you may see (its id), as the area instead of a region" example:"north-east"`
	Period   string `query:"period" pattern:"^[0-9]{4}(-Q[1-4])?$" required:"true" maxLength:"7" doc:"Reporting year YYYY or quarter YYYY-Qn" example:"2024"`
	Org      string `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"Add this organisation's position and statistical-neighbour group"`
	Accept   string `header:"Accept" doc:"application/json (default) or text/csv"`
}

type trendInput struct {
	Metric   string `path:"metric" pattern:"^[a-z0-9_]{1,40}$" maxLength:"40" doc:"Metric id (GET /v1/metrics)" example:"vacancy_rate"`
	Org      string `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"An organisation (or give region=)"`
	Region   string `query:"region" pattern:"^[Ee](92|12|13)[0-9]{6}$" maxLength:"9" doc:"An area (or give org= or alliance=)"`
	Alliance string `query:"alliance" pattern:"^[a-z0-9-]{1,40}$" maxLength:"40" doc:"An alliance you may see, as the area (or give org= or region=)"`
	Accept   string `header:"Accept" doc:"application/json (default) or text/csv"`
}

// tableOutput is JSON or, when asked for with Accept: text/csv, a tidy CSV table.
type tableOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

const (
	csvDoc = " With `Accept: text/csv` the answer is a tidy table, one row per organisation × metric × period (rows with an empty `org` are the area itself; `withheld` says why a survey figure is withheld), that opens in a spreadsheet. The last column, `org_code`, repeats `org` under its old name until version 1.2.0 (deprecated: read `org`)."

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

// benchmarkView is the benchmark tables' reader (the cache of d, or one without a cache) and the
// reader view on them.
func benchmarkView(d *Deps) (*benchmark.Cache, *benchmark.ReaderView, error) {
	store, err := d.Benchmarks, error(nil)
	if store == nil {
		var uncached *benchmark.Store
		uncached, err = benchmark.NewStore(d.CH)
		store = benchmark.NewCache(uncached, 0)
	}
	return store, benchmark.NewReaderView(store, d.Directory), err
}

func registerBenchmarks(api huma.API, d *Deps) {
	store, view, storeErr := benchmarkView(d)
	reg := api.OpenAPI().Components.Schemas
	table := func(v any) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: "OK", Content: map[string]*huma.MediaType{
			"application/json": {Schema: reg.Schema(reflect.TypeOf(v), true, "")},
			"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString, Description: columnsDoc(csvHeader)}},
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
		huma.Register(api, huma.Operation{
			OperationID: fmt.Sprintf("get-standard-%d-benchmarks", s.std),
			Method:      http.MethodGet,
			Path:        fmt.Sprintf("/v1/benchmarks/standard-%d", s.std),
			Summary:     fmt.Sprintf("Standard %d benchmarks for an area and period", s.std),
			Description: s.description + standardDoc + csvDoc,
			Tags:        []string{"Benchmarks"},
			Security:    secured,
			Responses:   table(benchmark.StandardBenchmarks{}),
			Errors:      benchmarkErrors,
		}, func(ctx context.Context, in *standardInput) (*tableOutput, error) {
			if storeErr != nil {
				return nil, errInternal(d.Log, "benchmarks unavailable", storeErr)
			}
			rd, err := callerReader(ctx, d)
			if err != nil {
				return nil, err
			}
			area, err := oneArea(in.Region, in.Alliance, "")
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
			key := fmt.Sprint(s.std, "|", area, "|", org, "|", asCSV, "|", rd.Key())
			body, err := store.Rendered(ctx, in.Period, key, func(snap *benchmark.Snapshot) ([]byte, error) {
				res, err := view.StandardIn(ctx, rd, s.std, area, snap, org)
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
				return nil, benchmarkError(d, err)
			}
			if asCSV {
				return csvFile(fmt.Sprintf("standard-%d-%s-%s.csv", s.std, area, in.Period), body), nil
			}
			return &tableOutput{ContentType: "application/json", Body: body}, nil
		})
	}

	for _, std := range []int{2, 8} {
		huma.Register(api, huma.Operation{
			OperationID: fmt.Sprintf("list-standard-%d-periods", std),
			Method:      http.MethodGet,
			Path:        fmt.Sprintf("/v1/benchmarks/standard-%d/periods", std),
			Summary:     fmt.Sprintf("The periods with Standard %d benchmarks", std),
			Description: fmt.Sprintf("The periods to offer for Standard %d's benchmarks: those in which at least one of its metrics has a value for England, oldest first, "+
				"and apart from them the periods with benchmarks in which every one of its metrics is null (a period with another standard's data only, "+
				"or one whose data lack an input: the demo's children in need counts of 2013–2016 have no child population, say). "+
				"The same for every reader: periods are not figures. Answered whole, not paged: one entry a period (a year, cycle or quarter), a few hundred at most.", std),
			Tags:     []string{"Benchmarks"},
			Security: secured,
			Errors:   []int{http.StatusUnauthorized, http.StatusForbidden},
		}, func(ctx context.Context, _ *struct{}) (*periodsOutput, error) {
			if storeErr != nil {
				return nil, errInternal(d.Log, "benchmarks unavailable", storeErr)
			}
			if _, err := callerReader(ctx, d); err != nil {
				return nil, err
			}
			ps, err := view.Periods(ctx, std)
			if err != nil {
				return nil, benchmarkError(d, err)
			}
			return &periodsOutput{Body: ps}, nil
		})
	}

	huma.Register(api, huma.Operation{
		OperationID: "get-benchmark-trend",
		Method:      http.MethodGet,
		Path:        "/v1/benchmarks/{metric}/trend",
		Summary:     "A metric over time",
		Description: "One metric over every period, for an organisation (`org=`, which you must be allowed to see by name) with its region's and England's values, or for an area (`region=`, or `alliance=` for an alliance you may see) with its median and quartiles. " +
			"A survey-derived metric's figures are disclosure controlled in each period as for the standard's benchmarks: a withheld figure is null, with `withheld`, `region_withheld` or `england_withheld` saying why." + csvDoc,
		Tags:      []string{"Benchmarks"},
		Security:  secured,
		Responses: table(benchmark.Trend{}),
		Errors:    benchmarkErrors,
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
		area, err := oneArea(in.Region, in.Alliance, org)
		if err != nil {
			return nil, err
		}
		format, err := negotiate(in.Accept, mediaJSON, mediaCSV)
		if err != nil {
			return nil, err
		}
		var res benchmark.Trend
		if org != "" {
			if err := readNamed(ctx, rd, org); err != nil {
				return nil, err
			}
			res, err = view.OrgTrend(ctx, rd, m, org)
		} else {
			res, err = view.AreaTrend(ctx, rd, m, area)
		}
		if err != nil {
			return nil, benchmarkError(d, err)
		}
		if format == mediaCSV {
			return csvOutput(fmt.Sprintf("%s-trend-%s.csv", m.ID, cmp.Or(org, area)), trendRows(res))
		}
		return jsonOutput(res)
	})
}

var benchmarkErrors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusNotAcceptable, http.StatusUnprocessableEntity}

// oneArea is the area a benchmark read names: a region (region=) or an alliance (alliance=),
// exactly one of them, or neither when it names an organisation (org).
func oneArea(region, allianceID, org string) (string, error) {
	given := 0
	for _, v := range []string{region, allianceID, org} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		if org == "" && len(region) == 0 && allianceID == "" {
			return "", huma.Error422UnprocessableEntity("name the area with region= or alliance=")
		}
		return "", huma.Error422UnprocessableEntity("give one of org=, region= and alliance=")
	}
	return cmp.Or(strings.ToUpper(strings.TrimSpace(region)), allianceID), nil
}

// benchmarkError maps the reader view's errors: nothing to answer with is 404.
func benchmarkError(d *Deps, err error) error {
	var se huma.StatusError
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, benchmark.ErrNotFound):
		return huma.Error404NotFound(err.Error())
	}
	return errInternal(d.Log, "could not read benchmarks", err)
}

func jsonOutput(v any) (*tableOutput, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &tableOutput{ContentType: "application/json", Body: b}, nil
}

// csvHeader is the tidy table's columns: one row per organisation × metric × period; a row with
// an empty org is the area itself. A null value (unknown, area-only or withheld) is an empty
// cell; withheld says why a disclosure-controlled one is withheld. The last column repeats org
// under its old name (deprecatedOrgColumn).
var csvHeader = []string{"period", "metric", "metric_label", "unit", "higher_is_better", "area_code", "area_name",
	"org", "org_name", "value", "reason", "withheld", "rank", "rank_of", "stat_neighbour_median",
	"area_value", "area_median", "area_p25", "area_p75", "contributors", "excluded", "england_value", deprecatedOrgColumn}

// deprecatedOrgColumn is the old name of a tidy table's org column, answered as its last column,
// with the same value, until version 1.2.0: a client reading columns by position or by the old
// name reads what it read before.
const deprecatedOrgColumn = "org_code"

// columnsDoc describes a tidy table answered as CSV, naming its columns.
func columnsDoc(columns []string) string {
	return "CSV with a header row naming the columns " + strings.Join(columns, ", ") +
		" (`" + deprecatedOrgColumn + "`, the last, is deprecated: the same as `org`, answered until version 1.2.0)"
}

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

func standardRows(res benchmark.StandardBenchmarks) [][]string {
	var rows [][]string
	for _, mb := range res.Metrics {
		m := mb.Metric
		row := func(code, name string, value *float64, reason, withheld string, rank, of int, sn *float64) []string {
			return []string{res.Period, m.ID, m.Label, m.Unit, strconv.FormatBool(m.HigherIsBetter), res.Region.Code, res.Region.Name,
				code, name, num(value), reason, withheld, count(rank), count(of), num(sn),
				num(mb.RegionValue), num(mb.Median), num(mb.P25), num(mb.P75), strconv.Itoa(mb.Contributors), strconv.Itoa(mb.Excluded), num(mb.EnglandValue), code}
		}
		rows = append(rows, row("", "", mb.RegionValue, "", mb.RegionWithheld, 0, 0, nil))
		for _, o := range mb.Orgs {
			rows = append(rows, row(o.Code, o.Name, o.Value, o.Reason, o.Withheld, o.Rank, o.RankOf, o.StatNeighbourMedian))
		}
		if p := mb.Position; p != nil && !slices.ContainsFunc(mb.Orgs, func(o benchmark.OrgFigure) bool { return o.Code == p.Code }) {
			rows = append(rows, row(p.Code, p.Name, p.Value, p.Reason, p.Withheld, p.Rank, p.RankOf, p.StatNeighbourMedian))
		}
	}
	return rows
}

func trendRows(res benchmark.Trend) [][]string {
	m := res.Metric
	rows := make([][]string, 0, len(res.Points))
	for _, p := range res.Points {
		areaValue := p.Value
		if res.Org != "" {
			areaValue = p.RegionValue
		}
		rows = append(rows, []string{p.Period, m.ID, m.Label, m.Unit, strconv.FormatBool(m.HigherIsBetter), res.Region.Code, res.Region.Name,
			res.Org, orgName(res), num(p.Value), p.Reason, p.Withheld, "", "", num(p.StatNeighbourMedian),
			num(areaValue), num(p.Median), num(p.P25), num(p.P75), count(p.Contributors), count(p.Excluded), num(p.EnglandValue), res.Org})
	}
	return rows
}

func orgName(res benchmark.Trend) string {
	if res.Org == "" {
		return ""
	}
	return res.Name
}
