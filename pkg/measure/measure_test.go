package measure

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Value
		err  bool
	}{
		{"", Value{}, false},
		{"12.5", Of(12.5), false},
		{" 1,234.5 ", Of(1234.5), false},
		{"0", Of(0), false},
		{"-0", Of(0), false},
		{"x", Unknown(Unavailable), false},
		{"LOW", Unknown(RoundsToZero), false},
		{"z", Unknown(NotApplicable), false},
		{"abc", Value{}, true},
		{"NaN", Value{}, true},
		// Every comma used to be deleted before reading the number.
		{"12,34", Value{}, true},
		{"1.234,5", Value{}, true},
		{"1,2,3,4", Value{}, true},
		{",5", Value{}, true},
		{"0x1p4", Value{}, true},
		{"1e3", Value{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.err {
				if !errors.Is(err, ErrNotANumber) {
					t.Fatalf("Parse(%q) error = %v, want ErrNotANumber", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want || math.Signbit(got.V) {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, v := range []Value{Of(3.5), Unknown(Confidential), {}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back Value
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back != v {
			t.Errorf("round trip of %+v via %s gave %+v", v, b, back)
		}
	}
	var v Value
	if err := json.Unmarshal([]byte(`"seven"`), &v); !errors.Is(err, ErrString) {
		t.Errorf(`unmarshal "seven": error = %v, want ErrString`, err)
	}
	if err := json.Unmarshal([]byte(`true`), &v); !errors.Is(err, ErrNotANumber) {
		t.Errorf(`unmarshal true: error = %v, want ErrNotANumber`, err)
	}
}
