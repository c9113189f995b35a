package kinds_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"testing"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/submission"
)

// accepted reads a body as the API does (for a steward) and returns the wire form of each chunk
// it passes on; a body refused whole gives none.
func accepted(t *testing.T, k kind.Any, body kind.Body) [][]byte {
	t.Helper()
	var wires [][]byte
	_, err := k.Read(body, steward, kind.Limits{MaxRows: 1 << 20, ChunkRows: 50}, func(c kind.Chunk) error {
		if c.Count > 0 {
			wires = append(wires, c.Rows)
		}
		return nil
	})
	var de *submission.DocumentError
	if err != nil && !errors.As(err, &de) {
		t.Fatalf("read: %v (not a DocumentError)", err)
	}
	if err != nil {
		return nil
	}
	return wires
}

// roundTrip checks that rows accepted read back as exactly the values written: through the wire
// form (it is what ingest reads) and written again as JSON, and (from a CSV body) as CSV.
func roundTrip(t *testing.T, k kind.Any, wire []byte, fromCSV bool) {
	t.Helper()
	w := k.Wire()
	back, err := w.JSON(wire)
	if err != nil {
		t.Fatal(err)
	}
	for _, again := range accepted(t, k, kind.Body{R: bytes.NewReader(back)}) {
		if eq, err := w.Equal(wire, again); err != nil || !eq {
			t.Fatalf("%s: accepted rows do not read back the same as JSON (%v): %s", k.About().Name, err, back)
		}
	}
	if !fromCSV {
		return // CSV cannot carry a carriage return and line feed in a cell; JSON can
	}
	back, err = w.CSV(wire)
	if err != nil {
		t.Fatal(err)
	}
	for _, again := range accepted(t, k, kind.Body{R: bytes.NewReader(back), CSV: true}) {
		if eq, err := w.Equal(wire, again); err != nil || !eq {
			t.Fatalf("%s: accepted rows do not read back the same as CSV (%v): %q", k.About().Name, err, back)
		}
	}
}

// seed is a few demo rows of a kind (the kind's index in kinds.All), as a CSV body.
type seed struct {
	kind int
	body []byte
}

// seeds are a few rows of every demo upload of every kind (a kind may take several layouts: the
// DfE files as published, say).
func seeds(f *testing.F) []seed {
	var out []seed
	for i, k := range kinds.All {
		uploads, err := k.Uploads()
		if err != nil || len(uploads) == 0 {
			f.Fatalf("%s demo: %v", k.About().Name, err)
		}
		for _, u := range uploads {
			recs, err := csv.NewReader(bytes.NewReader(u.Body)).ReadAll()
			if err != nil {
				f.Fatal(err)
			}
			var b bytes.Buffer
			_ = csv.NewWriter(&b).WriteAll(recs[:min(len(recs), 4)])
			out = append(out, seed{i, b.Bytes()})
		}
	}
	return out
}

// FuzzCSV reads any CSV body as any kind: whatever is accepted reads back as exactly the values
// written.
func FuzzCSV(f *testing.F) {
	for _, s := range seeds(f) {
		i := uint8(s.kind)
		f.Add(i, s.body)
		f.Add(i, bytes.ReplaceAll(s.body, []byte(","), []byte(";")))
		f.Add(i, append(bytes.Clone(s.body), []byte("\n\"a\r\nb\",1,\"1,234\",-0,x,\n")...))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		k := kinds.All[int(which)%len(kinds.All)]
		for _, wire := range accepted(t, k, kind.Body{R: bytes.NewReader(body), CSV: true}) {
			roundTrip(t, k, wire, true)
		}
	})
}

// FuzzJSON reads any JSON body as any kind: whatever is accepted reads back as exactly the values
// written.
func FuzzJSON(f *testing.F) {
	for _, s := range seeds(f) {
		i, k := uint8(s.kind), kinds.All[s.kind]
		for _, wire := range acceptedSeed(f, k, s.body) {
			body, err := k.Wire().JSON(wire)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(i, body)
			f.Add(i, bytes.ReplaceAll(body, []byte(`":`), []byte(`": "`)))
		}
		f.Add(i, []byte(`{"`+k.Member()+`": [{"org": "E06000001", "x": "\r\n\u202e", "n": 1e2}, null, [], 7]}`))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		k := kinds.All[int(which)%len(kinds.All)]
		for _, wire := range accepted(t, k, kind.Body{R: bytes.NewReader(body)}) {
			roundTrip(t, k, wire, false)
		}
	})
}

func acceptedSeed(f *testing.F, k kind.Any, csvBody []byte) [][]byte {
	var wires [][]byte
	_, err := k.Read(kind.Body{R: bytes.NewReader(csvBody), CSV: true}, steward, kind.Limits{MaxRows: 100, ChunkRows: 100}, func(c kind.Chunk) error {
		wires = append(wires, c.Rows)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	return wires
}
