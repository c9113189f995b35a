package measure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrString is the reason a JSON string is refused where a number is expected.
var ErrString = errors.New("must be a number, not a string")

// MaxCount is the largest count the hub takes: the largest value of the UInt32 columns counts
// are stored in, so that a count is never wrapped round on the way to ClickHouse.
const MaxCount = math.MaxUint32

// NumberError is a refused number: the text as written and why it is refused. Every NumberError
// is ErrNotANumber for errors.Is.
type NumberError struct {
	Text string
	Why  string
}

func (e *NumberError) Error() string { return fmt.Sprintf("%q %s", e.Text, e.Why) }

// Unwrap makes every NumberError an ErrNotANumber.
func (e *NumberError) Unwrap() error { return ErrNotANumber }

const (
	whyNotANumber         = "is not a number"
	whyNotANumberOrSymbol = "is not a number or one of the symbols x, c, z, u, low"
	whyComma              = "has a comma that does not group thousands: commas are taken only between groups of three digits, as in 1,234 or 12,345.6, and the decimal mark is a point"
	whyPlus               = "has a plus sign: write the number without it"
	whyExponent           = "is written with an exponent: write the number out in full"
	whyDigits             = "has more significant digits than the hub stores exactly (15 are always kept): round it"
	whyTooLarge           = "is too large"
	whyNotWhole           = "is not a whole number"
)

// ParseNumber reads a number in the hub's grammar (see the package documentation).
// Spaces and tabs around it are ignored.
func ParseNumber(s string) (float64, error) {
	t := strings.Trim(s, " \t")
	n, ok := scanNumber(t)
	if !ok {
		return 0, &NumberError{Text: t, Why: n.why}
	}
	digits := t
	if n.commas {
		digits = strings.ReplaceAll(t, ",", "")
	}
	f, err := strconv.ParseFloat(digits, 64)
	if math.IsInf(f, 0) {
		return 0, &NumberError{Text: t, Why: whyTooLarge}
	}
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, &NumberError{Text: t, Why: whyNotANumber}
	}
	if f == 0 {
		f = 0 // -0 is 0
	}
	if !n.readsBackAs(f) {
		return 0, &NumberError{Text: t, Why: whyDigits}
	}
	return f, nil
}

// ParseCount reads a whole number of zero or more, at most MaxCount, in the same grammar: 1,234
// is taken, 12.0 is 12, 12.5 and -3 are refused.
func ParseCount(s string) (int, error) {
	f, err := ParseNumber(s)
	if err != nil {
		return 0, err
	}
	t := strings.Trim(s, " \t")
	switch {
	case f != math.Trunc(f):
		return 0, &NumberError{Text: t, Why: whyNotWhole}
	case f < 0:
		return 0, &NumberError{Text: t, Why: "must be zero or more"}
	case f > MaxCount:
		return 0, &NumberError{Text: t, Why: fmt.Sprintf("is more than %d, the largest count the hub stores", uint32(MaxCount))}
	}
	return int(f), nil
}

// NumberJSON reads a JSON value where a number is expected and returns its text for ParseNumber
// or ParseCount: a JSON number's text as written, "" for null. A JSON string is refused with
// ErrString, whatever it holds; anything else (true, an object) is not a number.
func NumberJSON(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return "", nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", fmt.Errorf("%s: %w", b, ErrNotANumber)
		}
		return "", fmt.Errorf("%w: %q", ErrString, s)
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", &NumberError{Text: string(b), Why: whyNotANumber}
	}
	return n.String(), nil
}

// number is what scanNumber found in a number's text.
type number struct {
	neg        bool
	intDigits  string // digits before the point, commas included
	fracDigits string // digits after the point
	commas     bool
	why        string // the reason when the text is not a number
}

// scanNumber checks text against the grammar by hand: it is on the path of every cell of every
// upload.
func scanNumber(t string) (number, bool) {
	n := number{why: whyNotANumber}
	s := t
	switch {
	case s == "":
		return n, false
	case s[0] == '+':
		n.why = whyPlus
		if _, ok := scanNumber(s[1:]); !ok {
			n.why = whyNotANumber
		}
		return n, false
	case s[0] == '-':
		n.neg, s = true, s[1:]
	}
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == ',') {
		n.commas = n.commas || s[i] == ','
		i++
	}
	n.intDigits = s[:i]
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		n.fracDigits = s[i+1 : j]
		if j == i+1 {
			return n, false // "5." or "."
		}
		i = j
	}
	if i < len(s) {
		if (s[i] == 'e' || s[i] == 'E') && i > 0 && isDigit(s[i-1]) {
			n.why = whyExponent
		}
		if s[i] == ',' || strings.IndexByte(s[i:], ',') >= 0 {
			n.why = whyComma // a comma after the point: 1.234,5
		}
		return n, false
	}
	if n.intDigits == "" && n.fracDigits == "" {
		return n, false
	}
	if n.commas && !groupedThousands(n.intDigits) {
		n.why = whyComma
		return n, false
	}
	return n, true
}

// groupedThousands tells whether digits with commas are grouped as a spreadsheet groups
// thousands: one to three digits, not starting with 0, then groups of exactly three.
func groupedThousands(s string) bool {
	first := strings.IndexByte(s, ',')
	if first < 1 || first > 3 || s[0] == '0' {
		return false
	}
	for rest := s[first:]; rest != ""; rest = rest[4:] {
		if len(rest) < 4 || rest[0] != ',' || !isDigit(rest[1]) || !isDigit(rest[2]) || !isDigit(rest[3]) {
			return false
		}
	}
	return true
}

// readsBackAs tells whether f, written as the hub writes it, is the number written: the same
// digits once grouping commas, leading zeros of the whole part and trailing zeros of the
// fraction are left out.
func (n number) readsBackAs(f float64) bool {
	whole := strings.TrimLeft(strings.ReplaceAll(n.intDigits, ",", ""), "0")
	frac := strings.TrimRight(n.fracDigits, "0")
	if len(whole)+len(frac) <= exactDigits {
		// At most 15 digits from the first to the last non-zero one, the number between 1e-15
		// and 1e15: a float64 holds every such decimal and reads back as it (the fast path of
		// nearly every figure sent).
		return true
	}
	var buf [40]byte
	got := strconv.AppendFloat(buf[:0], f, 'f', -1, 64)
	if whole == "" {
		whole = "0"
	}
	if f < 0 {
		if len(got) == 0 || got[0] != '-' {
			return false
		}
		got = got[1:]
	}
	w, fr, _ := bytes.Cut(got, []byte{'.'})
	return string(w) == whole && string(fr) == frac
}

// exactDigits is how many decimal digits a float64 always holds (DBL_DIG): any decimal of that
// many significant digits, within the normal range, is read back as itself.
const exactDigits = 15

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
