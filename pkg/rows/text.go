package rows

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// errNotText is the reason a JSON string is refused when Go's JSON decoder would replace part of
// it with U+FFFD: bytes that are not UTF-8, or an escaped half of a surrogate pair (\ud800).
var errNotText = errors.New("is not valid UTF-8 text (a byte that is not UTF-8, or half of a \\u surrogate pair): the hub would have to replace it")

// jsonText reads a JSON string token exactly: one that Go's decoder would change (it replaces
// what is not valid UTF-8 with U+FFFD) is refused instead.
func jsonText(v []byte) (string, error) {
	if !utf8.Valid(v) {
		return "", errNotText
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			continue
		}
		i++
		if i >= len(v) || v[i] != 'u' {
			continue // \" \\ \n …: one escaped byte
		}
		r, ok := hex4(v, i+1)
		i += 4
		switch {
		case !ok || !utf16.IsSurrogate(r):
		case r < 0xdc00 && i+6 < len(v) && v[i+1] == '\\' && v[i+2] == 'u':
			if lo, ok := hex4(v, i+3); ok && lo >= 0xdc00 && lo <= 0xdfff {
				i += 6 // a high and a low half: one character
				continue
			}
			return "", errNotText
		default:
			return "", errNotText
		}
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// hex4 reads the four hex digits of a \u escape at v[i:].
func hex4(v []byte, i int) (rune, bool) {
	if i+4 > len(v) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(v[i:i+4]), 16, 16)
	return rune(n), err == nil
}

// CarriageReturn is the reason a cell holding a carriage return is refused. The hub refuses
// such text rather than remove the carriage return (Go's CSV reader would turn a CR LF inside a
// quoted cell into a LF, and a cell's text must be stored as it was sent); no field of any kind
// needs one.
const CarriageReturn = "contains a carriage return (U+000D): the hub takes text as it is sent and refuses one rather than remove it; end lines inside a cell with a line feed alone"

// HasCarriageReturn tells whether a cell's text holds a carriage return.
func HasCarriageReturn(s string) bool { return strings.IndexByte(s, '\r') >= 0 }

// lineEnds passes a CSV body through to the CSV reader and notes which of its lines end in
// CR LF, so that a carriage return the reader drops from inside a quoted cell can be found. It
// remembers only lines from the record being read on, which the reader's buffer keeps few.
type lineEnds struct {
	r      io.Reader
	line   int   // lines ended so far
	lastCR bool  // the last byte read was a carriage return
	crlf   []int // lines (1-based) that end in CR LF, ascending
}

func (l *lineEnds) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.lastCR = b[len(b)-1] == '\r'
			break
		}
		l.line++
		if (i > 0 && b[i-1] == '\r') || (i == 0 && l.lastCR) {
			l.crlf = append(l.crlf, l.line)
		}
		l.lastCR = false
		b = b[i+1:]
	}
	return n, err
}

// anyBetween tells whether a line from `from` up to (not including) `to` ends in CR LF.
func (l *lineEnds) anyBetween(from, to int) bool {
	for _, n := range l.crlf {
		if n >= to {
			return false
		}
		if n >= from {
			return true
		}
	}
	return false
}

// forget drops what it noted of lines before line.
func (l *lineEnds) forget(line int) {
	k := 0
	for k < len(l.crlf) && l.crlf[k] < line {
		k++
	}
	l.crlf = l.crlf[k:]
}

// carriageReturn finds the first cell of the record the reader last returned that holds a
// carriage return, as sent: one still in the cell, or one the reader dropped from a CR LF
// inside a quoted cell (each line feed in a cell ends one line of the body, from the cell's
// first line on).
func carriageReturn(cr *csv.Reader, lines *lineEnds, rec []string) (int, bool) {
	if len(rec) > 0 {
		first, _ := cr.FieldPos(0)
		defer lines.forget(first)
	}
	for i, cell := range rec {
		if HasCarriageReturn(cell) {
			return i, true
		}
		if k := strings.Count(cell, "\n"); k > 0 {
			if line, _ := cr.FieldPos(i); lines.anyBetween(line, line+k) {
				return i, true
			}
		}
	}
	return 0, false
}

// RepeatedMember is a JSON object that names a member twice. Go's decoder keeps the last and
// drops the first without a word, so {"n": 12, "n": 2} would be read as n = 2; the hub refuses
// the object instead.
type RepeatedMember struct{ Name string }

func (e *RepeatedMember) Error() string {
	return fmt.Sprintf("%q is given twice: say each field once", e.Name)
}

// Object reads a JSON object into its members, refusing one that names a member twice
// (RepeatedMember). Anything but an object is an error.
func Object(raw []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	obj := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, seen := obj[name]; seen {
			return nil, &RepeatedMember{Name: name}
		}
		obj[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return obj, nil
}

// CheckText enforces the hub's rule for free text that will be shown in web pages: valid UTF-8,
// at most max characters, no markup characters < or >, no control characters other than new
// line (a line feed) and tab — a carriage return included —, no bidirectional-override
// characters (which can make text read differently from what it holds), and no =, + or @ at the
// start, after any spaces (a spreadsheet opening the CSV export would run the cell as a
// formula). Text is refused rather than altered, so what is stored is what was sent.
func CheckText(s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("is %d characters, more than %d", n, max)
	}
	if t := strings.TrimLeft(s, " \t\n"); t != "" && strings.ContainsRune("=+@", rune(t[0])) {
		return fmt.Errorf("may not start with %q: a spreadsheet would read it as a formula", t[0])
	}
	for _, r := range s {
		switch {
		case r == '<' || r == '>':
			return fmt.Errorf("may not contain %q: plain text only, no markup", r)
		case r == '\r':
			return errors.New(CarriageReturn)
		case r == '\n' || r == '\t':
		case unicode.IsControl(r):
			return fmt.Errorf("may not contain the control character U+%04X", r)
		case (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C:
			return fmt.Errorf("may not contain the bidirectional formatting character U+%04X", r)
		}
	}
	return nil
}
