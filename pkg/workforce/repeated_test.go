package workforce_test

import (
	"strings"
	"testing"
)

// A return that names a figure twice is refused, not read with the second value.
func TestRepeatedFigureIsRefused(t *testing.T) {
	d, err := readJSON(`{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 100, "inpost_fte": 1}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 0 || len(d.Rejected) != 1 || d.Rejected[0].Row != 1 || d.Rejected[0].Field != "inpost_fte" || !strings.Contains(d.Rejected[0].Reason, "given twice") {
		t.Fatalf("rows %+v, rejected %+v; want row 1 refused on inpost_fte", d.Rows, d.Rejected)
	}
}
