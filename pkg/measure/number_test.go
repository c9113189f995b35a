package measure

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		why  string // a word of the reason when refused
	}{
		{"12", 12, ""},
		{"-3", -3, ""},
		{"0.5", 0.5, ""},
		{".5", 0.5, ""},
		{"-.5", -0.5, ""},
		{"007", 7, ""},
		{" 12.5\t", 12.5, ""},
		{"1,234", 1234, ""},
		{"12,345.6", 12345.6, ""},
		{"1,234,567.25", 1234567.25, ""},
		{"-1,234", -1234, ""},
		{"-0", 0, ""},
		{"-0.0", 0, ""},
		{"0.30000000000000004", 0.30000000000000004, ""},
		{"9007199254740992", 9007199254740992, ""},
		// The silent changes: every comma used to be deleted.
		{"12,34", 0, "comma"},
		{"1.234,5", 0, "comma"},
		{"1,2,3,4", 0, "comma"},
		{",5", 0, "comma"},
		{"0,125", 0, "comma"},
		{"1,2345", 0, "comma"},
		{"1,234,", 0, "comma"},
		{"1234,567", 0, "comma"},
		// Forms no spreadsheet writes.
		{"0x1p4", 0, "not a number"},
		{"0x10", 0, "not a number"},
		{"1e5", 0, "exponent"},
		{"2E-3", 0, "exponent"},
		{"1.5e3", 0, "exponent"},
		{"Inf", 0, "not a number"},
		{"-Infinity", 0, "not a number"},
		{"NaN", 0, "not a number"},
		{"1_000", 0, "not a number"},
		{"+5", 0, "plus sign"},
		{"+", 0, "not a number"},
		{"5.", 0, "not a number"},
		{".", 0, "not a number"},
		{"-", 0, "not a number"},
		{"", 0, "not a number"},
		{"1 234", 0, "not a number"},
		{"--5", 0, "not a number"},
		{"−5", 0, "not a number"}, // U+2212 minus sign
		// Digits a float64 cannot hold: rounding them would store another number.
		{"9007199254740993", 0, "significant digits"},
		{"0.1234567890123456789", 0, "significant digits"},
		{"1" + strings.Repeat("0", 400), 0, "too large"},
		{"0." + strings.Repeat("0", 400) + "1", 0, "significant digits"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNumber(tt.in)
			if tt.why == "" {
				if err != nil || got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
					t.Fatalf("ParseNumber(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrNotANumber) || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("ParseNumber(%q) = %v, %v; want a refusal saying %q", tt.in, got, err, tt.why)
			}
			if shown := strings.Trim(tt.in, " \t"); !strings.Contains(err.Error(), shown) {
				t.Errorf("reason %q does not show the value %q", err, shown)
			}
		})
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want int
		why  string
	}{
		{"12", 12, ""},
		{"1,234", 1234, ""},
		{"12.0", 12, ""},
		{"0", 0, ""},
		{"-0", 0, ""},
		{"4294967295", MaxCount, ""},
		{"4294967296", 0, "more than 4294967295"},
		{"12.5", 0, "not a whole number"},
		{"-3", 0, "zero or more"},
		{"12,34", 0, "comma"},
		{"1e3", 0, "exponent"},
		{"four", 0, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCount(tt.in)
			if tt.why == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseCount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrNotANumber) || !strings.Contains(err.Error(), tt.why) || !strings.Contains(err.Error(), tt.in) {
				t.Fatalf("ParseCount(%q) = %d, %v; want a refusal showing the value and saying %q", tt.in, got, err, tt.why)
			}
		})
	}
}

func TestNumberJSON(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{`12.5`, "12.5", nil},
		{`null`, "", nil},
		{` -3 `, "-3", nil},
		{`"100.5"`, "", ErrString},
		{`"x"`, "", ErrString},
		{`true`, "", ErrNotANumber},
		{`{}`, "", ErrNotANumber},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NumberJSON([]byte(tt.in))
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("NumberJSON(%s) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
	if _, err := NumberJSON([]byte(`"100.5"`)); err == nil || err.Error() != `must be a number, not a string: "100.5"` {
		t.Errorf(`NumberJSON("100.5") reason = %v`, err)
	}
}

func TestValueJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Value
		err  string // a part of the reason when refused
	}{
		{`100.5`, Of(100.5), ""},
		{`-0`, Of(0), ""},
		{`null`, Value{}, ""},
		{`"c"`, Unknown(Confidential), ""},
		{`"LOW"`, Unknown(RoundsToZero), ""},
		{`"100.5"`, Value{}, `must be a number, not a string: "100.5"`},
		{`"seven"`, Value{}, `must be a number, not a string: "seven"`},
		{`1e5`, Value{}, "exponent"},
		{`12345678901234567890`, Value{}, "significant digits"},
		{`true`, Value{}, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v Value
			err := json.Unmarshal([]byte(tt.in), &v)
			if tt.err == "" {
				if err != nil || v != tt.want || math.Signbit(v.V) {
					t.Fatalf("unmarshal %s = %+v, %v; want %+v", tt.in, v, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("unmarshal %s = %+v, %v; want a refusal saying %q", tt.in, v, err, tt.err)
			}
		})
	}
}

// What the hub writes as JSON it reads back: a small or large figure is written out in full,
// not with an exponent the grammar refuses.
func TestValueJSONWritesNoExponent(t *testing.T) {
	for _, f := range []float64{1e-7, 1e21, 123456789012345680000, 0.1, -2.5} {
		b, err := json.Marshal(Of(f))
		if err != nil {
			t.Fatal(err)
		}
		var back Value
		if err := json.Unmarshal(b, &back); err != nil || back != Of(f) {
			t.Errorf("%v written as %s reads back as %+v, %v", f, b, back, err)
		}
	}
}
