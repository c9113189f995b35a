// Package rows reads the flat submissions of the hub's simpler data kinds (survey results, audit
// submissions): a JSON list of objects or a CSV file with a header row, read row by row into
// cells of text, so that one unreadable row is refused on its own. Each kind then turns the cells
// into its own typed rows. It also carries the rows between the API and ingest in a compact CSV
// form with the row number first.
package rows

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/partnership-hub/hub/pkg/submission"
)

// DocumentError says the body as a whole cannot be read; nothing of such a body is stored.
type DocumentError = submission.DocumentError

var documentError = submission.DocumentProblem

// Record is one row: its number (the spreadsheet row for CSV, the header being row 1; the
// 1-based position for JSON) and its cells by column name. A missing or null value is "".
type Record struct {
	Row   int
	Cells map[string]string
}

// Decoded is a body read row by row: the rows that could be read, and for each row that could
// not, which field and why.
type Decoded struct {
	Records  []Record
	Rejected []submission.RowError
}

// Layout names a kind's columns and which of them must be in a CSV header.
type Layout struct {
	Key      string   // the JSON member holding the list, e.g. "results"
	Columns  []string // every column, in the order the wire form writes them
	Required []string // columns a CSV header must have
}

// DecodeJSON reads {"<key>": [...]}. A row with an unknown field, or a value that is not a
// string, number, boolean or null, is refused on its own.
func (l Layout) DecodeJSON(r io.Reader) (Decoded, error) {
	var raw json.RawMessage
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		return Decoded{}, documentError("", "body is not a JSON object of the form {%q: [...]}", l.Key)
	}
	body, err := Object(raw)
	var repeated *RepeatedMember
	if errors.As(err, &repeated) {
		return Decoded{}, documentError(repeated.Name, "the body %v", err)
	}
	if err != nil {
		return Decoded{}, documentError("", "body is not a JSON object of the form {%q: [...]}", l.Key)
	}
	if dec.More() {
		return Decoded{}, documentError("", "body has data after the JSON object")
	}
	for k := range body {
		if k != l.Key {
			return Decoded{}, documentError(k, "unknown member %q: the body is {%q: [...]}", k, l.Key)
		}
	}
	var list []json.RawMessage
	if err := json.Unmarshal(body[l.Key], &list); err != nil || len(list) == 0 {
		return Decoded{}, documentError(l.Key, "no rows: %q must be a list of at least one object", l.Key)
	}
	var d Decoded
	for i, raw := range list {
		row := i + 1
		obj, err := Object(raw)
		if errors.As(err, &repeated) {
			d.Rejected = append(d.Rejected, submission.RowError{Row: row, Field: repeated.Name, Reason: err.Error()})
			continue
		}
		if err != nil {
			d.Rejected = append(d.Rejected, submission.RowError{Row: row, Reason: "a row must be a JSON object"})
			continue
		}
		rec := Record{Row: row, Cells: make(map[string]string, len(obj))}
		var errs []submission.RowError
		for k, v := range obj {
			if !slices.Contains(l.Columns, k) {
				errs = append(errs, submission.RowError{Row: row, Field: k, Reason: "unknown field"})
				continue
			}
			s, err := scalar(v)
			if err != nil {
				errs = append(errs, submission.RowError{Row: row, Field: k, Reason: err.Error()})
				continue
			}
			if HasCarriageReturn(s) {
				errs = append(errs, submission.RowError{Row: row, Field: k, Reason: CarriageReturn})
				continue
			}
			rec.Cells[k] = s
		}
		if len(errs) > 0 {
			d.Rejected = append(d.Rejected, errs...)
			continue
		}
		d.Records = append(d.Records, rec)
	}
	return d, nil
}

// scalar reads a JSON string, number, boolean or null as text.
func scalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	switch {
	case bytes.Equal(v, []byte("null")):
		return "", nil
	case bytes.Equal(v, []byte("true")), bytes.Equal(v, []byte("false")):
		return string(v), nil
	case len(v) > 0 && v[0] == '"':
		return jsonText(v)
	case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", errors.New("must be a string, a number, true, false or null")
}

// DecodeCSV reads a CSV file with a header row naming some or all of the columns (in any order,
// case-insensitive). Rows are numbered as a spreadsheet shows them: the header is row 1.
func (l Layout) DecodeCSV(b []byte) (Decoded, error) {
	var (
		cols []string
		d    Decoded
	)
	rejected, err := ScanCSV(bytes.NewReader(b), func(header []string) (int, error) {
		var err error
		cols, err = l.readHeader(header)
		return len(cols), err
	}, func(row int, cells []string) {
		r := Record{Row: row, Cells: make(map[string]string, len(cols))}
		for i, c := range cols {
			r.Cells[c] = cells[i]
		}
		d.Records = append(d.Records, r)
	})
	d.Rejected = rejected
	return d, err
}

// ScanCSV reads a CSV body with a header row. header checks the header row and says how many
// cells a row must have; each is given every readable row's cells (a slice reused from row to
// row), numbered as a spreadsheet shows them: the header is row 1. A row that cannot be read, or
// has the wrong number of cells, is among the rejected. An empty body, an unreadable header or
// a header without rows is a DocumentError. A row with a carriage return in a cell is refused
// (see CarriageReturn), never read with it removed.
func ScanCSV(r io.Reader, header func([]string) (int, error), each func(row int, cells []string)) ([]submission.RowError, error) {
	return scanCSV(&lineEnds{r: r}, header, each)
}

func scanCSV(lines *lineEnds, header func([]string) (int, error), each func(row int, cells []string)) ([]submission.RowError, error) {
	cr := csv.NewReader(lines)
	cr.ReuseRecord = true
	first, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, documentError("", "the file is empty: it needs a header row and at least one row")
	}
	if err != nil {
		return nil, documentError("", "header row: %v", err)
	}
	names := make([]string, len(first))
	for i, h := range first {
		names[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	}
	n, err := header(first)
	if err != nil {
		return nil, err
	}
	cr.FieldsPerRecord = n
	var rejected []submission.RowError
	rows := 0
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		rows++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				lines.forget(pe.StartLine)
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					err = fmt.Errorf("has %d cells, the header has %d", len(rec), n)
				}
			}
			rejected = append(rejected, submission.RowError{Row: row, Reason: err.Error()})
			continue
		}
		if i, ok := carriageReturn(cr, lines, rec); ok {
			rejected = append(rejected, submission.RowError{Row: row, Field: names[i], Reason: CarriageReturn})
			continue
		}
		each(row, rec)
	}
	if rows == 0 {
		return nil, documentError("", "the file has a header but no rows")
	}
	return rejected, nil
}

func (l Layout) readHeader(header []string) ([]string, error) {
	var problems []submission.RowError
	cols := make([]string, len(header))
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !slices.Contains(l.Columns, name):
			problems = append(problems, submission.RowError{Row: 1, Field: h, Reason: fmt.Sprintf("unknown column %d %q", i+1, h)})
		case slices.Contains(cols[:i], name):
			problems = append(problems, submission.RowError{Row: 1, Field: name, Reason: fmt.Sprintf("column %d repeats column %q", i+1, name)})
		}
		cols[i] = name
	}
	for _, r := range l.Required {
		if !slices.Contains(cols, r) {
			problems = append(problems, submission.RowError{Row: 1, Field: r, Reason: fmt.Sprintf("no %s column", r)})
		}
	}
	if len(problems) > 0 {
		return nil, &DocumentError{Problems: problems}
	}
	return cols, nil
}

// Encode writes records in the wire form: CSV with the row number and then every column.
func (l Layout) Encode(recs []Record) ([]byte, error) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	if err := cw.Write(append([]string{"row"}, l.Columns...)); err != nil {
		return nil, err
	}
	rec := make([]string, len(l.Columns)+1)
	for _, r := range recs {
		rec[0] = strconv.Itoa(r.Row)
		for i, c := range l.Columns {
			rec[i+1] = r.Cells[c]
		}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return b.Bytes(), cw.Error()
}

// Decode reads what Encode wrote.
func (l Layout) Decode(b []byte) ([]Record, error) {
	cr := csv.NewReader(bytes.NewReader(b))
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("rows header: %w", err)
	}
	if len(header) == 0 || header[0] != "row" {
		return nil, fmt.Errorf("rows header %q: the first column must be row", header)
	}
	var out []Record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("rows: %w", err)
		}
		n, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("rows: row number %q: %w", rec[0], err)
		}
		r := Record{Row: n, Cells: make(map[string]string, len(header)-1)}
		for i, c := range header[1:] {
			r.Cells[c] = rec[i+1]
		}
		out = append(out, r)
	}
}

// Normalise tidies every record with fn, which may refuse it instead, and then refuses a second
// record with the same key (a submission says one thing about each thing it names).
func (d *Decoded) Normalise(fn func(Record) (Record, []submission.RowError), key func(Record) string) {
	first := map[string]int{}
	kept := d.Records[:0]
	for _, r := range d.Records {
		r, errs := fn(r)
		if len(errs) > 0 {
			d.Rejected = append(d.Rejected, errs...)
			continue
		}
		k := key(r)
		if prev, ok := first[k]; ok {
			d.Rejected = append(d.Rejected, submission.RowError{Row: r.Row, Reason: fmt.Sprintf("repeats row %d: %s", prev, k)})
			continue
		}
		first[k] = r.Row
		kept = append(kept, r)
	}
	d.Records = kept
}
