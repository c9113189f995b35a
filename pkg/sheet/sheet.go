// Package sheet writes the CSV files the hub gives people to open in a spreadsheet: benchmark
// tables, trends, action plans, submission error reports and open-data exports. Every CSV the
// hub writes for a person goes through Writer, so that none of them can carry a formula.
//
// A spreadsheet runs a cell that begins with =, +, - or @ (and, in some, a tab or a carriage
// return) as a formula (OWASP "CSV injection"). Writer neutralises such a text cell by putting
// an apostrophe before it, which spreadsheets show as text and do not display. A number the hub
// writes (an optional minus sign, digits and an optional decimal part: -4, 12.5) is left as it
// is, so that it stays a number in the spreadsheet. Lines end with CRLF, as spreadsheets expect.
//
// The CSV that travels between the hub's own services (package rows, the workforce wire form)
// is not for people and does not use this package: its text is carried exactly as sent.
package sheet

import (
	"encoding/csv"
	"io"
)

// Writer writes CSV records for spreadsheets.
type Writer struct {
	w   *csv.Writer
	buf []string
}

// NewWriter returns a writer on w.
func NewWriter(w io.Writer) *Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw}
}

// Write writes one record, each cell made safe with Cell. The cells passed are not changed.
func (w *Writer) Write(cells []string) error {
	w.buf = w.buf[:0]
	for _, c := range cells {
		w.buf = append(w.buf, Cell(c))
	}
	return w.w.Write(w.buf)
}

// Flush writes what is buffered and returns the first error met while writing.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Cell is s as a spreadsheet may safely read it: a text cell that begins with =, +, -, @, a tab
// or a carriage return gets an apostrophe before it; a number, and any other text, is left alone.
func Cell(s string) string {
	if s == "" || !risky(s[0]) || IsNumber(s) {
		return s
	}
	return "'" + s
}

func risky(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// IsNumber tells whether s is a number as the hub writes one: an optional minus sign, one or
// more digits, and optionally a point followed by one or more digits.
func IsNumber(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	intPart, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			intPart, frac = s[:i], s[i+1:]
			if frac == "" {
				return false
			}
			break
		}
	}
	return digits(intPart) && (frac == "" || digits(frac))
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
