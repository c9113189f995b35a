// Package measure holds a reported figure that may be unknown, and why.
//
// The Department for Education publishes symbols in place of numbers: x (unavailable),
// c (confidential), z (not applicable), u (low reliability) and low (rounds to zero but is not
// zero). The hub keeps such a symbol as the reason beside an unknown value and never turns it
// into 0, so that a metric leaves the organisation out instead of counting it as zero.
//
// # The number grammar
//
// The hub has one number grammar. Every number the hub reads from a body — a CSV cell, a JSON
// number, a figure, a count, a number of days — is read by ParseNumber (ParseCount for whole
// numbers), so that the same text means the same number everywhere and a number is never
// changed on the way in. A number is taken only when what is stored reads back as exactly the
// number written; anything else is refused with a reason that shows the value:
//
//   - an optional minus sign, digits, and optionally a point and more digits: 12, -3, 0.5, .5,
//     and 007 is 7; -0 is stored as 0;
//   - commas only as a spreadsheet groups thousands: 1,234 and 12,345.6 are taken; 12,34,
//     1.234,5, 1,2,3,4, ,5 and 0,125 (a decimal comma) are refused, never read with the comma
//     deleted;
//   - refused: a plus sign (+5), an exponent (1e5, 2E-3), hexadecimal (0x10, 0x1p4), Inf, NaN,
//     underscores (1_000), spaces inside (1 234), a trailing point (5.), and more significant
//     digits than a float64 holds exactly (0.1234567890123456789): rounding them would store
//     another number than the one written;
//   - spaces and tabs around a CSV cell are not part of it.
//
// In JSON a number must be a JSON number: a string where a number is expected ("100.5") is
// refused with ErrString, "must be a number, not a string" (for figures, the DfE symbols are
// the only strings taken). The same grammar applies to the JSON number's text, so 1e5 is
// refused in JSON as in CSV.
package measure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Reason says why a value is unknown.
type Reason string

// The reasons a value may be unknown. NotReported is the empty reason: nothing was sent.
const (
	NotReported    Reason = ""
	Unavailable    Reason = "x"
	Confidential   Reason = "c"
	NotApplicable  Reason = "z"
	LowReliability Reason = "u"
	RoundsToZero   Reason = "low"
)

// Reasons lists the DfE symbols in a stable order.
var Reasons = []Reason{Unavailable, Confidential, NotApplicable, LowReliability, RoundsToZero}

// ErrNotANumber is wrapped by every refusal of a number or a cell that is neither a number nor
// a known symbol.
var ErrNotANumber = errors.New("not a number")

// Value is a figure that is known (Known true, V set) or unknown with a Reason.
type Value struct {
	V      float64
	Known  bool
	Reason Reason
}

// Of returns a known value.
func Of(v float64) Value { return Value{V: v, Known: true} }

// Unknown returns an unknown value with its reason.
func Unknown(r Reason) Value { return Value{Reason: r} }

// Reported reports whether the value was sent at all: a number or a DfE symbol saying why not.
func (v Value) Reported() bool { return v.Known || v.Reason != NotReported }

// Ptr returns the value as a pointer, nil when unknown: the shape a Nullable column takes.
func (v Value) Ptr() *float64 {
	if !v.Known {
		return nil
	}
	x := v.V
	return &x
}

// FromPtr builds a value from a nullable number and its reason.
func FromPtr(p *float64, r Reason) Value {
	if p == nil {
		return Unknown(r)
	}
	return Of(*p)
}

// Parse reads a cell: empty is not reported, a symbol is unknown with that reason, otherwise a
// number in the hub's grammar (ParseNumber): thousands grouped as spreadsheets write them
// ("1,234.5") are taken, any other comma is refused.
func Parse(s string) (Value, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Value{}, nil
	}
	if r, ok := ParseReason(s); ok {
		return Unknown(r), nil
	}
	f, err := ParseNumber(s)
	if err != nil {
		var ne *NumberError
		if errors.As(err, &ne) && ne.Why == whyNotANumber {
			ne.Why = whyNotANumberOrSymbol
		}
		return Value{}, err
	}
	return Of(f), nil
}

// ParseReason recognises a DfE symbol, in any letter case.
func ParseReason(s string) (Reason, bool) {
	l := Reason(strings.ToLower(strings.TrimSpace(s)))
	for _, r := range Reasons {
		if l == r {
			return r, true
		}
	}
	return "", false
}

// String renders the value as a CSV cell: the number, the symbol, or empty.
func (v Value) String() string {
	if v.Known {
		return strconv.FormatFloat(v.V, 'f', -1, 64)
	}
	return string(v.Reason)
}

// MarshalJSON writes a number, a symbol string, or null. A number is written out in full, never
// with an exponent, so that the hub reads back what it writes.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Known {
		if math.IsNaN(v.V) || math.IsInf(v.V, 0) {
			return nil, fmt.Errorf("%v: %w", v.V, ErrNotANumber)
		}
		return strconv.AppendFloat(nil, v.V, 'f', -1, 64), nil
	}
	if v.Reason == NotReported {
		return []byte("null"), nil
	}
	return json.Marshal(string(v.Reason))
}

// UnmarshalJSON reads a JSON number in the hub's grammar, a symbol string, or null. Any other
// string, a number in one ("100.5") too, is refused with ErrString.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if r, ok := ParseReason(s); ok {
			*v = Unknown(r)
			return nil
		}
		return fmt.Errorf("%w: %q (the strings taken are the symbols x, c, z, u, low)", ErrString, s)
	}
	text, err := NumberJSON(b)
	if err != nil {
		return err
	}
	if text == "" {
		*v = Value{}
		return nil
	}
	f, err := ParseNumber(text)
	if err != nil {
		return err
	}
	*v = Of(f)
	return nil
}

// Schema describes a value in the OpenAPI document: a number, a DfE symbol, or null.
func (Value) Schema(huma.Registry) *huma.Schema {
	symbols := make([]any, len(Reasons))
	for i, r := range Reasons {
		symbols[i] = string(r)
	}
	return &huma.Schema{
		Description: "A number; or a DfE symbol saying why it is unknown (x unavailable, c confidential, z not applicable, u low reliability, low rounds to zero); or null when not reported",
		OneOf: []*huma.Schema{
			{Type: huma.TypeNumber},
			{Type: huma.TypeString, Enum: symbols},
			{Type: "null"},
		},
	}
}
