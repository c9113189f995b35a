package rows_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/rows"
)

var layout = rows.Layout{Key: "items", Columns: []string{"org", "item", "count"}, Required: []string{"org", "item"}}

func TestDecodeJSON(t *testing.T) {
	d, err := layout.DecodeJSON(strings.NewReader(`{"items": [
		{"org": "A", "item": "x", "count": 3},
		{"org": "A", "item": "y", "name": "A Person"},
		{"org": "A", "item": {"nested": true}},
		"not an object",
		{"org": "A", "item": "z", "count": null}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Records) != 2 || d.Records[0].Cells["count"] != "3" || d.Records[1].Row != 5 || d.Records[1].Cells["count"] != "" {
		t.Fatalf("records = %+v", d.Records)
	}
	fields := map[int]string{}
	for _, e := range d.Rejected {
		fields[e.Row] = e.Field
	}
	if len(fields) != 3 || fields[2] != "name" || fields[3] != "item" || fields[4] != "" {
		t.Errorf("rejected = %+v", d.Rejected)
	}
}

func TestDocumentErrors(t *testing.T) {
	for name, body := range map[string]string{
		"not json":     `{"items": [`,
		"no rows":      `{"items": []}`,
		"other member": `{"items": [{"org": "A"}], "roles": ["steward"]}`,
		"csv unknown":  "org,item,salary\nA,x,1\n",
		"csv missing":  "org,count\nA,1\n",
		"csv repeated": "org,item,org\nA,x,B\n",
		"csv empty":    "",
		"csv no rows":  "org,item\n",
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			if strings.HasPrefix(name, "csv") {
				_, err = layout.DecodeCSV([]byte(body))
			} else {
				_, err = layout.DecodeJSON(strings.NewReader(body))
			}
			var de *rows.DocumentError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("error %v, want a DocumentError", err)
			}
		})
	}
}

func TestWireRoundTrip(t *testing.T) {
	d, err := layout.DecodeCSV([]byte("ITEM,org\nx,A\n\"y, with \"\"quotes\"\"\nand a new line\",B\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := layout.Encode(d.Records)
	if err != nil {
		t.Fatal(err)
	}
	back, err := layout.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[1].Row != 3 || back[1].Cells["item"] != "y, with \"quotes\"\nand a new line" || back[1].Cells["org"] != "B" {
		t.Errorf("round trip = %+v", back)
	}
}
