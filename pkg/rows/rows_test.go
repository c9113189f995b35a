package rows_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

func TestScanJSON(t *testing.T) {
	var got []string
	err := rows.ScanJSON(strings.NewReader(`{"items": [{"org": "A"}, "not an object", {"org": "B", "n": 3}]}`), "items", "items",
		func(row int, obj map[string]json.RawMessage, problem *submission.RowError) error {
			switch {
			case problem != nil:
				got = append(got, problem.Reason)
			default:
				got = append(got, string(obj["org"]))
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != `"A"` || got[1] != "must be a JSON object, not a string" || got[2] != `"B"` {
		t.Errorf("rows = %q", got)
	}
}

// A body of the wrong shape is described in words, never in Go types.
func TestScanJSONShapes(t *testing.T) {
	for name, tt := range map[string]struct{ body, says string }{
		"not json":        {`{items: [`, "not valid JSON"},
		"a list":          {`[{"org": "A"}]`, `the body is a list: send a JSON object {"items": [...]}`},
		"a string":        {`"items"`, "the body is a string"},
		"empty":           {``, "the body is empty"},
		"no rows":         {`{"items": []}`, "no rows"},
		"other member":    {`{"items": [{"org": "A"}], "roles": ["steward"]}`, `unknown member "roles"`},
		"items an object": {`{"items": {"org": "A"}}`, `"items" is an object: it must be a list of items`},
		"no items":        {`{}`, `no "items"`},
		"twice":           {`{"items": [{}], "items": [{}]}`, "given twice"},
		"cut short":       {`{"items": [{"org": "A"}`, "ends before its JSON is complete"},
		"trailing":        {`{"items": [{"org": "A"}]} {}`, "data after the JSON object"},
	} {
		t.Run(name, func(t *testing.T) {
			err := rows.ScanJSON(strings.NewReader(tt.body), "items", "items", func(int, map[string]json.RawMessage, *submission.RowError) error { return nil })
			var de *rows.DocumentError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("error %v, want a DocumentError saying %q", err, tt.says)
			}
			if strings.Contains(err.Error(), "struct") || strings.Contains(err.Error(), "json.RawMessage") {
				t.Errorf("error %q shows Go types", err)
			}
		})
	}
}

func TestScanCSV(t *testing.T) {
	var rowsSeen []int
	var problems []string
	err := rows.ScanCSV(strings.NewReader("a,b\n1,2\n3\n\"x, y\",z\n"), func(h []string) (int, error) { return len(h), nil },
		func(row int, cells []string, problem *submission.RowError) error {
			rowsSeen = append(rowsSeen, row)
			if problem != nil {
				problems = append(problems, problem.Reason)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(rowsSeen) != 3 || rowsSeen[0] != 2 || rowsSeen[2] != 4 || len(problems) != 1 || problems[0] != "has 1 cells, the header has 2" {
		t.Errorf("rows %v, problems %q", rowsSeen, problems)
	}
	for _, body := range []string{"", "a,b\n"} {
		err := rows.ScanCSV(strings.NewReader(body), func(h []string) (int, error) { return len(h), nil }, func(int, []string, *submission.RowError) error { return nil })
		var de *rows.DocumentError
		if !errors.As(err, &de) {
			t.Errorf("%q: error %v, want a DocumentError", body, err)
		}
	}
}

func TestSeparator(t *testing.T) {
	for header, want := range map[string]string{"org;period;n": "semicolons", "org\tperiod": "tabs", "org": "", "a,b": ""} {
		if got := rows.Separator(strings.Split(header, ",")); got != want {
			t.Errorf("Separator(%q) = %q, want %q", header, got, want)
		}
	}
}
