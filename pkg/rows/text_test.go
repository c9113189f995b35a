package rows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/submission"
)

// decoded is a CSV body of columns org and note read by ScanCSV.
type decoded struct {
	Records  []map[string]string
	Rejected []submission.RowError
}

func decodeCSV(body string) (decoded, error) {
	var d decoded
	err := ScanCSV(strings.NewReader(body), func(h []string) (int, error) { return len(h), nil },
		func(row int, cells []string, problem *submission.RowError) error {
			if problem != nil {
				d.Rejected = append(d.Rejected, *problem)
				return nil
			}
			d.Records = append(d.Records, map[string]string{"org": cells[0], "note": cells[1]})
			return nil
		})
	return d, err
}

// A carriage return in a cell is refused with its row and field, never removed: Go's CSV reader
// turns a CR LF inside a quoted cell into a LF, so ScanCSV finds it from the body's line ends.
func TestCarriageReturnIsRefusedNotRemoved(t *testing.T) {
	tests := []struct {
		name, body string
		note       string // the note read, when the row is taken
		field      string // the field refused, when it is not
	}{
		{"line feed in a quoted cell", "org,note\nA,\"one\ntwo\"\n", "one\ntwo", ""},
		{"CR LF between rows", "org,note\r\nA,plain\r\n", "plain", ""},
		{"line feeds in a cell, CR LF between rows", "org,note\r\nA,\"one\ntwo\nthree\"\r\n", "one\ntwo\nthree", ""},
		{"CR LF in a quoted cell", "org,note\nA,\"one\r\ntwo\"\n", "", "note"},
		{"CR LF in the second line of a cell", "org,note\r\nA,\"one\ntwo\r\nthree\"\r\n", "", "note"},
		{"lone CR in a quoted cell", "org,note\nA,\"one\rtwo\"\n", "", "note"},
		{"lone CR in a plain cell", "org,note\nA\r,two\n", "", "org"},
		{"CR LF in the first cell", "org,note\n\"A\r\n\",two\n", "", "org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decodeCSV(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.field == "" {
				if len(d.Rejected) != 0 || len(d.Records) != 1 || d.Records[0]["note"] != tt.note {
					t.Fatalf("records %v, rejected %+v; want note %q", d.Records, d.Rejected, tt.note)
				}
				return
			}
			want := []submission.RowError{{Row: 2, Field: tt.field, Reason: CarriageReturn}}
			if len(d.Records) != 0 || fmt.Sprint(d.Rejected) != fmt.Sprint(want) {
				t.Fatalf("records %v, rejected %+v; want %+v", d.Records, d.Rejected, want)
			}
		})
	}
	t.Run("rows after a refused one are read", func(t *testing.T) {
		d, err := decodeCSV("org,note\r\nA,\"x\r\ny\"\r\nB,\"p\nq\"\r\nC,bad,cells\r\nD,\"r\r\ns\"\r\nE,ok\r\n")
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(d.Rejected)
		if len(d.Records) != 2 || d.Records[0]["note"] != "p\nq" || d.Records[1]["org"] != "E" ||
			!strings.Contains(got, "{2 note") || !strings.Contains(got, "{4  has 3 cells") || !strings.Contains(got, "{5 note") {
			t.Fatalf("records %v, rejected %s", d.Records, got)
		}
	})
	t.Run("json", func(t *testing.T) {
		if _, err := String([]byte(`"ends with CR\r"`)); err == nil || err.Error() != CarriageReturn {
			t.Errorf("a JSON string with a carriage return: %v", err)
		}
		if s, err := String([]byte(`"a\nb"`)); err != nil || s != "a\nb" {
			t.Errorf("a JSON string with a line feed: %q, %v", s, err)
		}
	})
}

// What ScanCSV remembers of line ends stays small however long a CR LF body is.
func TestLineEndsAreForgotten(t *testing.T) {
	var b strings.Builder
	b.WriteString("org,note\r\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "A%d,\"one\ntwo\"\r\n", i)
	}
	lines := &lineEnds{r: strings.NewReader(b.String())}
	most := 0
	err := scanCSV(lines, func([]string) (int, error) { return 2, nil }, func(int, []string, *submission.RowError) error {
		most = max(most, len(lines.crlf))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lines.line != 40001 || most > 2000 {
		t.Errorf("read %d lines, remembered up to %d line ends at once", lines.line, most)
	}
}

// A JSON string Go's decoder would change (it puts U+FFFD for what is not UTF-8) is refused,
// never stored changed.
func TestJSONTextIsReadExactly(t *testing.T) {
	tests := []struct {
		name, token, want string
		refused           bool
	}{
		{"plain", `"Monthly supervision"`, "Monthly supervision", false},
		{"escapes", `"a\"b\\c\nd\u00e9"`, "a\"b\\c\nd\u00e9", false},
		{"a pair of halves", `"\ud83d\ude00"`, "\U0001F600", false},
		{"an escaped backslash before u", `"\\ud800"`, `\ud800`, false},
		{"the replacement character itself", `"\ufffd"`, "\ufffd", false},
		{"a byte that is not UTF-8", "\"caf\xe9\"", "", true},
		{"a lone high half", `"\ud800"`, "", true},
		{"a lone low half", `"x\udc00y"`, "", true},
		{"a high half and no low", `"\ud800\u0041"`, "", true},
		{"a high half at the end", `"\ud83d"`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jsonText([]byte(tt.token))
			if tt.refused {
				if err == nil {
					t.Fatalf("jsonText(%s) = %q, want it refused", tt.token, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("jsonText(%s) = %q, %v; want %q", tt.token, got, err, tt.want)
			}
		})
	}
	if _, err := String([]byte(`"half \ud800 a pair"`)); err == nil {
		t.Fatal("a JSON string with half a surrogate pair was taken")
	}
}

// A JSON object that names a member twice is refused: Go's decoder would keep the second and
// drop the first without a word ({"count": 12, "count": 2} read as 2).
func TestRepeatedMembersAreRefused(t *testing.T) {
	var kept []string
	var refused []submission.RowError
	err := ScanJSON(strings.NewReader(`{"items": [{"org": "A", "item": "x", "count": 12, "count": 2}, {"org": "A", "item": "y", "\u0063ount": 1, "count": 1}, {"org": "A", "item": "z", "count": 3}]}`),
		"items", "items", func(row int, obj map[string]json.RawMessage, problem *submission.RowError) error {
			if problem != nil {
				refused = append(refused, *problem)
				return nil
			}
			kept = append(kept, string(obj["item"]))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := []submission.RowError{
		{Row: 1, Field: "count", Reason: `"count" is given twice: say each field once`},
		{Row: 2, Field: "count", Reason: `"count" is given twice: say each field once`},
	}
	if len(kept) != 1 || kept[0] != `"z"` || fmt.Sprint(refused) != fmt.Sprint(want) {
		t.Fatalf("kept %v, refused %+v; want row 3 only, rows 1 and 2 refused", kept, refused)
	}
	err = ScanJSON(strings.NewReader(`{"items": [{"org": "A", "item": "x"}], "items": [{"org": "B", "item": "y"}]}`), "items", "items",
		func(int, map[string]json.RawMessage, *submission.RowError) error { return nil })
	var de *DocumentError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("a body naming its list twice: %v, want a DocumentError", err)
	}
}
