package hub_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/opendata"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// get reads path as client and returns the status and the body as it came.
func (r *running) get(client, path string) (int, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.s.APIURL+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/csv")
	resp, err := r.http[client].Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, b
}

func readTable(t *testing.T, b []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("not CSV (%v): %.300s", err, b)
	}
	return recs
}

// returnsByKey decodes a CSV of workforce returns with the hub's own importer, keyed by
// organisation and period; every row must be taken.
func returnsByKey(t *testing.T, b []byte) map[string]workforce.Return {
	t.Helper()
	d, err := workforce.Kind.ReadAll(kind.Body{R: bytes.NewReader(b), CSV: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rejected) > 0 {
		t.Fatalf("the importer refused rows: %v", d.Rejected[:min(len(d.Rejected), 5)])
	}
	out := map[string]workforce.Return{}
	for _, row := range d.Rows {
		out[row.Value.Org+" "+row.Value.Period] = row.Value
	}
	return out
}

// TestOpenDataExport exports the demo's benchmark tables and workforce returns in the DfE's
// open-data layout: the workforce export reads back through the hub's DfE-layout importer as
// exactly the DfE file the demo loaded, the metadata describes every indicator column, and each
// reader gets only the rows it may see.
func TestOpenDataExport(t *testing.T) {
	r := startHub(t)

	t.Run("the workforce export round-trips through the importer unchanged", func(t *testing.T) {
		code, b := r.get("demo-steward", "/v1/open-data/workforce")
		if code != http.StatusOK {
			t.Fatalf("%d %s", code, b)
		}
		f, err := reference.DfEWorkforce()
		if err != nil {
			t.Fatal(err)
		}
		original, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, want := returnsByKey(t, b), returnsByKey(t, original)
		if len(got) != len(want) || len(want) != 1355 {
			t.Fatalf("%d returns exported, want the DfE file's %d (1355)", len(got), len(want))
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || g != w {
				t.Errorf("%s: exported %+v, want %+v", k, g, w)
			}
		}
		// The layout is the DfE's: its time and geography columns first, then only columns the
		// DfE's file has.
		header, dfe := readTable(t, b)[0], readTable(t, original)[0]
		if !slices.Equal(header[:len(opendata.Columns)], opendata.Columns) {
			t.Errorf("columns %v, want %v first", header, opendata.Columns)
		}
		for _, c := range header {
			if !slices.Contains(dfe, c) {
				t.Errorf("column %q is not in the DfE's file", c)
			}
		}
		// The metadata names every indicator column, in order.
		code, meta := r.get("demo-steward", "/v1/open-data/workforce/meta")
		if code != http.StatusOK {
			t.Fatalf("meta: %d %s", code, meta)
		}
		m := readTable(t, meta)
		if !slices.Equal(m[0], opendata.MetaColumns) {
			t.Errorf("meta columns %v", m[0])
		}
		var names []string
		for _, row := range m[1:] {
			names = append(names, row[0])
			if row[1] != "Indicator" || row[2] == "" {
				t.Errorf("meta row %v", row)
			}
		}
		if !slices.Equal(names, header[len(opendata.Columns):]) {
			t.Errorf("meta names %v, want the indicator columns %v", names, header[len(opendata.Columns):])
		}
	})

	t.Run("the workforce export holds stored rows: an organisation reads its own", func(t *testing.T) {
		code, b := r.get("demo-council", "/v1/open-data/workforce?period=2024")
		if code != http.StatusOK {
			t.Fatalf("%d %s", code, b)
		}
		got := returnsByKey(t, b)
		if _, ok := got["E06000001 2024"]; len(got) != 1 || !ok {
			t.Errorf("Hartlepool's export holds %v", slices.Collect(func(yield func(string) bool) {
				for k := range got {
					yield(k)
				}
			}))
		}
		if code, b := r.get("demo-analyst", "/v1/open-data/workforce"); code != http.StatusForbidden {
			t.Errorf("an analyst reading stored returns: %d %.200s", code, b)
		}
	})

	t.Run("a benchmark table, as each reader may see it", func(t *testing.T) {
		path := "/v1/open-data/standard-2?period=2024&region=E12000001"
		var recs [][]string
		poll.Until(t, 2*time.Minute, func() error {
			code, b := r.get("demo-analyst", path)
			if code != http.StatusOK {
				return fmt.Errorf("%d %s", code, b)
			}
			recs = readTable(t, b)
			for _, row := range recs[1:] {
				if row[2] == opendata.Regional && row[10] != "x" {
					return nil
				}
			}
			return fmt.Errorf("no regional figure yet")
		})
		header := recs[0]
		col := func(name string) int { return slices.Index(header, name) }
		if col("vacancy_rate") != len(opendata.Columns) || len(header) != len(opendata.Columns)+len(benchmark.OfStandard(2)) {
			t.Fatalf("header %v, want the time and geography columns, then Standard 2's metrics", header)
		}
		levels := map[string][]string{}
		for _, row := range recs[1:] {
			if row[0] != "2024" || row[1] != "Reporting year" || row[3] != "E92000001" {
				t.Errorf("row %v", row[:10])
			}
			levels[row[2]] = append(levels[row[2]], row[5]+row[7])
			for _, cell := range row[len(opendata.Columns):] {
				if cell == "" {
					t.Errorf("an empty cell in %v: a figure is a number or a DfE symbol", row)
				}
			}
		}
		if len(levels[opendata.National]) != 1 || !slices.Equal(levels[opendata.Regional], []string{"E12000001"}) {
			t.Errorf("areas %v, want England and the North East", levels)
		}
		// The analyst sees the North East alliance's members by name: the twelve councils.
		if n := len(levels[opendata.LocalAuthority]); n != 12 {
			t.Errorf("%d local authorities named, want the alliance's 12: %v", n, levels[opendata.LocalAuthority])
		}
		// A council sees the areas and itself.
		code, b := r.get("demo-council", path)
		if code != http.StatusOK {
			t.Fatalf("%d %s", code, b)
		}
		var las []string
		for _, row := range readTable(t, b)[1:] {
			if row[2] == opendata.LocalAuthority {
				las = append(las, row[7])
			}
		}
		if !slices.Equal(las, []string{"E06000001"}) {
			t.Errorf("a council sees local authorities %v, want only itself", las)
		}
		if code, b := r.get("demo-council", "/v1/open-data/standard-2/meta"); code != http.StatusOK || !strings.Contains(string(b), "vacancy_rate,Indicator,Vacancy rate (FTE)") {
			t.Errorf("meta: %d %.300s", code, b)
		}
	})
}
