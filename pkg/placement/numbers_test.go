package placement_test

import (
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Days, places and educators are read with the hub's one number grammar: taken only as the
// number written; a count too large for its UInt32 column is refused rather than wrapped round
// (4294967297 places offered used to be stored as 1).
func TestCountsKeepTheNumberWritten(t *testing.T) {
	// each reads one CSV row whose field is s and returns the field read, or -1, and the errors.
	read := map[string]func(string) (int, []submission.RowError){
		"offered": func(s string) (int, []submission.RowError) {
			d := readOne(t, placement.CapacityKind, "org,academic_year,stage,offered\nE06000001,2025/26,final,\""+s+"\"\n")
			if len(d.Rows) == 0 || d.Rows[0].Value.Offered == nil {
				return -1, d.Rejected
			}
			return *d.Rows[0].Value.Offered, d.Rejected
		},
		"stage1": func(s string) (int, []submission.RowError) {
			d := readOne(t, placement.EducatorsKind, "org,period,stage1\nE06000001,2025,\""+s+"\"\n")
			if len(d.Rows) == 0 || d.Rows[0].Value.Stage1 == nil {
				return -1, d.Rejected
			}
			return *d.Rows[0].Value.Stage1, d.Rejected
		},
		"planned_days": func(s string) (int, []submission.RowError) {
			var b strings.Builder
			if err := placement.Kind.Format.WriteCSV(&b, []placement.Placement{goodPlacement()}); err != nil {
				t.Fatal(err)
			}
			body := strings.Replace(b.String(), ",100,100,", ",\""+s+"\",100,", 1)
			d := readOne(t, placement.Kind, body)
			if len(d.Rows) == 0 {
				return -1, d.Rejected
			}
			return d.Rows[0].Value.PlannedDays, d.Rejected
		},
	}
	tests := []struct {
		in   string
		want int
		why  string
	}{
		{"100", 100, ""},
		{"1,000", 1000, ""},
		{"100.0", 100, ""},
		{"1,00", 0, `"1,00" has a comma`},
		{",5", 0, `",5" has a comma`},
		{"+100", 0, `"+100" has a plus sign`},
		{"0x64", 0, `"0x64" is not a number`},
		{"1e2", 0, `"1e2" is written with an exponent`},
		{"-1", 0, `"-1" must be zero or more`},
		{"4294967297", 0, `"4294967297" is more than 4294967295`},
	}
	for field, readField := range read {
		for _, tt := range tests {
			t.Run(field+"/"+tt.in, func(t *testing.T) {
				got, errs := readField(tt.in)
				if tt.why == "" {
					if len(errs) != 0 || got != tt.want {
						t.Fatalf("%s %q read as %d, %v; want %d", field, tt.in, got, errs, tt.want)
					}
					return
				}
				if len(errs) != 1 || errs[0].Field != field || errs[0].Row != 2 || !strings.Contains(errs[0].Reason, tt.why) {
					t.Fatalf("%s %q: errors %+v; want %s refused: %s", field, tt.in, errs, field, tt.why)
				}
			})
		}
	}
}

// readOne reads a CSV body of one row as kind k.
func readOne[R any](t *testing.T, k *kind.Kind[R], body string) kind.Decoded[R] {
	t.Helper()
	d, err := k.ReadAll(kind.Body{R: strings.NewReader(body), CSV: true})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
