package kind

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"
)

// wireLines writes records with Encode's encoder.
func wireLines(t testing.TB, records [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := wireEncoder(&b)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// readLines reads every record of a wire form with jsonLines.
func readLines(t testing.TB, b []byte) [][]string {
	t.Helper()
	next := jsonLines(b)
	var out [][]string
	for {
		var rec []string
		err := next(&rec)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read %q: %v", b, err)
		}
		out = append(out, rec)
	}
}

// TestWireLinesReadAsWritten: every cell comes back as it was written, whether its line is split
// at its quotes (no backslash) or read by encoding/json (a quote, backslash, control character,
// line separator or invalid byte somewhere in it).
func TestWireLinesReadAsWritten(t *testing.T) {
	records := [][]string{
		{"row", "org", "period", "inpost_fte"},
		{"2", "E06000001", "2025", "100.5"},
		{"3", "", "", ""},
		{"4"},
		{""},
		{"5", `a "quoted" cell`, `back\slash`, `","`},
		{"6", "line\nfeed", "carriage\rreturn", "tab\there"},
		{"7", "<b>&amp;</b>", "\u2028 and \u2029", "caf\u00e9 \U0001F600"},
		{"8", "invalid \xff byte", "nul \x00", "]["},
		{"9", `","`, `"`, `["a","b"]`},
	}
	got := readLines(t, wireLines(t, records))
	// encoding/json writes an invalid byte as U+FFFD: what it reads back is the reference.
	var want [][]string
	for _, line := range bytes.Split(bytes.TrimSpace(wireLines(t, records)), []byte("\n")) {
		var rec []string
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		want = append(want, rec)
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("read\n%q\nwant\n%q", got, want)
	}
	if got[8][1] != "invalid \uFFFD byte" || got[5][1] != `a "quoted" cell` || got[6][1] != "line\nfeed" {
		t.Fatalf("cells changed: %q", got)
	}
}

// TestWireLinesRefuseBrokenLines: a line that is no JSON array of strings is an error, not cells.
func TestWireLinesRefuseBrokenLines(t *testing.T) {
	for _, line := range []string{`["a","b"`, `["a"]x`, `["]`, `[1,2]`, `{"a":"b"}`, `["a","b"]]`} {
		next := jsonLines([]byte(line + "\n"))
		var rec []string
		if err := next(&rec); err == nil {
			t.Errorf("%s read as %q", line, rec)
		}
	}
}

// FuzzWireLines: jsonLines reads whatever Encode writes as encoding/json does.
func FuzzWireLines(f *testing.F) {
	f.Add("E06000001", "100.5", "")
	f.Add(`","`, `"`, `\`)
	f.Add("\u2028", "\xff", "\n")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		records := [][]string{{"row", a, b}, {"2", b, c}, {"3", c, a}}
		wire := wireLines(t, records)
		var want [][]string
		dec := json.NewDecoder(bytes.NewReader(wire))
		for {
			var rec []string
			if err := dec.Decode(&rec); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			want = append(want, rec)
		}
		if got := readLines(t, wire); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("read %q, want %q", got, want)
		}
	})
}
