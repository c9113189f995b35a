package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/partnership-hub/hub/pkg/sheet"
)

type getCmd struct {
	Benchmarks benchmarksCmd `cmd:"" help:"Every metric of a standard for an area and period."`
	Trend      trendCmd      `cmd:"" help:"One metric over every period, for an organisation or an area."`
	Rows       rowsCmd       `cmd:"" help:"Your stored rows of a kind (stewards: any organisation's)."`
	OpenData   openDataCmd   `cmd:"" name:"open-data" help:"A benchmark table (standard-2, standard-8) or the workforce returns in the DfE's open-data layout, with --meta its .meta.csv."`
}

// outputFlags say how a table is written.
type outputFlags struct {
	Format string `help:"csv or json" enum:"csv,json" default:"csv" short:"f"`
	Output string `help:"Write to this file instead of standard output" type:"path" short:"o"`
}

func (o outputFlags) accept() string {
	if o.Format == "csv" {
		return "text/csv"
	}
	return "application/json"
}

// write writes what the hub answered: as it is when it is in the format asked for; a JSON list
// of rows turned into CSV when CSV was asked for and the hub answers only JSON.
func (o outputFlags) write(r *run, ans answer, rowsField string) error {
	body := ans.body
	if o.Format == "csv" && !strings.HasPrefix(ans.contentType, "text/csv") {
		var err error
		if body, err = jsonRowsToCSV(ans.body, rowsField); err != nil {
			return err
		}
	}
	if o.Output != "" {
		return os.WriteFile(o.Output, body, 0o644)
	}
	_, err := r.env.Stdout.Write(body)
	return err
}

type benchmarksCmd struct {
	Standard int    `help:"The employer standard: 2 or 8" default:"2" enum:"2,8"`
	Region   string `help:"Region (E12…), London sub-region (E13…) or England (E92000001)" required:""`
	Period   string `help:"Reporting year YYYY or quarter YYYY-Qn" required:""`
	Org      string `help:"Add this organisation's position and statistical neighbours"`
	outputFlags
}

func (c *benchmarksCmd) Run(r *run) error {
	return r.getTable(fmt.Sprintf("/v1/benchmarks/standard-%d", c.Standard)+
		query(map[string]string{"region": c.Region, "period": c.Period, "org": c.Org}), c.outputFlags, "")
}

type trendCmd struct {
	Metric string `arg:"" help:"Metric id, e.g. vacancy_rate (GET /v1/metrics lists them)"`
	Org    string `help:"An organisation" xor:"who"`
	Region string `help:"An area" xor:"who"`
	outputFlags
}

func (c *trendCmd) Run(r *run) error {
	if c.Org == "" && c.Region == "" {
		return exitWith(ExitUsage, "give --org or --region")
	}
	return r.getTable("/v1/benchmarks/"+c.Metric+"/trend"+query(map[string]string{"org": c.Org, "region": c.Region}), c.outputFlags, "")
}

type openDataCmd struct {
	Table  string `arg:"" help:"standard-2, standard-8 or workforce" enum:"standard-2,standard-8,workforce"`
	Region string `help:"Only this region or London sub-region (default: all of England)"`
	Period string `help:"Only this period (default: every period)"`
	Meta   bool   `help:"The metadata file (.meta.csv) instead of the data"`
	Output string `help:"Write to this file instead of standard output" type:"path" short:"o"`
}

func (c *openDataCmd) Run(r *run) error {
	path := "/v1/open-data/" + c.Table
	if c.Meta {
		path += "/meta"
	}
	return r.getTable(path+query(map[string]string{"region": c.Region, "period": c.Period}), outputFlags{Format: "csv", Output: c.Output}, "")
}

type rowsCmd struct {
	Kind  string   `arg:"" help:"The kind, as for submit: workforce-returns, placements, …"`
	Org   string   `help:"Organisation (default: your own)"`
	Param []string `help:"Another query parameter, as name=value (e.g. period=2025, academic_year=2025/26)" short:"p"`
	outputFlags
}

func (c *rowsCmd) Run(r *run) error {
	params := map[string]string{"org": c.Org}
	for _, p := range c.Param {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return exitWith(ExitUsage, "--param %q: want name=value", p)
		}
		params[k] = v
	}
	l, err := r.env.load()
	if err != nil {
		return err
	}
	ans, err := readPages(r.ctx, l.client(r.ctx), "/v1/"+c.Kind, params)
	if err != nil {
		return err
	}
	return c.outputFlags.write(r, ans, "*")
}

// maxPages bounds how many pages readPages follows: a hub answering pages without end is
// refused rather than read for ever.
const maxPages = 10000

// readPages reads every page of a list of stored rows (limit= at its largest, following
// next_cursor) and answers them as one JSON body, the rows of every page in the one list.
func readPages(ctx context.Context, c *hubClient, path string, params map[string]string) (answer, error) {
	params = maps.Clone(params)
	params["limit"] = "10000"
	var (
		all   answer
		top   map[string]json.RawMessage
		list  string
		rows  []json.RawMessage
		pages int
	)
	for {
		ans, err := c.get(ctx, path+query(params), "application/json")
		if err != nil {
			return answer{}, err
		}
		var page map[string]json.RawMessage
		if err := json.Unmarshal(ans.body, &page); err != nil {
			return answer{}, exitWith(ExitRefused, "the hub's answer cannot be read: %v", err)
		}
		if top == nil {
			all, top = ans, page
			for k, v := range page {
				if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
					list = k
				}
			}
		}
		var some []json.RawMessage
		if err := json.Unmarshal(page[list], &some); err != nil {
			return answer{}, exitWith(ExitRefused, "the hub's answer has no list of rows")
		}
		rows = append(rows, some...)
		var next string
		_ = json.Unmarshal(page["next_cursor"], &next)
		if pages++; next == "" || pages >= maxPages {
			break
		}
		params["cursor"] = next
	}
	delete(top, "next_cursor")
	b, err := json.Marshal(rows)
	if err != nil {
		return answer{}, err
	}
	top[list] = b
	if all.body, err = json.Marshal(top); err != nil {
		return answer{}, err
	}
	return all, nil
}

// getTable reads a table from the hub and writes it. rowsField names the list of rows in a JSON
// answer, for CSV made here ("*": the answer's one list).
func (r *run) getTable(path string, o outputFlags, rowsField string) error {
	l, err := r.env.load()
	if err != nil {
		return err
	}
	ans, err := l.client(r.ctx).get(r.ctx, path, o.accept())
	if err != nil {
		return err
	}
	if rowsField == "" && o.Format == "csv" && !strings.HasPrefix(ans.contentType, "text/csv") {
		return exitWith(ExitRefused, "the hub answered %s, not CSV", ans.contentType)
	}
	return o.write(r, ans, rowsField)
}

// jsonRowsToCSV turns the list of objects in a JSON answer into CSV: one column per field, in
// the order they first appear; nested values as JSON.
func jsonRowsToCSV(body []byte, field string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, exitWith(ExitRefused, "the hub's answer cannot be read: %v", err)
	}
	var list json.RawMessage
	for k, v := range top {
		if (field == "*" || k == field) && bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
			list = v
		}
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(list, &rows); err != nil {
		return nil, exitWith(ExitRefused, "the hub's answer has no list of rows")
	}
	var (
		columns []string
		seen    = map[string]bool{}
		records []map[string]json.RawMessage
	)
	for _, raw := range rows {
		keys, obj, err := orderedObject(raw)
		if err != nil {
			return nil, exitWith(ExitRefused, "the hub's answer cannot be read: %v", err)
		}
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				columns = append(columns, k)
			}
		}
		records = append(records, obj)
	}
	var b bytes.Buffer
	w := sheet.NewWriter(&b)
	_ = w.Write(columns)
	for _, obj := range records {
		rec := make([]string, len(columns))
		for i, c := range columns {
			rec[i] = cell(obj[c])
		}
		_ = w.Write(rec)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// orderedObject reads a JSON object keeping the order of its keys.
func orderedObject(raw json.RawMessage) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("a row is not an object")
	}
	var keys []string
	obj := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		obj[k] = v
	}
	return keys, obj, nil
}

// cell is a JSON value as a CSV cell: strings bare, null empty, numbers, booleans and nested
// values as written.
func cell(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return ""
	case v[0] == '"':
		var s string
		_ = json.Unmarshal(v, &s)
		return s
	}
	return string(v)
}
