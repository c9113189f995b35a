// Package rows walks a submission's body row by row, for every data kind: a CSV file with a header
// row, or a JSON object holding one list of objects. Package kind's Columns, which every registered
// kind reads its bodies with (service demand's format of the DfE files builds on it too), turns
// the cells of each row into the kind's typed row. It reads as it goes, so that memory does not
// grow with the body, and it says in words what is wrong with a body that cannot be read as a
// whole (not JSON, the wrong shape, a file separated by semicolons), so that one unreadable row is
// refused on its own and everything else is a DocumentError.
package rows

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/partnership-hub/hub/pkg/submission"
)

// DocumentError says the body as a whole cannot be read; nothing of such a body is stored.
type DocumentError = submission.DocumentError

var documentError = submission.DocumentProblem

// ScanCSV reads a CSV body with a header row. header checks the header row and says how many
// cells a row must have; each is given every row's cells (a slice reused from row to row), or why
// the row cannot be read (then cells is nil), numbered as a spreadsheet shows them: the header is
// row 1. A row with a carriage return in a cell is refused (see CarriageReturn), never read with
// it removed. An empty body, an unreadable header or a header without rows is a DocumentError;
// an error from header or each stops the scan and is returned as it is.
func ScanCSV(r io.Reader, header func([]string) (int, error), each func(row int, cells []string, problem *submission.RowError) error) error {
	return scanCSV(&lineEnds{r: r}, header, each)
}

func scanCSV(lines *lineEnds, header func([]string) (int, error), each func(row int, cells []string, problem *submission.RowError) error) error {
	cr := csv.NewReader(lines)
	cr.ReuseRecord = true
	first, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return documentError("", "the file is empty: it needs a header row and at least one row")
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return err
		}
		return documentError("", "header row: %v", err)
	}
	names := make([]string, len(first))
	for i, h := range first {
		names[i] = HeaderName(h)
	}
	n, err := header(first)
	if err != nil {
		return err
	}
	cr.FieldsPerRecord = n
	rows := 0
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		rows++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return err // the body could not be read to its end (too large, a broken connection)
			}
			lines.forget(pe.StartLine)
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				err = fmt.Errorf("has %d cells, the header has %d", len(rec), n)
			}
			if err := each(row, nil, &submission.RowError{Row: row, Reason: err.Error()}); err != nil {
				return err
			}
			continue
		}
		if i, ok := carriageReturn(cr, lines, rec); ok {
			if err := each(row, nil, &submission.RowError{Row: row, Field: names[i], Reason: CarriageReturn}); err != nil {
				return err
			}
			continue
		}
		if err := each(row, rec, nil); err != nil {
			return err
		}
	}
	if rows == 0 {
		return documentError("", "the file has a header but no rows")
	}
	return nil
}

// Separator names the character a header row that is not comma-separated is separated by
// (semicolons, as spreadsheets in many languages write CSV, or tabs), or "" when none: cells of
// a header read as one column each that hold such characters.
func Separator(header []string) string {
	for _, h := range header {
		switch {
		case strings.Contains(h, ";"):
			return "semicolons"
		case strings.Contains(h, "\t"):
			return "tabs"
		}
	}
	return ""
}

// SeparatorProblem is the DocumentError of a header row separated by sep (see Separator).
func SeparatorProblem(sep string, header []string) *DocumentError {
	return documentError("", "the file is separated by %s (its header reads %q): the hub takes comma-separated values; save the file as CSV with commas (in a spreadsheet: CSV UTF-8, comma delimited)",
		sep, strings.Join(header, ","))
}

// HeaderName tidies a header cell: without a byte-order mark, spaces or capitals.
func HeaderName(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}

// ScanJSON reads a JSON body of the form {"<member>": [{...}, {...}]}, one object at a time: each
// is given every element of the list with its 1-based position, as an object's members, or why
// it cannot be read (then obj is nil): it is not an object, or names a member twice (Object). A
// body of another shape is a DocumentError describing the shape expected; an error from each
// stops the scan and is returned as it is.
func ScanJSON(r io.Reader, member, what string, each func(row int, obj map[string]json.RawMessage, problem *submission.RowError) error) error {
	shape := fmt.Sprintf(`a JSON object {%q: [...]} whose %q is a list of %s, each a JSON object`, member, member, what)
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return documentError("", "the body is empty: send %s", shape)
	}
	if err != nil {
		return jsonProblem(err, shape)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return documentError("", "the body is %s: send %s", describe(tok), shape)
	}
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonProblem(err, shape)
		}
		key, _ := tok.(string)
		if key != member {
			return documentError(key, "unknown member %q: the body is %s", key, shape)
		}
		if found {
			return documentError(key, "%q is given twice: the body is %s", key, shape)
		}
		found = true
		tok, err = dec.Token()
		if err != nil {
			return jsonProblem(err, shape)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return documentError(member, "%q is %s: it must be a list of %s", member, describe(tok), what)
		}
		n := 0
		for dec.More() {
			n++
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return jsonProblem(err, shape)
			}
			var (
				obj      map[string]json.RawMessage
				problem  *submission.RowError
				repeated *RepeatedMember
			)
			if raw[0] != '{' {
				problem = &submission.RowError{Row: n, Reason: fmt.Sprintf("must be a JSON object, not %s", Describe(raw))}
			} else if o, err := Object(raw); errors.As(err, &repeated) {
				problem = &submission.RowError{Row: n, Field: repeated.Name, Reason: err.Error()}
			} else if err != nil {
				return jsonProblem(err, shape)
			} else {
				obj = o
			}
			if err := each(n, obj, problem); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return jsonProblem(err, shape)
		}
		if n == 0 {
			return documentError(member, "no rows: %q must be a list of at least one of %s", member, what)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return jsonProblem(err, shape)
	}
	if !found {
		return documentError(member, "no %q: the body is %s", member, shape)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil || isSyntax(err) {
			return documentError("", "the body has data after the JSON object: send one JSON object, %s", shape)
		}
		return err
	}
	return nil
}

// jsonProblem turns a JSON syntax error into a DocumentError saying where; any other error (the
// body could not be read) is returned as it is.
func jsonProblem(err error, shape string) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return documentError("", "the body is not valid JSON (at byte %d: %v): send %s", se.Offset, se, shape)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return documentError("", "the body ends before its JSON is complete: send %s", shape)
	}
	return err
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF)
}

// describe names the kind of a JSON token, for messages.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "a list"
		}
		return "an object"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "true or false"
	case nil:
		return "null"
	}
	return "not JSON"
}

// String reads a JSON string exactly, refusing one Go's decoder would change (bytes that are not
// UTF-8, half a surrogate pair) and one holding a carriage return (see CarriageReturn).
func String(raw json.RawMessage) (string, error) {
	s, err := jsonText(raw)
	if err != nil {
		return "", err
	}
	if HasCarriageReturn(s) {
		return "", errors.New(CarriageReturn)
	}
	return s, nil
}

// Describe names the kind of a JSON value, for messages: "a string", "a number", "a list" …
func Describe(raw json.RawMessage) string {
	switch b := bytes.TrimSpace(raw); {
	case len(b) == 0:
		return "empty"
	case b[0] == '[':
		return "a list"
	case b[0] == '{':
		return "an object"
	case b[0] == '"':
		return "a string"
	case b[0] == 't' || b[0] == 'f':
		return "true or false"
	case b[0] == 'n':
		return "null"
	}
	return "a number"
}
