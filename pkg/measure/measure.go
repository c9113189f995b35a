// Package measure holds a reported figure that may be unknown, and why.
//
// The Department for Education publishes symbols in place of numbers: x (unavailable),
// c (confidential), z (not applicable), u (low reliability) and low (rounds to zero but is not
// zero). The hub keeps such a symbol as the reason beside an unknown value and never turns it
// into 0, so that a metric leaves the organisation out instead of counting it as zero.
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

// ErrNotANumber is returned when a cell is neither a number nor a known symbol.
var ErrNotANumber = errors.New("not a number or one of the symbols x, c, z, u, low")

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
// number. Thousands separators as spreadsheets write them ("1,234.5") are accepted.
func Parse(s string) (Value, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Value{}, nil
	}
	if r, ok := ParseReason(s); ok {
		return Unknown(r), nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}, fmt.Errorf("%q: %w", s, ErrNotANumber)
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

// MarshalJSON writes a number, a symbol string, or null.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Known {
		return json.Marshal(v.V)
	}
	if v.Reason == NotReported {
		return []byte("null"), nil
	}
	return json.Marshal(string(v.Reason))
}

// UnmarshalJSON reads a number, a symbol string, or null.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*v = Value{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		r, ok := ParseReason(s)
		if !ok {
			return fmt.Errorf("%q: %w", s, ErrNotANumber)
		}
		*v = Unknown(r)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s: %w", b, ErrNotANumber)
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
