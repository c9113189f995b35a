package api

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/opendata"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Open data: any benchmark table, and the stored workforce returns, in the DfE's open-data
// layout (package opendata), for alliances that join the hub's figures with the DfE's.

type openDataInput struct {
	Table  string `path:"table" enum:"workforce,standard-2,standard-8" doc:"workforce: the stored workforce returns with the DfE's rates; standard-2, standard-8: every benchmark of the standard" example:"standard-2"`
	Region string `query:"region" pattern:"^[Ee](92|12|13)[0-9]{6}$" doc:"Only this region or London sub-region (with England's row); default all of England" example:"E12000001"`
	Period string `query:"period" pattern:"^[0-9]{4}(-Q[1-4])?$" doc:"Only this reporting year YYYY or quarter YYYY-Qn; default every period" example:"2024"`
}

// openDataRates are the DfE's rate columns the hub computes, beside the metric each is.
var openDataRates = []struct{ column, metric string }{
	{"turnover_rate_fte", "turnover_rate"}, {"agency_rate_fte", "agency_rate"}, {"agency_cover_rate_fte", "agency_cover_rate"},
	{"vacancy_rate_fte", "vacancy_rate"}, {"vacancy_agency_cover_rate_fte", "vacancies_covered_by_agency"},
	{"caseload_fte", "caseload"}, {"absence_rate_fte", "absence_rate"},
}

const openDataDoc = "In the layout of the Department for Education's open data (Explore Education Statistics): a tidy CSV whose first columns are " +
	"`time_period, time_identifier, geographic_level, country_code, country_name, region_code, region_name, new_la_code, old_la_code, la_name`, " +
	"then one column per indicator. A reporting year is `time_period` YYYY with `time_identifier` Reporting year; a quarter YYYY-Qn is YYYY, Calendar year Qn. " +
	"A figure that is not published is the DfE's symbol: `c` withheld by disclosure control (fewer than 10 survey respondents, or it would let a withheld one be worked out) or confidential, " +
	"`z` not applicable (a zero denominator; an area-only figure at local-authority level), `u` low reliability, `x` not available (an input unknown or not reported). " +
	"Rates are rounded to one decimal place, as the DfE publishes them; counts are as stored. The metadata file describing each indicator is at `/v1/open-data/{table}/meta`.\n\n" +
	"`standard-2` and `standard-8`: a National row (England), a Regional row for each region and London sub-region, and a Local authority row for each local authority you may see by name, per period, with every metric of the standard as an indicator (GET /v1/metrics), disclosure controlled for you as in the benchmarks. " +
	"`workforce`: the stored workforce returns in the DfE's own columns (local authorities only, as the DfE publishes them), with the rates the hub computes from them; it reads back through `POST /v1/workforce-returns` unchanged. " +
	"A figure column nobody in the table reported is left out; a figure not reported in a column kept is `x`. " +
	"Who: every benchmark table for stewards, analysts and organisations (named rows as in the benchmarks); the workforce table holds stored rows, so an organisation reads its own and a steward every organisation's."

func registerOpenData(api huma.API, d *Deps) {
	store, view, storeErr := benchmarkView(d)
	csvOnly := func(description, columns string) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: description, Content: map[string]*huma.MediaType{
			mediaCSV: {Schema: &huma.Schema{Type: huma.TypeString, Description: "CSV with a header row naming the columns " + columns + "; CRLF line ends"}},
		}}}
	}
	for _, meta := range []bool{false, true} {
		op := huma.Operation{
			OperationID: "get-open-data",
			Method:      http.MethodGet,
			Path:        "/v1/open-data/{table}",
			Summary:     "A table in the DfE's open-data layout",
			Description: openDataDoc,
			Tags:        []string{"Open data"},
			Security:    secured,
			Responses:   csvOnly("The table, as `{table}.csv`", strings.Join(opendata.Columns, ", ")+", then one column per indicator"),
		}
		if meta {
			op.OperationID, op.Path, op.Summary = "get-open-data-meta", "/v1/open-data/{table}/meta", "The metadata file of a table in the DfE's open-data layout"
			op.Description = "The `.meta.csv` that goes beside the table in Explore Education Statistics: one row per indicator column of the table with the same parameters, " +
				"with the columns `col_name, col_type, label, indicator_grouping, indicator_unit, indicator_dp, filter_hint, filter_grouping_column` (the tables have no filters)."
			op.Responses = csvOnly("The metadata, as `{table}.meta.csv`", strings.Join(opendata.MetaColumns, ", "))
		}
		huma.Register(api, op, func(ctx context.Context, in *openDataInput) (*tableOutput, error) {
			if storeErr != nil {
				return nil, errInternal(d.Log, "benchmarks unavailable", storeErr)
			}
			t, err := openDataTable(ctx, d, store, view, in)
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			name := in.Table + ".csv"
			if meta {
				err, name = t.WriteMeta(&b), in.Table+".meta.csv"
			} else {
				err = t.WriteCSV(&b)
			}
			if err != nil {
				return nil, errInternal(d.Log, "could not write the table", err)
			}
			return csvFile(name, b.Bytes()), nil
		})
	}
}

// openDataTable builds the table asked for, as the caller may see it.
func openDataTable(ctx context.Context, d *Deps, store *benchmark.Cache, view *benchmark.ReaderView, in *openDataInput) (opendata.Table, error) {
	region := cmp.Or(in.Region, reference.England)
	orgs, err := reference.ReadOrganisations(ctx, d.CH)
	if err != nil {
		return opendata.Table{}, errInternal(d.Log, "could not read organisations", err)
	}
	regions, err := reference.ReadRegions(ctx, d.CH)
	if err != nil {
		return opendata.Table{}, errInternal(d.Log, "could not read regions", err)
	}
	if _, ok := regions[region]; !ok {
		return opendata.Table{}, huma.Error404NotFound("no such region: " + region)
	}
	g := geography{orgs: orgs, regions: regions, region: region}
	if in.Table == "workforce" {
		return workforceTable(ctx, d, store, g, in.Period)
	}
	std := 2
	if in.Table == "standard-8" {
		std = 8
	}
	rd, err := callerReader(ctx, d)
	if err != nil {
		return opendata.Table{}, err
	}
	return standardTable(ctx, d, view, rd, g, std, in.Period)
}

// geography places organisations and areas in the DfE's columns, and says which are in the
// region asked for.
type geography struct {
	orgs    map[string]reference.Organisation
	regions map[string]reference.Region
	region  string
}

// in tells whether an area or an organisation's region is the region asked for or inside it.
func (g geography) in(code string) bool {
	for ; code != ""; code = g.regions[code].Parent {
		if code == g.region {
			return true
		}
	}
	return false
}

func (g geography) localAuthority(code string) (opendata.Geography, bool) {
	o, ok := g.orgs[code]
	if !ok || (o.Type != reference.TypeLocalAuthority && o.Type != reference.TypeJointReturn) || !g.in(o.Region) {
		return opendata.Geography{}, false
	}
	return opendata.Geography{Level: opendata.LocalAuthority, RegionCode: o.Region, RegionName: g.regions[o.Region].Name,
		NewLACode: o.Code, OldLACode: o.OldCode, LAName: o.Name}, true
}

func (g geography) area(code string) (opendata.Geography, bool) {
	r, ok := g.regions[code]
	switch {
	case !ok:
		return opendata.Geography{}, false
	case code == reference.England:
		return opendata.Geography{Level: opendata.National}, true
	case !g.in(code):
		return opendata.Geography{}, false
	}
	return opendata.Geography{Level: opendata.Regional, RegionCode: r.Code, RegionName: r.Name}, true
}

// periods is the one period asked for, or every period in which the standard has a value.
func periods(ctx context.Context, d *Deps, view *benchmark.ReaderView, std int, asked string) ([]string, error) {
	if asked != "" {
		return []string{asked}, nil
	}
	ps, err := view.Periods(ctx, std)
	if err != nil {
		return nil, errInternal(d.Log, "could not read benchmark periods", err)
	}
	return ps.Offered(), nil
}

// standardTable is every metric of a standard, per period, for England, the regions and the
// local authorities the reader may see by name, disclosure controlled for the reader.
func standardTable(ctx context.Context, d *Deps, view *benchmark.ReaderView, rd authz.Reader, g geography,
	std int, asked string) (opendata.Table, error) {
	metrics := benchmark.OfStandard(std)
	t := opendata.Table{Name: fmt.Sprintf("standard-%d", std)}
	for _, m := range metrics {
		t.Indicators = append(t.Indicators, opendata.Indicator{Name: m.ID, Label: m.Label, Grouping: fmt.Sprintf("Standard %d: %s", std, m.Source),
			Unit: unitOf(m), DP: 1})
	}
	ps, err := periods(ctx, d, view, std, asked)
	if err != nil {
		return t, err
	}
	codes := slices.Sorted(func(yield func(string) bool) {
		for code := range g.regions {
			if _, ok := g.area(code); ok && !yield(code) {
				return
			}
		}
	})
	for _, p := range ps {
		areas, orgs, err := view.Published(ctx, rd, metrics, p, codes)
		if err != nil {
			return t, errInternal(d.Log, "could not read benchmarks", err)
		}
		rows := map[string]*opendata.Row{}
		add := func(f benchmark.Published, geo opendata.Geography) {
			if rows[f.Code] == nil {
				rows[f.Code] = &opendata.Row{Period: p, Geography: geo, Values: map[string]measure.Value{}}
			}
			rows[f.Code].Values[f.Metric] = openDataValue(f.Value, f.Withheld, f.Reason)
		}
		for _, f := range areas {
			if geo, ok := g.area(f.Code); ok {
				add(f, geo)
			}
		}
		for _, f := range orgs {
			if geo, ok := g.localAuthority(f.Code); ok {
				add(f, geo)
			}
		}
		t.Rows = append(t.Rows, sortedRows(rows)...)
	}
	return t, nil
}

// workforceTable is the stored workforce returns the caller may read, per period, in the DfE's
// columns, with the rates the hub computes from them. Only local authorities, as the DfE's file.
func workforceTable(ctx context.Context, d *Deps, store *benchmark.Cache, g geography, asked string) (opendata.Table, error) {
	t := opendata.Table{Name: "workforce"}
	p, err := principal(ctx)
	if err != nil {
		return t, err
	}
	// Stored rows: a steward reads every organisation's, an organisation its own.
	var own string
	if err := authz.MayReadRows(p, ""); err != nil {
		own = p.Org
		if err := authz.MayReadRows(p, own); err != nil {
			return t, refusal(err)
		}
	}
	returns := workforce.NewStore(d.CH)
	var ps []string
	if asked != "" {
		ps = []string{asked}
	} else if ps, err = returns.Periods(ctx); err != nil {
		return t, errInternal(d.Log, "could not read workforce periods", err)
	}
	reported := map[string]bool{}
	for _, period := range ps {
		var stored []workforce.Stored
		if own != "" {
			stored, err = returns.List(ctx, own, period)
		} else {
			stored, err = returns.ListPeriod(ctx, period)
		}
		if err != nil {
			return t, errInternal(d.Log, "could not read returns", err)
		}
		var codes []string
		rows := map[string]*opendata.Row{}
		for _, s := range stored {
			geo, ok := g.localAuthority(s.Org)
			if !ok {
				continue
			}
			r := &opendata.Row{Period: s.Period, Geography: geo, Values: map[string]measure.Value{}}
			for _, f := range workforce.Fields {
				v := *f.Of(&s.Return)
				r.Values[f.Name] = v
				if v.Known || v.Reason != measure.NotReported {
					reported[f.Name] = true
				}
			}
			rows[s.Org] = r
			codes = append(codes, s.Org)
		}
		if len(codes) == 0 {
			continue
		}
		values, err := store.OrgValues(ctx, period, codes)
		if err != nil {
			return t, errInternal(d.Log, "could not read benchmarks", err)
		}
		for _, rate := range openDataRates {
			for _, r := range rows {
				r.Values[rate.column] = measure.Value{Reason: measure.Unavailable}
			}
		}
		for _, v := range values {
			for _, rate := range openDataRates {
				if r := rows[v.Org]; r != nil && v.Metric == rate.metric {
					r.Values[rate.column] = openDataValue(v.Value, v.Withheld, v.Reason)
					reported[rate.column] = true
				}
			}
		}
		t.Rows = append(t.Rows, sortedRows(rows)...)
	}
	docs := workforceDocs()
	for _, f := range workforce.Fields {
		if reported[f.Name] {
			dp := 1
			if f.Integer {
				dp = 0
			}
			t.Indicators = append(t.Indicators, opendata.Indicator{Name: f.Name, Label: docs[f.Name], Grouping: "Workforce", DP: dp})
		}
	}
	for _, rate := range openDataRates {
		if m, ok := benchmark.Lookup(rate.metric); ok && reported[rate.column] {
			t.Indicators = append(t.Indicators, opendata.Indicator{Name: rate.column, Label: m.Label, Grouping: "Rates", Unit: unitOf(m), DP: 1})
		}
	}
	return t, nil
}

// workforceDocs are the figures' descriptions, as the API documents them.
func workforceDocs() map[string]string {
	out := map[string]string{}
	rt := reflect.TypeOf(workforce.Return{})
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out[name] = f.Tag.Get("doc")
	}
	return out
}

// openDataValue is a published figure rounded as the DfE publishes rates, or the DfE symbol
// saying why it is not published.
func openDataValue(v *float64, withheld, reason string) measure.Value {
	switch {
	case withheld != "":
		return measure.Value{Reason: measure.Confidential}
	case v != nil:
		return opendata.Rounded(*v, 1)
	case reason == benchmark.ReasonZeroDenominator || reason == benchmark.ReasonAreaOnly:
		return measure.Value{Reason: measure.NotApplicable}
	}
	// An unknown input says its symbol: "vacancy_fte unknown (c)".
	for _, r := range []measure.Reason{measure.Confidential, measure.NotApplicable, measure.LowReliability} {
		if strings.HasSuffix(reason, "("+string(r)+")") {
			return measure.Value{Reason: r}
		}
	}
	return measure.Value{Reason: measure.Unavailable}
}

// unitOf is a metric's unit as EES knows units: percentages, or none.
func unitOf(m benchmark.Metric) string {
	if m.Unit == "%" {
		return "%"
	}
	return ""
}

// sortedRows orders one period's rows: England, then the regions, then the local authorities,
// each by code.
func sortedRows(rows map[string]*opendata.Row) []opendata.Row {
	level := map[string]int{opendata.National: 0, opendata.Regional: 1, opendata.LocalAuthority: 2}
	out := make([]opendata.Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b opendata.Row) int {
		return cmp.Or(cmp.Compare(level[a.Level], level[b.Level]), cmp.Compare(a.RegionCode, b.RegionCode), cmp.Compare(a.NewLACode, b.NewLACode))
	})
	return out
}
