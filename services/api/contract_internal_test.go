package api

import (
	"encoding/json"
	"testing"
)

func TestEmptyArrays(t *testing.T) {
	type inner struct {
		Names []string `json:"names"`
	}
	type answer struct {
		Rows  []inner  `json:"rows"`
		Tags  []string `json:"tags"`
		Inner *inner   `json:"inner"`
		Raw   []byte   `json:"raw"`
	}
	in := answer{Rows: []inner{{}}, Inner: &inner{}}
	out, err := emptyArrays(nil, "200", in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	if want := `{"rows":[{"names":[]}],"tags":[],"inner":{"names":[]},"raw":null}`; string(b) != want {
		t.Errorf("%s, want %s", b, want)
	}
	if in.Tags != nil || in.Rows[0].Names != nil || in.Inner.Names != nil {
		t.Errorf("the caller's value was changed: %+v", in)
	}
}
