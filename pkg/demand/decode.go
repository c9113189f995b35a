package demand

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// columns are the hub's own layout of service demand, in JSON ({"demand": [...]}) and the
// compact form its rows travel in between the API and ingest.
var columns = func() *kind.Columns[Return] {
	c := &kind.Columns[Return]{List: "demand", What: "service demand rows", Fields: []kind.Field[Return]{
		kind.Text("org", kind.Required, func(r *Return) *string { return &r.Org }, NormaliseOrg),
		kind.Text("period", kind.Required, func(r *Return) *string { return &r.Period }, strings.TrimSpace),
	}}
	for _, f := range Fields {
		c.Fields = append(c.Fields, kind.Figure(f.Name, f.Of))
	}
	return c
}()

// List is the JSON request body.
type List struct {
	Demand []Return `json:"demand" minItems:"1" doc:"Service demand per local authority and reporting year"`
}

// Decoded is a body read row by row: the rows that could be read, and for each row that could
// not, which field and why.
type Decoded struct {
	Rows     []Row
	Rejected []submission.RowError
}

// DecodeJSON reads {"demand": [...]}: each figure a number, a DfE symbol or null.
func DecodeJSON(r io.Reader) (Decoded, error) {
	var out Decoded
	err := columns.ReadJSON(r, func(row int, v Return, errs []submission.RowError) error {
		out.add(Row{Row: row, Return: v}, errs)
		return nil
	})
	if err != nil {
		return Decoded{}, err
	}
	out.rejectDuplicates()
	return out, nil
}

// EncodeRows writes rows in the compact form chunks travel in.
func EncodeRows(rs []Row) ([]byte, error) {
	krs := make([]kind.Row[Return], len(rs))
	for i, r := range rs {
		krs[i] = kind.Row[Return]{Num: r.Row, Value: r.Return}
	}
	return columns.Encode(krs)
}

// DecodeRows reads what EncodeRows wrote.
func DecodeRows(b []byte) ([]Row, error) {
	krs, err := columns.Decode(b)
	if err != nil {
		return nil, err
	}
	out := make([]Row, len(krs))
	for i, r := range krs {
		out[i] = Row{Row: r.Num, Return: r.Value}
	}
	return out, nil
}

// Roles of a CSV column.
const (
	roleIgnored = iota
	roleOrg
	rolePeriod
	roleField
	roleLevel
	roleCategory
	rolePopulationType
	roleChildrenCount
)

// Columns of the DfE published files the hub does not take: descriptions it keeps as reference
// data, and the rate it computes itself.
var ignoredColumns = []string{"time_identifier", "country_code", "country_name", "region_code", "region_name", "old_la_code", "la_name", "rate_per_10000"}

type column struct {
	role  int
	field *Field
}

// DecodeCSV reads a CSV file with a header row, in one of three layouts, recognised by its
// columns (case-insensitive):
//   - the hub's: org, period and the figure names;
//   - the DfE children in need file (table B1) as published: time_period, new_la_code,
//     Anypoint_episodes, …, At31_episodes, awaiting_assessment;
//   - the DfE children looked after file as published: one row per authority, year and
//     population_type, with children_count and population_estimate; the rows of an authority
//     and year are gathered into one return, numbered by the first of them.
//
// Cells may hold the DfE symbols x, c, z, u, low; descriptive columns (names, region codes) and
// rates are ignored, and rows other than local authorities' refused. Rows are numbered as a
// spreadsheet shows them: the header is row 1.
func DecodeCSV(b []byte) (Decoded, error) {
	var (
		cols []column
		long bool
		out  Decoded
	)
	err := rows.ScanCSV(bytes.NewReader(b), func(header []string) (int, error) {
		var err error
		cols, long, err = readHeader(header)
		return len(cols), err
	}, func(row int, cells []string, problem *submission.RowError) error {
		if problem != nil {
			out.Rejected = append(out.Rejected, *problem)
			return nil
		}
		r, errs := decodeRecord(row, cols, cells)
		out.add(r, errs)
		return nil
	})
	if err != nil {
		return Decoded{}, err
	}
	if long {
		out.gather()
	} else {
		out.rejectDuplicates()
	}
	slices.SortStableFunc(out.Rejected, func(a, b submission.RowError) int { return a.Row - b.Row })
	return out, nil
}

func readHeader(header []string) ([]column, bool, error) {
	var problems []submission.RowError
	cols := make([]column, len(header))
	seen := map[string]int{}
	roles := map[int]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if prev, ok := seen[name]; ok {
			problems = append(problems, submission.RowError{Row: 1, Field: name, Reason: fmt.Sprintf("column %d repeats column %d %q", i+1, prev+1, name)})
		}
		seen[name] = i
		c := column{}
		switch {
		case name == "org" || name == "new_la_code":
			c.role = roleOrg
		case name == "period" || name == "time_period":
			c.role = rolePeriod
		case name == "geographic_level":
			c.role = roleLevel
		case name == "category":
			c.role = roleCategory
		case name == "population_type":
			c.role = rolePopulationType
		case name == "children_count":
			c.role = roleChildrenCount
		case slices.Contains(ignoredColumns, name):
		default:
			for j := range Fields {
				f := &Fields[j]
				if name == f.Name || (f.Column != "" && name == f.Column) {
					c.role, c.field = roleField, f
				}
			}
			if c.field == nil {
				problems = append(problems, submission.RowError{Row: 1, Field: h, Reason: fmt.Sprintf("unknown column %d %q", i+1, h)})
			}
		}
		if c.role == roleOrg || c.role == rolePeriod {
			if _, twice := roles[c.role]; twice {
				problems = append(problems, submission.RowError{Row: 1, Field: name, Reason: "two columns name the " + map[int]string{roleOrg: "organisation", rolePeriod: "period"}[c.role]})
			}
		}
		roles[c.role]++
		cols[i] = c
	}
	if roles[roleOrg] == 0 {
		problems = append(problems, submission.RowError{Row: 1, Field: "org", Reason: "no organisation column (org or new_la_code)"})
	}
	if roles[rolePeriod] == 0 {
		problems = append(problems, submission.RowError{Row: 1, Field: "period", Reason: "no period column (period or time_period)"})
	}
	long := roles[rolePopulationType] > 0
	if long != (roles[roleChildrenCount] > 0) {
		problems = append(problems, submission.RowError{Row: 1, Field: "population_type", Reason: "the DfE looked-after layout needs both population_type and children_count"})
	}
	if len(problems) > 0 {
		return nil, false, &submission.DocumentError{Problems: problems}
	}
	return cols, long, nil
}

func decodeRecord(row int, cols []column, cells []string) (Row, []submission.RowError) {
	out := Row{Row: row}
	var (
		errs         []submission.RowError
		popType      *Field
		count        string
		popTypeGiven bool
	)
	for i, c := range cols {
		cell := strings.TrimSpace(cells[i])
		switch c.role {
		case roleOrg:
			out.Org = NormaliseOrg(cell)
		case rolePeriod:
			out.Period = cell
		case roleLevel:
			if cell != "" && !strings.EqualFold(cell, "Local authority") {
				errs = append(errs, submission.RowError{Row: row, Field: "geographic_level", Reason: fmt.Sprintf("%q rows are not taken: the hub computes regional and national figures itself", cell)})
			}
		case roleCategory:
			if cell != "" && !strings.EqualFold(cell, "Children in Need") {
				errs = append(errs, submission.RowError{Row: row, Field: "category", Reason: fmt.Sprintf("category %q is not taken: only Children in Need", cell)})
			}
		case rolePopulationType:
			popTypeGiven = true
			for j := range Fields {
				if Fields[j].PopulationType != "" && strings.EqualFold(cell, Fields[j].PopulationType) {
					popType = &Fields[j]
				}
			}
			if popType == nil {
				errs = append(errs, submission.RowError{Row: row, Field: "population_type", Reason: fmt.Sprintf("population type %q is not one the hub takes (children looked after on 31 March, starting or ceasing to be looked after each year)", cell)})
			}
		case roleChildrenCount:
			count = cell
		case roleField:
			v, err := measure.Parse(cell)
			if err != nil {
				errs = append(errs, submission.RowError{Row: row, Field: c.field.Name, Reason: err.Error()})
				continue
			}
			*c.field.Of(&out.Return) = v
		}
	}
	if popTypeGiven && popType != nil {
		v, err := measure.Parse(count)
		if err != nil {
			errs = append(errs, submission.RowError{Row: row, Field: "children_count", Reason: err.Error()})
		} else {
			*popType.Of(&out.Return) = v
		}
	}
	return out, errs
}

func (d *Decoded) add(r Row, errs []submission.RowError) {
	if len(errs) > 0 {
		for _, e := range errs {
			e.Row = r.Row
			d.Rejected = append(d.Rejected, e)
		}
		return
	}
	d.Rows = append(d.Rows, r)
}

// rejectDuplicates refuses a second row for the same organisation and period: a submission says
// one thing about each.
func (d *Decoded) rejectDuplicates() {
	first := map[[2]string]int{}
	kept := d.Rows[:0]
	for _, r := range d.Rows {
		k := [2]string{r.Org, r.Period}
		if prev, ok := first[k]; ok {
			d.Rejected = append(d.Rejected, submission.RowError{Row: r.Row, Reason: fmt.Sprintf("repeats organisation %s and period %s of row %d", r.Org, r.Period, prev)})
			continue
		}
		first[k] = r.Row
		kept = append(kept, r)
	}
	d.Rows = kept
}

// gather joins the rows of the DfE looked-after layout, one figure a row, into one return per
// organisation and period. A figure given twice with different values refuses the later row.
func (d *Decoded) gather() {
	index := map[[2]string]int{}
	var out []Row
	for _, r := range d.Rows {
		k := [2]string{r.Org, r.Period}
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			out = append(out, r)
			continue
		}
		into := &out[i]
		var errs []submission.RowError
		for _, f := range Fields {
			v, have := *f.Of(&r.Return), *f.Of(&into.Return)
			given := v.Known || v.Reason != measure.NotReported
			if !given {
				continue
			}
			if (have.Known || have.Reason != measure.NotReported) && have != v {
				errs = append(errs, submission.RowError{Row: r.Row, Field: f.Name, Reason: fmt.Sprintf("%s differs from row %d's %s for organisation %s and period %s", v, into.Row, have, r.Org, r.Period)})
			}
		}
		if len(errs) > 0 {
			d.Rejected = append(d.Rejected, errs...)
			continue
		}
		for _, f := range Fields {
			if v := *f.Of(&r.Return); v.Known || v.Reason != measure.NotReported {
				*f.Of(&into.Return) = v
			}
		}
	}
	d.Rows = out
}
