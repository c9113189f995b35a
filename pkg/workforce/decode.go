package workforce

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// DocumentError says the body as a whole cannot be read; nothing of such a body is stored.
type DocumentError = submission.DocumentError

var documentError = submission.DocumentProblem

// Decoded is a body read row by row: the rows that could be read, and for each row that could
// not, which field and why.
type Decoded struct {
	Rows     []Row
	Rejected []submission.RowError
}

var fieldIndex = func() map[string]Field {
	m := make(map[string]Field, len(Fields))
	for _, f := range Fields {
		m[f.Name] = f
	}
	return m
}()

// Returns is the JSON request body: one or many returns.
type Returns struct {
	Returns []Return `json:"returns" minItems:"1" doc:"One or many workforce returns"`
}

// DecodeJSON reads {"returns": [...]}. A return with a field of the wrong type, an unknown field
// or a value that is neither a number nor a DfE symbol is refused on its own.
func DecodeJSON(r io.Reader) (Decoded, error) {
	var body struct {
		Returns []json.RawMessage `json:"returns"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return Decoded{}, documentError("", "body is not a JSON object of the form {\"returns\": [...]}: %v", err)
	}
	if dec.More() {
		return Decoded{}, documentError("", "body has data after the JSON object")
	}
	if len(body.Returns) == 0 {
		return Decoded{}, documentError("returns", "no returns: give at least one")
	}
	var d Decoded
	for i, raw := range body.Returns {
		row := i + 1
		obj, err := rows.Object(raw)
		var repeated *rows.RepeatedMember
		if errors.As(err, &repeated) {
			d.Rejected = append(d.Rejected, submission.RowError{Row: row, Field: repeated.Name, Reason: err.Error()})
			continue
		}
		if err != nil {
			d.Rejected = append(d.Rejected, submission.RowError{Row: row, Reason: "a return must be a JSON object"})
			continue
		}
		rt, errs := decodeObject(obj)
		d.add(row, rt, errs)
	}
	d.rejectDuplicates()
	return d, nil
}

func decodeObject(obj map[string]json.RawMessage) (Return, []submission.RowError) {
	var (
		rt   Return
		errs []submission.RowError
	)
	for k, raw := range obj {
		switch k {
		case "org", "period":
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				errs = append(errs, submission.RowError{Field: k, Reason: "must be a string"})
				continue
			}
			if k == "org" {
				rt.Org = NormaliseOrg(s)
			} else {
				rt.Period = strings.TrimSpace(s)
			}
		default:
			f, ok := fieldIndex[k]
			if !ok {
				errs = append(errs, submission.RowError{Field: k, Reason: "unknown field"})
				continue
			}
			if err := json.Unmarshal(raw, f.Of(&rt)); err != nil {
				errs = append(errs, submission.RowError{Field: k, Reason: err.Error()})
			}
		}
	}
	return rt, errs
}

// Columns of the DfE published file that the hub does not take: descriptions it keeps as
// reference data, and rates it computes itself from the counts.
var ignoredColumns = map[string]bool{
	"time_identifier": true, "country_code": true, "country_name": true, "region_code": true,
	"region_name": true, "old_la_code": true, "la_name": true,
	"turnover_rate_fte": true, "turnover_rate_headcount": true, "agency_rate_fte": true,
	"agency_rate_headcount": true, "agency_cover_rate_fte": true, "vacancy_rate_fte": true,
	"vacancy_agency_cover_rate_fte": true, "caseload_fte": true, "absence_rate_fte": true,
}

// Columns naming the organisation and period, in the hub's layout and in the DfE layout.
var (
	orgColumns    = map[string]bool{"org": true, "new_la_code": true}
	periodColumns = map[string]bool{"period": true, "time_period": true}
)

const geographicLevel = "geographic_level"

// DecodeCSV reads a CSV file with a header row, in the hub's column layout (org, period and the
// figure names) or the DfE published layout as it is (time_period, new_la_code, …; the rate
// columns are ignored). Cells may hold the DfE symbols x, c, z, u, low. Rows are numbered as a
// spreadsheet shows them: the header is row 1.
func DecodeCSV(r io.Reader) (Decoded, error) { return decodeCSV(r, 0) }

// DecodeCSVBytes is DecodeCSV for a body already in memory, sized for its rows up front.
func DecodeCSVBytes(b []byte) (Decoded, error) {
	return decodeCSV(bytes.NewReader(b), bytes.Count(b, []byte{'\n'}))
}

func decodeCSV(r io.Reader, sizeHint int) (Decoded, error) {
	var cols []column
	d := Decoded{Rows: make([]Row, 0, sizeHint)}
	rejected, err := rows.ScanCSV(r, func(header []string) (int, error) {
		var err error
		cols, err = readHeader(header)
		return len(cols), err
	}, func(row int, cells []string) {
		rt, errs := decodeRecord(cols, cells)
		d.add(row, rt, errs)
	})
	if err != nil {
		return Decoded{}, err
	}
	if len(rejected) > 0 {
		// In row order, with the rows whose cells are wrong.
		d.Rejected = append(d.Rejected, rejected...)
		slices.SortStableFunc(d.Rejected, func(a, b submission.RowError) int { return cmp.Compare(a.Row, b.Row) })
	}
	d.rejectDuplicates()
	return d, nil
}

type column struct {
	name  string
	field *Field
}

func readHeader(header []string) ([]column, error) {
	var (
		problems       []submission.RowError
		cols           = make([]column, len(header))
		seen           = map[string]bool{}
		hasOrg, hasPer bool
	)
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		cols[i].name = name
		if seen[name] {
			problems = append(problems, submission.RowError{Row: 1, Field: name, Reason: fmt.Sprintf("column %d repeats column %q", i+1, name)})
		}
		seen[name] = true
		switch {
		case orgColumns[name]:
			if hasOrg {
				problems = append(problems, submission.RowError{Row: 1, Field: name, Reason: "two columns name the organisation"})
			}
			hasOrg = true
		case periodColumns[name]:
			if hasPer {
				problems = append(problems, submission.RowError{Row: 1, Field: name, Reason: "two columns name the period"})
			}
			hasPer = true
		case name == geographicLevel || ignoredColumns[name]:
		default:
			f, ok := fieldIndex[name]
			if !ok {
				problems = append(problems, submission.RowError{Row: 1, Field: h, Reason: fmt.Sprintf("unknown column %d %q", i+1, h)})
				continue
			}
			cols[i].field = &f
		}
	}
	if !hasOrg {
		problems = append(problems, submission.RowError{Row: 1, Field: "org", Reason: "no organisation column (org or new_la_code)"})
	}
	if !hasPer {
		problems = append(problems, submission.RowError{Row: 1, Field: "period", Reason: "no period column (period or time_period)"})
	}
	if len(problems) > 0 {
		return nil, &DocumentError{Problems: problems}
	}
	return cols, nil
}

func decodeRecord(cols []column, rec []string) (Return, []submission.RowError) {
	var (
		rt   Return
		errs []submission.RowError
	)
	for i, c := range cols {
		cell := rec[i]
		switch {
		case c.field != nil:
			v, err := measure.Parse(cell)
			if err != nil {
				errs = append(errs, submission.RowError{Field: c.name, Reason: err.Error()})
				continue
			}
			*c.field.Of(&rt) = v
		case orgColumns[c.name]:
			rt.Org = NormaliseOrg(cell)
		case periodColumns[c.name]:
			rt.Period = strings.TrimSpace(cell)
		case c.name == geographicLevel:
			if lvl := strings.TrimSpace(cell); lvl != "" && !strings.EqualFold(lvl, "Local authority") {
				errs = append(errs, submission.RowError{Field: c.name, Reason: fmt.Sprintf("%q rows are not taken: the hub computes regional and national figures itself", lvl)})
			}
		}
	}
	return rt, errs
}

func (d *Decoded) add(row int, rt Return, errs []submission.RowError) {
	if len(errs) == 0 {
		d.Rows = append(d.Rows, Row{Row: row, Return: rt})
		return
	}
	for _, e := range errs {
		e.Row = row
		d.Rejected = append(d.Rejected, e)
	}
}

// rejectDuplicates refuses a second row for the same organisation and period: a submission says
// one thing about each.
func (d *Decoded) rejectDuplicates() {
	first := make(map[[2]string]int, len(d.Rows))
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

// EncodeCSV writes returns in the hub's own column layout.
func EncodeCSV(w io.Writer, returns []Return) error {
	rows := make([]Row, len(returns))
	for i := range returns {
		rows[i].Return = returns[i]
	}
	return writeCSV(w, rows, false)
}

// EncodeRows writes rows in the compact form chunks travel in between the API and ingest: CSV in
// the hub's layout with the row number first. Numbers are written exactly, so DecodeRows gives
// back the same values.
func EncodeRows(rows []Row) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(rows) * 96)
	err := writeCSV(&b, rows, true)
	return b.Bytes(), err
}

// DecodeRows reads what EncodeRows wrote.
func DecodeRows(b []byte) ([]Row, error) {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("rows header: %w", err)
	}
	if len(header) == 0 || header[0] != "row" {
		return nil, fmt.Errorf("rows header %q: the first column must be row", header)
	}
	cols, err := readHeader(header[1:])
	if err != nil {
		return nil, fmt.Errorf("rows header: %w", err)
	}
	rows := make([]Row, 0, bytes.Count(b, []byte{'\n'}))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("rows: %w", err)
		}
		n, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("rows: row number %q: %w", rec[0], err)
		}
		rt, errs := decodeRecord(cols, rec[1:])
		if len(errs) > 0 {
			return nil, fmt.Errorf("rows: row %d %s: %s", n, errs[0].Field, errs[0].Reason)
		}
		rows = append(rows, Row{Row: n, Return: rt})
	}
}

func writeCSV(w io.Writer, rows []Row, withRow bool) error {
	cw := csv.NewWriter(w)
	header := []string{"org", "period"}
	if withRow {
		header = append([]string{"row"}, header...)
	}
	for _, f := range Fields {
		header = append(header, f.Name)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for i := range rows {
		r := &rows[i]
		cells := rec
		if withRow {
			rec[0] = strconv.Itoa(r.Row)
			cells = rec[1:]
		}
		cells[0], cells[1] = r.Org, r.Period
		for j, f := range Fields {
			cells[j+2] = f.Of(&r.Return).String()
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// IsCSV tells whether a content type names CSV.
func IsCSV(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "text/csv") || strings.HasPrefix(ct, "application/csv")
}
