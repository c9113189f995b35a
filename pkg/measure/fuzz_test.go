package measure

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// wellFormed is the number grammar written a second way, as a regular expression, for the fuzz
// tests to check the hand-written scanner against.
var wellFormed = regexp.MustCompile(`^-?(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)?$`)

// exactly tells whether two decimal texts are the same number, by exact rational arithmetic.
func exactly(t *testing.T, a, b string) bool {
	t.Helper()
	x, ok := new(big.Rat).SetString(a)
	if !ok {
		t.Fatalf("big.Rat cannot read %q", a)
	}
	y, ok := new(big.Rat).SetString(b)
	if !ok {
		t.Fatalf("big.Rat cannot read %q", b)
	}
	return x.Cmp(y) == 0
}

var numberSeeds = []string{
	"12", "-3", "0.5", ".5", "007", "1,234", "12,345.6", "-0", "12,34", "1.234,5", "1,2,3,4", ",5",
	"0,125", "0x1p4", "1e5", "Inf", "NaN", "1_000", "+5", "5.", "9007199254740993",
	"0.30000000000000004", "0.1234567890123456789", " 42 ", "1,234,567.890", "１２", "1\u00a0234",
}

// Whatever ParseNumber takes reads back as exactly the number written: the value, written as
// the hub writes it, is the same rational number as the text with its grouping commas left out.
// Whatever it refuses is either outside the grammar or a number a float64 cannot hold exactly,
// and the reason shows the value.
func FuzzParseNumber(f *testing.F) {
	for _, s := range numberSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseNumber(s)
		text := strings.Trim(s, " \t")
		formed := wellFormed.MatchString(text) && strings.ContainsAny(text, "0123456789")
		if err != nil {
			if !errors.Is(err, ErrNotANumber) || !strings.Contains(err.Error(), strconv.Quote(text)) {
				t.Fatalf("ParseNumber(%q): reason %q is not ErrNotANumber showing the value", s, err)
			}
			if formed {
				// Well formed, so refused only for what a float64 cannot hold.
				g, perr := strconv.ParseFloat(strings.ReplaceAll(text, ",", ""), 64)
				if perr == nil && exactly(t, strings.ReplaceAll(text, ",", ""), strconv.FormatFloat(g, 'f', -1, 64)) {
					t.Fatalf("ParseNumber(%q) refused a number it could hold exactly: %v", s, err)
				}
			}
			return
		}
		if !formed {
			t.Fatalf("ParseNumber(%q) = %v, but the text is outside the grammar", s, v)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || (v == 0 && math.Signbit(v)) {
			t.Fatalf("ParseNumber(%q) = %v", s, v)
		}
		written := strconv.FormatFloat(v, 'f', -1, 64)
		if !exactly(t, strings.ReplaceAll(text, ",", ""), written) {
			t.Fatalf("ParseNumber(%q) = %s: not the number written", s, written)
		}
		// What the hub writes, it reads back unchanged (the wire form between API and ingest).
		if back, err := ParseNumber(written); err != nil || back != v {
			t.Fatalf("ParseNumber(%q) = %v, %v; written as %s it was %v", s, v, err, written, back)
		}
		if n, err := ParseCount(s); err == nil && float64(n) != v {
			t.Fatalf("ParseCount(%q) = %d, ParseNumber = %v", s, n, v)
		}
	})
}

// A figure in JSON is a JSON number in the same grammar, a DfE symbol or null: a number taken
// reads back as exactly the number written, and writing the value and reading it again gives the
// same value; a string that is not a symbol is refused as a string.
func FuzzValueJSON(f *testing.F) {
	for _, s := range []string{`12.5`, `-0`, `null`, `"c"`, `"100.5"`, `1e5`, `1E-7`, `12345678901234567890`, `true`, `[1]`, `0.1`, `"x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v Value
		err := json.Unmarshal(b, &v)
		if err != nil {
			var s string
			if json.Unmarshal(b, &s) == nil {
				if _, symbol := ParseReason(s); !symbol && !errors.Is(err, ErrString) {
					t.Fatalf("unmarshal %s: a string refused with %v, not ErrString", b, err)
				}
			}
			return
		}
		if v.Known {
			var n json.Number
			if json.Unmarshal(b, &n) != nil {
				t.Fatalf("unmarshal %s = %+v, but it is not a JSON number", b, v)
			}
			if !exactly(t, n.String(), strconv.FormatFloat(v.V, 'f', -1, 64)) || strings.ContainsAny(n.String(), "eE") {
				t.Fatalf("unmarshal %s = %v: not the number written", b, v.V)
			}
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %+v: %v", v, err)
		}
		var back Value
		if err := json.Unmarshal(out, &back); err != nil || back != v {
			t.Fatalf("%s read as %+v, written as %s, read back as %+v (%v)", b, v, out, back, err)
		}
	})
}
