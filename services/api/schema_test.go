package api_test

import (
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The published JSON Schema takes what the API takes and refuses what it refuses: unknown fields
// (such as a student's or social worker's name), values that are neither numbers nor DfE symbols.
func TestWorkforceSchemaValidates(t *testing.T) {
	f, err := os.Open("../../schemas/workforce-return.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("workforce-return.v1.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("workforce-return.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	for body, valid := range map[string]bool{
		`{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 100.5, "vacancy_fte": "x", "cases": null}]}`: true,
		`{"returns": [{"org": "E06000001", "period": "2025", "name": "A Person"}]}`:                                     false,
		`{"returns": [{"org": "E06000001", "period": "2025", "vacancy_fte": "seven"}]}`:                                 false,
		`{"returns": []}`:      false,
		`{"org": "E06000001"}`: false,
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(v); (err == nil) != valid {
			t.Errorf("%s: valid = %v, want %v (%v)", body, err == nil, valid, err)
		}
	}
}
