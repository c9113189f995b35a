package api

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/opendata"
	"github.com/partnership-hub/hub/pkg/sheet"
)

// Examples: every JSON body of the contract, asked for or answered, gets an example made from
// its schema (the fields' own examples, the first value of an enumeration, the least a bound
// allows); every CSV submission body an example made from the JSON one's first row, in the
// columns the operation lists.

// exampleOf makes a value that satisfies s: the properties that are required or have an example
// of their own, each with its example; nil when it cannot say.
func exampleOf(reg huma.Registry, s *huma.Schema, depth int) any {
	if s == nil || depth > 8 {
		return nil
	}
	if s.Ref != "" {
		return exampleOf(reg, reg.SchemaFromRef(s.Ref), depth+1)
	}
	switch {
	case len(s.Examples) > 0:
		return s.Examples[0]
	case s.Default != nil:
		return s.Default
	case len(s.Enum) > 0:
		return s.Enum[0]
	case len(s.OneOf) > 0:
		return exampleOf(reg, s.OneOf[0], depth+1)
	}
	switch s.Type {
	case huma.TypeObject:
		out := map[string]any{}
		for name, p := range s.Properties {
			// Optional fields with an example of their own, and figures (a number or a DfE symbol).
			if !slices.Contains(s.Required, name) && !hasOwnExample(reg, p) && len(p.OneOf) == 0 {
				continue
			}
			if v := exampleOf(reg, p, depth+1); v != nil {
				out[name] = v
			} else if slices.Contains(s.Required, name) {
				return nil
			}
		}
		return out
	case huma.TypeArray:
		item := exampleOf(reg, s.Items, depth+1)
		if item == nil {
			return []any{}
		}
		return []any{item}
	case huma.TypeInteger, huma.TypeNumber:
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 1
	case huma.TypeBoolean:
		return true
	case huma.TypeString:
		switch {
		case s.Format == "date":
			return "2026-03-31"
		case s.Format == "date-time":
			return "2026-03-31T09:00:00Z"
		case s.Format == "uuid":
			return "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
		case s.Pattern != "" || s.Format != "":
			return nil
		}
		return strings.Repeat("x", max(1, deref(s.MinLength)))
	}
	return nil
}

func hasOwnExample(reg huma.Registry, s *huma.Schema) bool {
	if s.Ref != "" {
		s = reg.SchemaFromRef(s.Ref)
	}
	return s != nil && (len(s.Examples) > 0 || len(s.Enum) > 0)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

var listedColumns = regexp.MustCompile(`\[([a-z0-9_ ]+)\]|columns ([a-z0-9_, ]+)`)

// csvExample writes the first row of a JSON submission example as CSV, in the columns the CSV
// body's description lists (those of the row, org and period first, otherwise).
func csvExample(jsonExample any, description string) string {
	top, ok := jsonExample.(map[string]any)
	if !ok || len(top) != 1 {
		return ""
	}
	var row map[string]any
	for _, v := range top {
		if list, ok := v.([]any); ok && len(list) > 0 {
			row, _ = list[0].(map[string]any)
		}
	}
	if row == nil {
		return ""
	}
	var columns []string
	if m := listedColumns.FindStringSubmatch(description); m != nil {
		columns = strings.FieldsFunc(m[1]+m[2], func(r rune) bool { return r == ' ' || r == ',' })
	} else {
		for name := range row {
			columns = append(columns, name)
		}
		slices.SortFunc(columns, func(a, b string) int {
			rank := func(s string) int { return slices.Index([]string{"period", "org"}, s) }
			if d := rank(b) - rank(a); d != 0 {
				return d
			}
			return strings.Compare(a, b)
		})
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(columns)
	rec := make([]string, len(columns))
	for i, c := range columns {
		if v, ok := row[c]; ok && v != nil {
			rec[i] = fmtValue(v)
		}
	}
	_ = w.Write(rec)
	w.Flush()
	return b.String()
}

func fmtValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmtFloat(x)
	case int:
		return fmtFloat(float64(x))
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return ""
}

// addExamples gives every JSON body of op an example made from its schema, and a CSV
// submission body one made from the JSON body's.
func addExamples(reg huma.Registry, op *huma.Operation) {
	var jsonBody any
	if op.RequestBody != nil {
		if mt := op.RequestBody.Content["application/json"]; mt != nil {
			if mt.Example == nil {
				mt.Example = exampleOf(reg, mt.Schema, 0)
			}
			jsonBody = mt.Example
		}
		if mt := op.RequestBody.Content["text/csv"]; mt != nil && mt.Example == nil && mt.Schema != nil {
			if ex := csvExample(jsonBody, mt.Schema.Description); ex != "" {
				mt.Example = ex
			}
		}
	}
	for _, r := range op.Responses {
		for ct, mt := range r.Content {
			if mt.Example == nil && mt.Schema != nil && (ct == "application/json" || ct == "application/problem+json") {
				mt.Example = exampleOf(reg, mt.Schema, 0)
			}
		}
		if mt := r.Content["text/csv"]; mt != nil && mt.Example == nil && csvAnswers[op.OperationID] != nil {
			var jsonExample any
			if j := r.Content["application/json"]; j != nil {
				jsonExample = j.Example
			}
			if ex, err := csvAnswers[op.OperationID](jsonExample); err == nil {
				mt.Example = ex
			}
		}
	}
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// csvAnswers make an operation's CSV answer example from its JSON answer example, with the
// writer the operation answers with; those without a JSON answer have an example table.
var csvAnswers = map[string]func(jsonExample any) (string, error){
	"get-action-plan": func(ex any) (string, error) {
		var p audit.Plan
		if err := remarshal(ex, &p); err != nil {
			return "", err
		}
		var b bytes.Buffer
		err := p.WriteCSV(&b)
		return b.String(), err
	},
	"get-standard-2-benchmarks": standardCSVExample,
	"get-standard-8-benchmarks": standardCSVExample,
	"get-benchmark-trend": func(ex any) (string, error) {
		var t benchmark.Trend
		if err := remarshal(ex, &t); err != nil {
			return "", err
		}
		out, err := csvOutput("", trendRows(t))
		return string(out.Body), err
	},
	"get-submission-errors": func(ex any) (string, error) {
		var page ErrorsPage
		if err := remarshal(ex, &page); err != nil {
			return "", err
		}
		var b bytes.Buffer
		w := sheet.NewWriter(&b)
		err := w.Write(errorsReportColumns)
		for _, p := range page.Errors {
			err = cmp.Or(err, writeReportLine(w, p))
		}
		return b.String(), cmp.Or(err, w.Flush())
	},
	"get-projections": func(any) (string, error) { return strings.Join(projectionHeader, ",") + "\r\n", nil },
	"get-open-data": func(any) (string, error) {
		var b bytes.Buffer
		err := openDataExample.WriteCSV(&b)
		return b.String(), err
	},
	"get-open-data-meta": func(any) (string, error) {
		var b bytes.Buffer
		err := openDataExample.WriteMeta(&b)
		return b.String(), err
	},
}

func standardCSVExample(ex any) (string, error) {
	var s benchmark.StandardBenchmarks
	if err := remarshal(ex, &s); err != nil {
		return "", err
	}
	out, err := csvOutput("", standardRows(s))
	return string(out.Body), err
}

// remarshal reads a JSON example into v.
func remarshal(ex any, v any) error {
	b, err := json.Marshal(ex)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

var openDataExample = opendata.Table{
	Indicators: []opendata.Indicator{
		{Name: "vacancy_rate", Label: "Vacancy rate (FTE)", Grouping: "Standard 2: workforce", Unit: "%", DP: 1},
		{Name: "survey_agreement_s2", Label: "Health-check agreement, Standard 2", Grouping: "Standard 2: survey", Unit: "%", DP: 1},
	},
	Rows: []opendata.Row{
		{Period: "2024", Geography: opendata.Geography{Level: opendata.National}, Values: map[string]measure.Value{
			"vacancy_rate": {Known: true, V: 17.3}, "survey_agreement_s2": {Known: true, V: 71.4}}},
		{Period: "2024", Geography: opendata.Geography{Level: opendata.LocalAuthority, RegionCode: "E12000001", RegionName: "North East",
			NewLACode: "E06000001", OldLACode: "805", LAName: "Hartlepool"}, Values: map[string]measure.Value{
			"vacancy_rate": {Known: true, V: 2}, "survey_agreement_s2": {Reason: measure.Confidential}}},
	},
}
