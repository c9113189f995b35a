package kind

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
	"unicode/utf8"

	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Format is how a kind's rows are read from a submission's body and carried between the API and
// ingest. Columns is the one every kind uses; a kind with a layout of its own may bring another.
type Format[R any] interface {
	// ReadCSV reads a CSV body with a header row, handing each row to each in order: its number
	// (the header is row 1), its value, and why it is refused (then the value is partial).
	ReadCSV(r io.Reader, each func(row int, v R, errs []submission.RowError) error) error
	// ReadJSON reads {"<member>": [...]}, the same way; row 1 is the first element.
	ReadJSON(r io.Reader, each func(row int, v R, errs []submission.RowError) error) error
	// Encode writes rows in the wire form chunks travel in; Decode gives back exactly the same rows.
	Encode(rows []Row[R]) ([]byte, error)
	Decode(b []byte) ([]Row[R], error)
	// WriteCSV writes values as a client would send them: a header row and the rows.
	WriteCSV(w io.Writer, values []R) error
	// Member is the JSON member holding the list ("returns"); Names the CSV columns, in order.
	Member() string
	Names() []string
}

// Need says whether a CSV header must name a column (and a row must fill a count).
type Need bool

// Whether a column is needed.
const (
	Required Need = true
	Optional Need = false
)

// jsonType is what a field takes in JSON.
type jsonType int

const (
	jsonText   jsonType = iota // a string
	jsonNumber                 // a number
	jsonFigure                 // a number, or a string holding a DfE symbol
	jsonBool                   // true or false
	jsonYear                   // a number; until version 1.2.0 also a string holding it
	csvOnly                    // not taken in JSON and not carried: a check on a CSV column
)

// Field is one column of a kind: its name, whether a CSV header must name it, what it takes in
// JSON, how its text is read into a row and written back. Reading what was written gives back the
// same value, so a row survives the wire form unchanged. Make fields with Text, Count, MaybeCount,
// Figure, Flag, Check or Custom.
type Field[R any] struct {
	Name string
	Need Need
	json jsonType
	set  func(v *R, cell string) error // the error's text is the reason a row is refused
	get  func(v *R) string
}

// Text is a text column, tidied by tidy (nil keeps it as sent).
func Text[R any](name string, need Need, at func(*R) *string, tidy func(string) string) Field[R] {
	return Field[R]{Name: name, Need: need, json: jsonText,
		set: func(v *R, s string) error {
			if tidy != nil {
				s = tidy(s)
			}
			*at(v) = s
			return nil
		},
		get: func(v *R) string { return *at(v) }}
}

// Custom is a text column read by set, which tidies the text, stores it and may refuse it.
func Custom[R any](name string, need Need, set func(v *R, cell string) error, get func(v *R) string) Field[R] {
	return Field[R]{Name: name, Need: need, json: jsonText, set: set, get: get}
}

// Count is a whole number of zero or more (measure.ParseCount). An empty cell is "is missing"
// when the column is required, otherwise 0.
func Count[R any](name string, need Need, at func(*R) *int) Field[R] {
	return Field[R]{Name: name, Need: need, json: jsonNumber,
		set: func(v *R, s string) error {
			if strings.TrimSpace(s) == "" {
				if need == Required {
					return errors.New("is missing")
				}
				*at(v) = 0
				return nil
			}
			n, err := measure.ParseCount(s)
			*at(v) = n
			return err
		},
		get: func(v *R) string { return strconv.Itoa(*at(v)) }}
}

// Year is a year YYYY, as a survey year and an audit cycle are everywhere in the contract: a
// number in JSON (2026), its four digits in CSV. Version 1.0.0 took it as a JSON string ("2026");
// that is still read until version 1.2.0. Whether the year may be reported (not in the future, a
// framework covering it) is for the kind's rules.
func Year[R any](name string, need Need, at func(*R) *int) Field[R] {
	return Field[R]{Name: name, Need: need, json: jsonYear,
		set: func(v *R, s string) error {
			s = strings.TrimSpace(s)
			*at(v) = 0
			if s == "" {
				if need == Required {
					return errors.New("is missing")
				}
				return nil
			}
			y, err := strconv.Atoi(s)
			if err != nil || len(s) != 4 || y < 1000 {
				return fmt.Errorf("must be a year YYYY, got %q", s)
			}
			*at(v) = y
			return nil
		},
		get: func(v *R) string {
			if y := *at(v); y != 0 {
				return strconv.Itoa(y)
			}
			return ""
		}}
}

// MaybeCount is an optional whole number of zero or more: an empty cell is not reported (nil).
func MaybeCount[R any](name string, at func(*R) **int) Field[R] {
	return Field[R]{Name: name, json: jsonNumber,
		set: func(v *R, s string) error {
			*at(v) = nil
			if strings.TrimSpace(s) == "" {
				return nil
			}
			n, err := measure.ParseCount(s)
			if err != nil {
				return err
			}
			*at(v) = &n
			return nil
		},
		get: func(v *R) string {
			if p := *at(v); p != nil {
				return strconv.Itoa(*p)
			}
			return ""
		}}
}

// Figure is a figure that may be unknown: a number, a DfE symbol, or empty when not reported.
func Figure[R any](name string, at func(*R) *measure.Value) Field[R] {
	return Field[R]{Name: name, json: jsonFigure,
		set: func(v *R, s string) error {
			m, err := measure.Parse(s)
			*at(v) = m
			return err
		},
		get: func(v *R) string { return at(v).String() }}
}

// Flag is true or false (in CSV also yes/no, 1/0, in any letter case).
func Flag[R any](name string, need Need, at func(*R) *bool) Field[R] {
	return Field[R]{Name: name, Need: need, json: jsonBool,
		set: func(v *R, s string) error {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "yes", "1":
				*at(v) = true
			case "false", "no", "0":
				*at(v) = false
			default:
				return errors.New("must be true or false")
			}
			return nil
		},
		get: func(v *R) string { return strconv.FormatBool(*at(v)) }}
}

// Check is a CSV column that is read and checked but not kept (nor taken in JSON).
func Check[R any](name string, check func(cell string) error) Field[R] {
	return Field[R]{Name: name, json: csvOnly, set: func(_ *R, s string) error { return check(s) }}
}

// GeographicLevel is the geographic_level column of a DfE published file, read and set aside: a
// row of any level but a local authority's is refused, since the hub computes regional and
// national figures itself.
func GeographicLevel[R any]() Field[R] {
	return Check[R]("geographic_level", func(cell string) error {
		if lvl := strings.TrimSpace(cell); lvl != "" && !strings.EqualFold(lvl, "Local authority") {
			return fmt.Errorf("%q rows are not taken: the hub computes regional and national figures itself", lvl)
		}
		return nil
	})
}

// Columns is a flat layout: a CSV file with a header row naming some or all of the columns in
// any order and letter case, or a JSON list of objects with the same names.
type Columns[R any] struct {
	List   string     // the JSON member holding the list, e.g. "returns"
	Fields []Field[R] // every column, in the order the wire form writes them
	// Aliases are other names a CSV header may give a column (a published layout's), and
	// Ignored columns a CSV header may have that are read and set aside.
	Aliases map[string]string
	Ignored []string
	// What a JSON element is, in messages ("returns"); the member's name when empty.
	What string
}

// Member implements Format.
func (c *Columns[R]) Member() string { return c.List }

// Names implements Format.
func (c *Columns[R]) Names() []string {
	var out []string
	for _, f := range c.Fields {
		if f.json != csvOnly {
			out = append(out, f.Name)
		}
	}
	return out
}

func (c *Columns[R]) field(name string) (int, bool) {
	i := slices.IndexFunc(c.Fields, func(f Field[R]) bool { return f.Name == name })
	return i, i >= 0
}

// ReadCSV implements Format. A header naming a column twice, a column not of the layout, or
// missing a required one, makes the body unreadable, as does a file separated by semicolons or
// tabs.
func (c *Columns[R]) ReadCSV(r io.Reader, each func(int, R, []submission.RowError) error) error {
	var (
		cols []int // per cell, its field (-1: ignored)
		v    R     // the row being read: one value for every row, as the fields' setters take its address
	)
	return rows.ScanCSV(r, func(header []string) (int, error) {
		var err error
		cols, err = c.header(header)
		return len(header), err
	}, func(row int, cells []string, problem *submission.RowError) error {
		v = *new(R)
		if problem != nil {
			return each(row, v, []submission.RowError{*problem})
		}
		var errs []submission.RowError
		for i, f := range cols {
			if f < 0 {
				continue
			}
			fd := &c.Fields[f]
			if !utf8.ValidString(cells[i]) {
				errs = append(errs, submission.RowError{Row: row, Field: fd.Name, Reason: notUTF8})
				continue
			}
			if err := fd.set(&v, cells[i]); err != nil {
				errs = append(errs, submission.RowError{Row: row, Field: fd.Name, Reason: err.Error()})
			}
		}
		return each(row, v, errs)
	})
}

// notUTF8 is the reason a CSV cell that is not UTF-8 is refused: it could not be kept as sent.
const notUTF8 = "is not valid UTF-8 text: save the file as CSV UTF-8 (a byte that is not UTF-8 would have to be replaced)"

func (c *Columns[R]) header(header []string) ([]int, error) {
	if sep := rows.Separator(header); sep != "" && len(header) == 1 {
		return nil, rows.SeparatorProblem(sep, header)
	}
	var (
		problems []submission.RowError
		cols     = make([]int, len(header))
		seen     = map[int]int{}
	)
	for i, h := range header {
		name := rows.HeaderName(h)
		if a, ok := c.Aliases[name]; ok {
			name = a
		}
		f, ok := c.field(name)
		switch {
		case slices.Contains(c.Ignored, name):
			cols[i] = -1
			continue
		case !ok:
			reason := fmt.Sprintf("unknown column %d %q", i+1, h)
			if sep := rows.Separator([]string{h}); sep != "" {
				reason += fmt.Sprintf(" (it holds %s: the file must be comma-separated)", sep)
			}
			problems = append(problems, submission.RowError{Row: 1, Field: h, Reason: reason})
			continue
		}
		if prev, dup := seen[f]; dup {
			problems = append(problems, submission.RowError{Row: 1, Field: name,
				Reason: fmt.Sprintf("column %d %q names %s, as column %d does", i+1, h, name, prev+1)})
		}
		seen[f] = i
		cols[i] = f
	}
	for f, fd := range c.Fields {
		if _, ok := seen[f]; !ok && fd.Need == Required {
			problems = append(problems, submission.RowError{Row: 1, Field: fd.Name, Reason: c.missing(fd.Name)})
		}
	}
	if len(problems) > 0 {
		return nil, &rows.DocumentError{Problems: problems}
	}
	return cols, nil
}

func (c *Columns[R]) missing(name string) string {
	var also []string
	for a, to := range c.Aliases {
		if to == name {
			also = append(also, a)
		}
	}
	if len(also) == 0 {
		return fmt.Sprintf("no %s column", name)
	}
	slices.Sort(also)
	return fmt.Sprintf("no %s column (or %s)", name, strings.Join(also, ", "))
}

// ReadJSON implements Format. A member not of the layout, or a value of the wrong type (a
// string where a number is expected), refuses the row.
func (c *Columns[R]) ReadJSON(r io.Reader, each func(int, R, []submission.RowError) error) error {
	what := c.What
	if what == "" {
		what = c.List
	}
	var v R // the row being read: one value for every row, as the fields' setters take its address
	return rows.ScanJSON(r, c.List, what, func(row int, obj map[string]json.RawMessage, problem *submission.RowError) error {
		v = *new(R)
		if problem != nil {
			return each(row, v, []submission.RowError{*problem})
		}
		var errs []submission.RowError
		for i := range c.Fields {
			f := &c.Fields[i]
			raw, ok := obj[f.Name]
			if f.json == csvOnly {
				continue
			}
			cell := ""
			if ok {
				var err error
				if cell, err = f.json.text(raw); err != nil {
					errs = append(errs, submission.RowError{Row: row, Field: f.Name, Reason: err.Error()})
					continue
				}
			}
			if err := f.set(&v, cell); err != nil {
				errs = append(errs, submission.RowError{Row: row, Field: f.Name, Reason: err.Error()})
			}
		}
		var unknown []string
		for k := range obj {
			if i, ok := c.field(k); !ok || c.Fields[i].json == csvOnly {
				unknown = append(unknown, k)
			}
		}
		slices.Sort(unknown)
		for _, k := range unknown {
			errs = append(errs, submission.RowError{Row: row, Field: k, Reason: "unknown field"})
		}
		return each(row, v, errs)
	})
}

// text reads a JSON value as the text its field reads, refusing a value of another type: every
// kind's JSON takes numbers as numbers, never as strings (measure.ErrString), and text exactly as
// sent (rows.String).
func (t jsonType) text(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return "", nil
	}
	got := rows.Describe(raw)
	switch t {
	case jsonText:
		if got != "a string" {
			return "", fmt.Errorf("must be a string, not %s", got)
		}
		return rows.String(raw)
	case jsonBool:
		if got != "true or false" {
			return "", fmt.Errorf("must be true or false, not %s", got)
		}
		return string(raw), nil
	case jsonYear:
		if got == "a string" { // the form of version 1.0.0, read until 1.2.0
			return rows.String(raw)
		}
		return measure.NumberJSON(raw)
	case jsonFigure:
		if got == "a string" {
			s, err := rows.String(raw)
			if err != nil {
				return "", err
			}
			if _, symbol := measure.ParseReason(s); symbol {
				return s, nil
			}
			return "", fmt.Errorf("%w: %q (the strings taken are the symbols x, c, z, u, low)", measure.ErrString, s)
		}
		fallthrough
	case jsonNumber:
		return measure.NumberJSON(raw)
	}
	return "", errors.New("is not taken in JSON")
}

// Encode implements Format: one JSON array of text a line, the column names first ("row" and
// every kept column), then each row's number and cells. JSON keeps every character as it is
// (CSV would turn a carriage return and line feed inside a cell into a line feed).
func (c *Columns[R]) Encode(rs []Row[R]) ([]byte, error) {
	var b bytes.Buffer
	enc := wireEncoder(&b)
	names := c.Names()
	rec := append([]string{"row"}, names...)
	if err := enc.Encode(rec); err != nil {
		return nil, err
	}
	header := b.Len()
	for i := range rs {
		r := &rs[i]
		rec[0] = strconv.Itoa(r.Num)
		j := 1
		for _, f := range c.Fields {
			if f.json == csvOnly {
				continue
			}
			rec[j] = f.get(&r.Value)
			j++
		}
		if err := enc.Encode(rec); err != nil {
			return nil, err
		}
		if i == 0 {
			// Room for the other rows, taken as long as the first (and an eighth more), so that
			// the buffer is not copied as it grows.
			b.Grow((b.Len() - header) * (len(rs) - 1) * 9 / 8)
		}
	}
	return b.Bytes(), nil
}

// Decode implements Format. It also reads the CSV wire form of earlier releases (the row number,
// then the cells), for chunks published before an upgrade.
func (c *Columns[R]) Decode(b []byte) ([]Row[R], error) {
	var (
		header []string
		next   func(rec *[]string) error
	)
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '[' {
		cr := csv.NewReader(bytes.NewReader(b))
		next = func(rec *[]string) error {
			r, err := cr.Read()
			*rec = r
			return err
		}
	} else {
		next = jsonLines(b)
	}
	if err := next(&header); err != nil {
		return nil, fmt.Errorf("rows header: %w", err)
	}
	if len(header) == 0 || header[0] != "row" {
		return nil, fmt.Errorf("rows header %q: the first column must be row", header)
	}
	cols := make([]int, len(header)-1)
	for i, h := range header[1:] {
		f, ok := c.field(h)
		if !ok || c.Fields[f].json == csvOnly {
			return nil, fmt.Errorf("rows header: unknown column %q", h)
		}
		cols[i] = f
	}
	out := make([]Row[R], 0, bytes.Count(b, []byte{'\n'}))
	rec := make([]string, 0, len(header))
	for {
		if err := next(&rec); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("rows: %w", err)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("rows: %d cells, the header has %d", len(rec), len(header))
		}
		n, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("rows: row number %q: %w", rec[0], err)
		}
		r := Row[R]{Num: n}
		for i, f := range cols {
			if err := c.Fields[f].set(&r.Value, rec[i+1]); err != nil {
				return nil, fmt.Errorf("rows: row %d %s: %w", n, c.Fields[f].Name, err)
			}
		}
		out = append(out, r)
	}
}

// wireEncoder writes Encode's lines: a JSON array of strings each, HTML left as it is (jsonLines
// relies on every quote, control character and invalid byte being escaped with a backslash).
func wireEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// jsonLines reads Encode's lines, a JSON array of strings each, in turn (io.EOF after the
// last). A line without a backslash, as nearly all are, is split at its quotes: Encode escapes
// every quote, control character and invalid byte of a cell, each with a backslash, so such a
// line's cells are the text between its quotes as they are. Any other line is read by
// encoding/json.
func jsonLines(b []byte) func(rec *[]string) error {
	text := string(b) // one copy: the cells are slices of it
	return func(rec *[]string) error {
		*rec = (*rec)[:0]
		for len(text) > 0 && (text[0] == '\n' || text[0] == ' ' || text[0] == '\t' || text[0] == '\r') {
			text = text[1:]
		}
		if text == "" {
			return io.EOF
		}
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		if cells, ok := plainCells(line, *rec); ok {
			*rec = cells
			return nil
		}
		return json.Unmarshal([]byte(line), rec)
	}
}

// plainCells splits a line ["a","b",…] without a backslash into its cells, appended to cells;
// false if the line is not one.
func plainCells(line string, cells []string) ([]string, bool) {
	if strings.IndexByte(line, '\\') >= 0 || !strings.HasPrefix(line, `["`) || !strings.HasSuffix(line, `"]`) || len(line) < 4 {
		return cells, false
	}
	inner := line[2 : len(line)-2] // a","b","c
	for {
		i := strings.IndexByte(inner, '"')
		if i < 0 {
			return append(cells, inner), true
		}
		if !strings.HasPrefix(inner[i:], `","`) {
			return cells, false
		}
		cells = append(cells, inner[:i])
		inner = inner[i+3:]
	}
}

// WriteCSV implements Format: a header row with every kept column, then the rows.
func (c *Columns[R]) WriteCSV(w io.Writer, values []R) error {
	cw := csv.NewWriter(w)
	names := c.Names()
	if err := cw.Write(names); err != nil {
		return err
	}
	rec := make([]string, len(names))
	for i := range values {
		j := 0
		for _, f := range c.Fields {
			if f.json == csvOnly {
				continue
			}
			rec[j] = f.get(&values[i])
			j++
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
