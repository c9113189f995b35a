package workforce_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

var today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestDecodeCSVOwnLayout(t *testing.T) {
	in := "org,period,inpost_fte,vacancy_fte,cases\n" +
		"E06000001,2025,100.5,12,1500\n" + // row 2: good
		"E06000001,2024,abc,x,\n" + // row 3: bad number
		"E06000001,2023,90,c,z\n" + // row 4: symbols kept
		"E06000001,2025,1,1,1\n" + // row 5: repeats row 2
		"E06000001,2022,1\n" // row 6: too few cells
	d, err := readCSV(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 2 || d.Rows[0].Num != 2 || d.Rows[1].Num != 4 {
		t.Fatalf("rows = %+v, want rows 2 and 4", d.Rows)
	}
	if got := d.Rows[1].Value.VacancyFTE; got != measure.Unknown(measure.Confidential) {
		t.Errorf("row 4 vacancy = %+v, want unknown with reason c", got)
	}
	if got := d.Rows[0].Value.InpostFTE; got != measure.Of(100.5) {
		t.Errorf("row 2 inpost = %+v, want 100.5", got)
	}
	want := map[int]string{3: "inpost_fte", 5: "", 6: ""}
	if len(d.Rejected) != len(want) {
		t.Fatalf("rejected = %+v, want rows 3, 5, 6", d.Rejected)
	}
	for _, e := range d.Rejected {
		field, ok := want[e.Row]
		if !ok || field != e.Field || e.Reason == "" {
			t.Errorf("unexpected rejection %+v", e)
		}
	}
}

func TestDecodeDocumentErrors(t *testing.T) {
	tests := map[string]string{
		"unknown column": "org,period,inpost_ftee\nE06000001,2025,1\n",
		"no org column":  "period,inpost_fte\n2025,1\n",
		"empty":          "",
		"header only":    "org,period,inpost_fte\n",
		"repeat column":  "org,period,cases,cases\nE06000001,2025,1,1\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := readCSV(in)
			var de *submission.DocumentError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("DecodeCSV error = %v, want a DocumentError", err)
			}
		})
	}
	for name, in := range map[string]string{
		"not json":    "{returns: [",
		"no returns":  `{"returns": []}`,
		"wrong shape": `[{"org": "E06000001"}]`,
		"extra key":   `{"returns": [{"org":"E06000001","period":"2025","cases":1}], "org": "E06000002"}`,
	} {
		t.Run("json "+name, func(t *testing.T) {
			_, err := readJSON(in)
			var de *submission.DocumentError
			if !errors.As(err, &de) {
				t.Fatalf("DecodeJSON error = %v, want a DocumentError", err)
			}
		})
	}
}

func readCSV(in string) (kind.Decoded[workforce.Return], error) {
	return workforce.Kind.ReadAll(kind.Body{R: strings.NewReader(in), CSV: true})
}

func readJSON(in string) (kind.Decoded[workforce.Return], error) {
	return workforce.Kind.ReadAll(kind.Body{R: strings.NewReader(in)})
}

func TestDecodeJSONPerRow(t *testing.T) {
	in := `{"returns": [
		{"org": "e06000001", "period": "2025", "inpost_fte": 10, "vacancy_fte": "x"},
		{"org": "E06000001", "period": "2024", "inpost_fte": "ten"},
		{"org": "E06000001", "period": "2023", "name": "A Person"},
		"not an object",
		{"org": 7, "period": "2022"}
	]}`
	d, err := readJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 1 || d.Rows[0].Value.Org != "E06000001" || d.Rows[0].Value.VacancyFTE.Reason != measure.Unavailable {
		t.Fatalf("rows = %+v", d.Rows)
	}
	fields := map[int]string{}
	for _, e := range d.Rejected {
		fields[e.Row] = e.Field
	}
	want := map[int]string{2: "inpost_fte", 3: "name", 4: "", 5: "org"}
	for row, f := range want {
		if got, ok := fields[row]; !ok || got != f {
			t.Errorf("row %d: rejected field = %q (present %v), want %q", row, got, ok, f)
		}
	}
}

func TestValidate(t *testing.T) {
	good := workforce.Return{Org: "E06000001", Period: "2025", InpostFTE: measure.Of(100), InpostHeadcount: measure.Of(104),
		AgencyFTE: measure.Of(10), CaseHoldersFTE: measure.Of(105), Cases: measure.Of(1600), WorkingDaysLostFTE: measure.Of(900),
		LeaversFTE: measure.Of(12), LeaversUnder5YearsFTE: measure.Of(6)}
	tests := []struct {
		name   string
		change func(r *workforce.Return)
		field  string
		warn   bool
	}{
		{"good", func(r *workforce.Return) {}, "", false},
		{"negative", func(r *workforce.Return) { r.VacancyFTE = measure.Of(-1) }, "vacancy_fte", false},
		{"fractional cases", func(r *workforce.Return) { r.Cases = measure.Of(10.5) }, "cases", false},
		{"future period", func(r *workforce.Return) { r.Period = "2027" }, "period", false},
		{"academic year", func(r *workforce.Return) { r.Period = "2024/25" }, "period", false},
		{"no org", func(r *workforce.Return) { r.Org = "" }, "org", false},
		{"case holders", func(r *workforce.Return) { r.CaseHoldersFTE = measure.Of(111) }, "case_holders_fte", false},
		{"days lost", func(r *workforce.Return) { r.WorkingDaysLostFTE = measure.Of(100*253 + 1) }, "working_days_lost_fte", false},
		{"early leavers", func(r *workforce.Return) { r.LeaversUnder5YearsFTE = measure.Of(13) }, "leavers_under_5_years_fte", false},
		{"fte above headcount", func(r *workforce.Return) { r.InpostHeadcount = measure.Of(90) }, "inpost_fte", true},
		{"case holders with agency unknown", func(r *workforce.Return) { r.AgencyFTE = measure.Unknown(measure.Unavailable) }, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.change(&r)
			errs, warns := workforce.Validate(r, today)
			got := errs
			if tt.warn {
				got = warns
				if len(errs) > 0 {
					t.Fatalf("errors %+v, want none", errs)
				}
			}
			if tt.field == "" && tt.name != "no figures" {
				if len(errs)+len(warns) != 0 {
					t.Fatalf("errors %+v warnings %+v, want none", errs, warns)
				}
				return
			}
			if len(got) != 1 || got[0].Field != tt.field {
				t.Fatalf("got %+v, want one on %s", got, tt.field)
			}
		})
	}
	if errs, _ := workforce.Validate(workforce.Return{Org: "E06000001", Period: "2025"}, today); len(errs) != 1 {
		t.Errorf("a return with no figures: errors %+v, want one", errs)
	}
}

// The real DfE file decodes as it is published, and only rows the published statistics
// themselves flag are warned about; none is refused.
func TestDfEFile(t *testing.T) {
	f, err := reference.DfEWorkforce()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := workforce.Kind.ReadAll(kind.Body{R: f, CSV: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rejected) != 0 || len(d.Rows) != 1355 {
		t.Fatalf("rows %d, rejected %+v; want 1355 rows, none rejected", len(d.Rows), d.Rejected)
	}
	var symbols, warnings int
	var errs []submission.RowError
	for _, r := range d.Rows {
		e, w := workforce.Validate(r.Value, today)
		errs = append(errs, e...)
		warnings += len(w)
		for _, f := range workforce.Fields {
			if v := f.Of(&r.Value); !v.Known && v.Reason != measure.NotReported {
				symbols++
			}
		}
	}
	if len(errs) != 0 {
		t.Errorf("validation errors on published data: %+v", errs)
	}
	if symbols == 0 || warnings == 0 {
		t.Errorf("symbols kept = %d, warnings = %d; want both above zero", symbols, warnings)
	}
	if r := d.Rows[0].Value; r.Org != "E06000047" || r.Period != "2025" || r.InpostFTE != measure.Of(403.7) {
		t.Errorf("first row = %+v", r)
	}
}
