package placement_test

import (
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Days, places and educators are read with the hub's one number grammar: taken only as the
// number written; a count too large for its UInt32 column is refused rather than wrapped round
// (4294967297 places offered used to be stored as 1).
func TestCountsKeepTheNumberWritten(t *testing.T) {
	read := map[string]func(string) (int, []submission.RowError){
		"offered": func(s string) (int, []submission.RowError) {
			r, errs := placement.CapacityFromRecord(rows.Record{Row: 3, Cells: map[string]string{"org": "E06000001", "academic_year": "2025/26", "stage": "final", "offered": s}})
			if r.Offered == nil {
				return -1, errs
			}
			return *r.Offered, errs
		},
		"stage1": func(s string) (int, []submission.RowError) {
			r, errs := placement.EducatorsFromRecord(rows.Record{Row: 3, Cells: map[string]string{"org": "E06000001", "period": "2025", "stage1": s}})
			if r.Stage1 == nil {
				return -1, errs
			}
			return *r.Stage1, errs
		},
		"planned_days": func(s string) (int, []submission.RowError) {
			rec := placement.Row{Row: 3, Placement: goodPlacement()}.Record()
			rec.Cells["planned_days"] = s
			r, errs := placement.FromRecord(rec)
			return r.PlannedDays, errs
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
				if len(errs) != 1 || errs[0].Field != field || errs[0].Row != 3 || !strings.Contains(errs[0].Reason, tt.why) {
					t.Fatalf("%s %q: errors %+v; want %s refused: %s", field, tt.in, errs, field, tt.why)
				}
			})
		}
	}
}
