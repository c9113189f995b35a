// Package period parses the hub's reporting periods: a reporting year "2024" (the snapshot at
// 30 September, as in the national census), a calendar quarter "2024-Q3", and an academic year
// "2024/25" (1 September to 31 August).
package period

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalid is wrapped by every parse failure.
var ErrInvalid = errors.New("invalid period")

// Earliest is the first year the hub takes figures for.
const Earliest = 2000

// Kind of period.
type Kind int

// The kinds of period.
const (
	Year Kind = iota + 1
	Quarter
	AcademicYear
)

// Period is a parsed period label.
type Period struct {
	Label string
	Kind  Kind
	Year  int       // the reporting year, the quarter's year, or the academic year's first year
	End   time.Time // the snapshot date (year), the last day (quarter, academic year)
}

// Parse reads a period label of any kind. It is on the path of every stored row, so it reads
// the label by hand rather than with a regular expression.
func Parse(s string) (Period, error) {
	y, ok := digits(s, 0, 4)
	switch {
	case ok && len(s) == 4:
		return check(Period{Label: s, Kind: Year, Year: y, End: date(y, time.September, 30)})
	case ok && len(s) == 7 && s[4:6] == "-Q" && s[6] >= '1' && s[6] <= '4':
		q := int(s[6] - '0')
		end := date(y, time.Month(3*q)+1, 1).AddDate(0, 0, -1)
		return check(Period{Label: s, Kind: Quarter, Year: y, End: end})
	case ok && len(s) == 7 && s[4] == '/':
		next, ok := digits(s, 5, 7)
		if !ok {
			break
		}
		if (y+1)%100 != next {
			return Period{}, fmt.Errorf("%q: the second year must follow the first (%d/%02d): %w", s, y, (y+1)%100, ErrInvalid)
		}
		return check(Period{Label: s, Kind: AcademicYear, Year: y, End: date(y+1, time.August, 31)})
	}
	return Period{}, fmt.Errorf("%q: expected YYYY, YYYY-Qn or YYYY/YY: %w", s, ErrInvalid)
}

// digits reads s[from:to] as a decimal number when every byte there is a digit.
func digits(s string, from, to int) (int, bool) {
	if len(s) < to {
		return 0, false
	}
	n := 0
	for i := from; i < to; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = 10*n + int(s[i]-'0')
	}
	return n, true
}

// ParseKind reads a label and requires one of the given kinds.
func ParseKind(s string, kinds ...Kind) (Period, error) {
	p, err := Parse(s)
	if err != nil {
		return p, err
	}
	for _, k := range kinds {
		if p.Kind == k {
			return p, nil
		}
	}
	return Period{}, fmt.Errorf("%q: this kind of data takes %s: %w", s, describe(kinds), ErrInvalid)
}

// YearNumber reads a year YYYY from Earliest on, not after today's year: a survey year or an
// audit cycle; what names it in the error ("survey year").
func YearNumber(s, what string, today time.Time) (int, error) {
	y, ok := digits(s, 0, 4)
	switch {
	case !ok || len(s) != 4:
		return 0, fmt.Errorf("%s %q must be a year YYYY", what, s)
	case y < Earliest:
		return 0, fmt.Errorf("%s %d is before %d", what, y, Earliest)
	case y > today.Year():
		return 0, fmt.Errorf("%s %d is in the future", what, y)
	}
	return y, nil
}

// AcademicYearLabel is the label of the academic year that begins in year: 2024 → "2024/25".
func AcademicYearLabel(year int) string { return fmt.Sprintf("%d/%02d", year, (year+1)%100) }

// NotAfter refuses a period that ends after today: figures for it cannot exist yet.
func (p Period) NotAfter(today time.Time) error {
	if p.End.After(today) {
		return fmt.Errorf("%q ends on %s, which is in the future: %w", p.Label, p.End.Format(time.DateOnly), ErrInvalid)
	}
	return nil
}

func check(p Period) (Period, error) {
	if p.Year < Earliest {
		return Period{}, fmt.Errorf("%q: periods before %d are not taken: %w", p.Label, Earliest, ErrInvalid)
	}
	return p, nil
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func describe(kinds []Kind) string {
	s := ""
	for i, k := range kinds {
		if i > 0 {
			s += " or "
		}
		s += map[Kind]string{Year: "a reporting year YYYY", Quarter: "a quarter YYYY-Qn", AcademicYear: "an academic year YYYY/YY"}[k]
	}
	return s
}
