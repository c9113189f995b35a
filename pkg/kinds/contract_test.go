package kinds_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// sampleRows is how many of a kind's demo rows the contract takes.
const sampleRows = 40

// steward may report for any organisation.
var steward = kind.Caller{Roles: []string{auth.RoleSteward}}

// outsider is an organisation no demo row names.
const outsider = "E09000033"

// contract is one kind under test: its demo rows as a client's CSV body and in the wire form.
type contract struct {
	k    kind.Any
	csv  []byte // a CSV body of sampleRows rows, as a client sends it
	wire []byte // the same rows as the API passes them on
	rows int
	orgs []string // the org column of each row
}

// sample takes the first rows of a kind's first demo upload; every kind must have demo data.
func sample(t *testing.T, k kind.Any) *contract {
	t.Helper()
	uploads, err := k.Uploads()
	if err != nil || len(uploads) == 0 {
		t.Fatalf("demo data: %d uploads (%v): every kind brings demo data, which the contract reads", len(uploads), err)
	}
	recs, err := csv.NewReader(bytes.NewReader(uploads[0].Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	recs = recs[:min(len(recs), sampleRows+1)]
	orgCol := slices.IndexFunc(recs[0], func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "org") || h == "new_la_code" })
	if orgCol < 0 {
		t.Fatalf("the demo upload has no org column: %q", recs[0])
	}
	c := &contract{k: k, csv: writeCSV(t, recs), rows: len(recs) - 1}
	for _, r := range recs[1:] {
		c.orgs = append(c.orgs, r[orgCol])
	}
	c.wire = read(t, k, kind.Body{R: bytes.NewReader(c.csv), CSV: true}, steward)
	return c
}

func writeCSV(t *testing.T, recs [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// read reads a body as the API does and returns the one chunk it passes on; every row must be read.
func read(t *testing.T, k kind.Any, body kind.Body, c kind.Caller) []byte {
	t.Helper()
	var wire []byte
	sum, err := k.Read(body, c, kind.Limits{MaxRows: 1 << 20, ChunkRows: 1 << 20}, func(ch kind.Chunk) error {
		if len(ch.Rejected) > 0 {
			t.Fatalf("refused %+v", ch.Rejected[:1])
		}
		wire = ch.Rows
		return nil
	})
	if err != nil || sum.ForeignRows > 0 || wire == nil {
		t.Fatalf("read: %v, %d foreign rows, %d bytes", err, sum.ForeignRows, len(wire))
	}
	return wire
}

func (c *contract) same(t *testing.T, what string, other []byte) {
	t.Helper()
	eq, err := c.k.Wire().Equal(c.wire, other)
	if err != nil || !eq {
		t.Errorf("%s does not read back the values written (%v)", what, err)
	}
}

// TestContract runs one contract over every registered kind, on a real ClickHouse.
func TestContract(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	orgs, err := reference.ReadOrganisations(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	dir := reference.NewDirectory(conn, time.Second)
	for _, k := range kinds.All {
		t.Run(k.About().Name, func(t *testing.T) {
			c := sample(t, k)
			t.Run("declared", c.declared)
			t.Run("CSV round trip", c.csvRoundTrip)
			t.Run("JSON round trip", c.jsonRoundTrip)
			t.Run("JSON numbers are numbers", c.numbersNotStrings)
			t.Run("schema", c.schema)
			t.Run("redelivery replaces", func(t *testing.T) { c.redelivery(t, conn, dir, orgs) })
			t.Run("foreign or unknown organisation", func(t *testing.T) { c.organisations(t, conn, dir) })
		})
	}
}

// declared: a kind says everything the services take from it.
func (c *contract) declared(t *testing.T) {
	m := c.k.About()
	d := m.Docs
	for what, v := range map[string]string{"name": m.Name, "rows": m.Rows, "path": d.Path, "submit id": d.SubmitID, "summary": d.Summary,
		"description": d.Description, "schema": d.Schema, "title": d.Title, "root": d.Root, "policy words": m.Policy.Who} {
		if v == "" {
			t.Errorf("no %s", what)
		}
	}
	if len(m.Policy.Own)+len(m.Policy.Any) == 0 || !slices.Contains(m.Policy.Any, auth.RoleSteward) {
		t.Errorf("policy %+v: stewards submit for any organisation", m.Policy)
	}
	if len(m.Tables) == 0 {
		t.Error("no tables")
	}
	if n := slices.IndexFunc(kinds.All, func(o kind.Any) bool { return o != c.k && o.About().Name == m.Name }); n >= 0 {
		t.Errorf("two kinds are named %s", m.Name)
	}
}

// CSV round trip: the rows written as a client's CSV read back as the same values.
func (c *contract) csvRoundTrip(t *testing.T) {
	body, err := c.k.Wire().CSV(c.wire)
	if err != nil {
		t.Fatal(err)
	}
	c.same(t, "CSV", read(t, c.k, kind.Body{R: bytes.NewReader(body), CSV: true}, steward))
}

// JSON round trip: the rows written as the JSON body the schema describes read back the same.
func (c *contract) jsonRoundTrip(t *testing.T) {
	body, err := c.k.Wire().JSON(c.wire)
	if err != nil {
		t.Fatal(err)
	}
	c.same(t, "JSON", read(t, c.k, kind.Body{R: bytes.NewReader(body)}, steward))
}

// takesOldString lists, by kind, the numbers whose JSON took a string before version 1.1.0 (a
// survey year, an audit cycle: "2026"); the string is still read, as the same number, until 1.2.0.
var takesOldString = map[string]string{submission.KindAudit: "cycle", submission.KindSurvey: "year"}

// A number sent as a JSON string is refused with the same reason for every kind (but for the old
// form of a year, read as the number it holds).
func (c *contract) numbersNotStrings(t *testing.T) {
	body, err := c.k.Wire().JSON(c.wire)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string][]map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	first := doc[c.k.Member()][0]
	numbers := 0
	for name, v := range first {
		if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
			continue
		}
		numbers++
		first[name] = json.RawMessage(fmt.Sprintf("%q", v))
		one, _ := json.Marshal(map[string][]map[string]json.RawMessage{c.k.Member(): {first}})
		var refused []submission.RowError
		_, err := c.k.Read(kind.Body{R: bytes.NewReader(one)}, steward, kind.Limits{MaxRows: 10, ChunkRows: 10}, func(ch kind.Chunk) error {
			refused = append(refused, ch.Rejected...)
			return nil
		})
		switch {
		case takesOldString[c.k.About().Name] == name:
			if err != nil || len(refused) != 0 {
				t.Errorf("%s given as the string %s, as version 1.0.0 took it: %v, refused %+v", name, first[name], err, refused)
				break
			}
			first[name] = v
			asNumber, _ := json.Marshal(map[string][]map[string]json.RawMessage{c.k.Member(): {first}})
			if eq, err := c.k.Wire().Equal(read(t, c.k, kind.Body{R: bytes.NewReader(one)}, steward), read(t, c.k, kind.Body{R: bytes.NewReader(asNumber)}, steward)); err != nil || !eq {
				t.Errorf("%s as the string %s is not read as the number %s (%v)", name, fmt.Sprintf("%q", v), v, err)
			}
		case err != nil || len(refused) != 1 || refused[0].Field != name || !strings.HasPrefix(refused[0].Reason, measure.ErrString.Error()):
			t.Errorf("%s given as the string %s: %v, refused %+v", name, first[name], err, refused)
		}
		first[name] = v
	}
	t.Logf("%d number fields", numbers)
}

// schema: the published JSON Schema takes the kind's JSON body and refuses a field it does not
// list (a name, say).
func (c *contract) schema(t *testing.T) {
	d := c.k.About().Docs
	f, err := os.Open("../../schemas/" + d.Schema)
	if err != nil {
		t.Fatalf("%v: run `make openapi`", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if ref, _ := doc.(map[string]any)["$ref"].(string); ref != "#/$defs/"+d.Root {
		t.Errorf("schema root %q, want %s", ref, d.Root)
	}
	cp := jsonschema.NewCompiler()
	if err := cp.AddResource(d.Schema, doc); err != nil {
		t.Fatal(err)
	}
	s, err := cp.Compile(d.Schema)
	if err != nil {
		t.Fatal(err)
	}
	body, err := c.k.Wire().JSON(c.wire)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("the schema refuses the kind's own JSON: %v", err)
	}
	rows := v.(map[string]any)[c.k.Member()].([]any)
	rows[0].(map[string]any)["name"] = "A Person"
	if err := s.Validate(v); err == nil {
		t.Error("the schema takes a field it does not list")
	}
}

func envelope(id, name string, c kind.Caller, wire []byte) submission.Envelope {
	return submission.Envelope{ID: id, Kind: name, Org: c.Org, Submitter: "contract", Roles: c.Roles, Steward: slices.Contains(c.Roles, auth.RoleSteward),
		ReceivedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), Rows: wire}
}

// redelivery: storing a chunk again (a redelivery) replaces rather than adds, and the periods the
// chunk touches are those of the rows stored.
func (c *contract) redelivery(t *testing.T, conn driver.Conn, dir kind.Directory, orgs map[string]reference.Organisation) {
	ctx := context.Background()
	m := c.k.About()
	h := c.k.Handler(conn, dir, time.Now)
	env := envelope("contract-"+m.Name, m.Name, steward, c.wire)
	// Per table, the table rows of the submission (a kind may keep a row in several: service
	// demand keeps one a figure) and the submission rows they come from.
	counts := func() (rows, from []uint64) {
		for _, table := range m.Tables {
			var n, r uint64
			if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(row_number) FROM "+table+" FINAL WHERE submission_id = ?", env.ID).Scan(&n, &r); err != nil {
				t.Fatal(err)
			}
			rows, from = append(rows, n), append(from, r)
		}
		return rows, from
	}
	var (
		touched map[string][]string
		first   []uint64
	)
	for range 3 {
		b := h.Check(ctx, []submission.Envelope{env})
		checked, err := b.Chunk(0)
		if err != nil {
			t.Fatal(err)
		}
		if checked.Count != c.rows || len(checked.Result.Rejected) > 0 {
			t.Fatalf("%d of %d rows stored, refused %+v", checked.Count, c.rows, checked.Result.Rejected)
		}
		if err := b.Store(ctx); err != nil {
			t.Fatal(err)
		}
		rows, from := counts()
		if first == nil {
			first = rows
		}
		for i, n := range from {
			if n != uint64(c.rows) || rows[i] != first[i] || rows[i] < n {
				t.Errorf("%s holds %d rows from %d rows of the submission, want them from %d and as many as after the first delivery (%d)",
					m.Tables[i], rows[i], n, c.rows, first[i])
			}
		}
		touched = checked.Touched
	}

	// The periods touched: for the organisations of the rows, the periods now stored.
	var touchedOrgs, periods []string
	for org, ps := range touched {
		touchedOrgs = append(touchedOrgs, org)
		periods = append(periods, ps...)
		if !slices.IsSorted(ps) {
			t.Errorf("%s: periods %v out of order", org, ps)
		}
	}
	slices.Sort(touchedOrgs)
	slices.Sort(periods)
	periods = slices.Compact(periods)
	if want := slices.Compact(slices.Sorted(slices.Values(c.orgs))); !slices.Equal(touchedOrgs, want) {
		t.Errorf("touched organisations %v, want %v", touchedOrgs, want)
	}
	b := m.Benchmarks
	if b == nil {
		return
	}
	stored, err := b.Periods(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(stored)
	if !slices.Equal(stored, periods) {
		t.Errorf("periods touched %v, stored %v", periods, stored)
	}
	for _, p := range periods {
		bp := b.BenchmarkPeriod(p)
		if _, err := period.Parse(bp); err != nil {
			t.Errorf("period %s belongs to %q, not a benchmark period: %v", p, bp, err)
		}
		byPeriod, err := b.Figures(ctx, conn, []string{bp}, orgs)
		fs := byPeriod[bp]
		if err != nil || len(fs) == 0 {
			t.Errorf("benchmark period %s (of %s): %d organisations' figures (%v), want some", bp, p, len(fs), err)
		}
		if b.FiguresOf == nil {
			continue
		}
		// Read for the organisations of the rows alone, the figures are the same.
		some, err := b.FiguresOf(ctx, conn, bp, orgs, touchedOrgs)
		if err != nil || !sameFigures(some, fs) {
			t.Errorf("benchmark period %s: the figures of %v read alone are %+v (%v), read with the others %+v", bp, touchedOrgs, some, err, fs)
		}
	}
}

// organisations: a body naming an organisation the caller may not report for is refused whole by
// the API and row by row by ingest; an organisation the hub does not know is refused by ingest;
// a role the kind does not name may not submit.
func (c *contract) organisations(t *testing.T, conn driver.Conn, dir kind.Directory) {
	ctx := context.Background()
	m := c.k.About()
	if len(m.Policy.Own) == 0 {
		t.Skip("only roles for any organisation submit this kind")
	}
	own := kind.Caller{Roles: m.Policy.Own[:1], Org: outsider}
	if err := m.Policy.MaySubmit(own, m.Rows); err != nil {
		t.Errorf("%v may not submit: %v", own, err)
	}
	for _, c := range []kind.Caller{{Roles: []string{"someone"}, Org: outsider}, {Roles: m.Policy.Own[:1]}} {
		if m.Policy.MaySubmit(c, m.Rows) == nil {
			t.Errorf("%+v may submit", c)
		}
	}
	emitted := 0
	sum, err := c.k.Read(kind.Body{R: bytes.NewReader(c.csv), CSV: true}, own, kind.Limits{MaxRows: 1 << 20, ChunkRows: 7}, func(kind.Chunk) error {
		emitted++
		return nil
	})
	if err != nil || sum.ForeignRows != c.rows || len(sum.Foreign) != min(c.rows, kind.MaxForeign) || emitted != 0 {
		t.Errorf("the API read %d foreign rows of %d (%v) and passed on %d chunks, want every row refused and nothing passed on", sum.ForeignRows, c.rows, err, emitted)
	}

	h := c.k.Handler(conn, dir, time.Now)
	refused := func(env submission.Envelope, reason string) {
		t.Helper()
		checked, err := h.Check(ctx, []submission.Envelope{env}).Chunk(0)
		if err != nil {
			t.Fatal(err)
		}
		if checked.Count != 0 || len(checked.Result.Rejected) != c.rows {
			t.Fatalf("%d rows kept, %d refused, want all %d refused", checked.Count, len(checked.Result.Rejected), c.rows)
		}
		for _, e := range checked.Result.Rejected {
			if e.Field != "org" || !strings.Contains(e.Reason, reason) {
				t.Errorf("refused %+v, want org: %s", e, reason)
				break
			}
		}
	}
	refused(envelope("contract-foreign-"+m.Name, m.Name, own, c.wire), "you may only report for "+outsider)

	recs, _ := csv.NewReader(bytes.NewReader(c.csv)).ReadAll()
	col := slices.IndexFunc(recs[0], func(h string) bool { return strings.EqualFold(h, "org") || h == "new_la_code" })
	for i, r := range recs[1:] {
		r[col] = fmt.Sprintf("X%07d", i)
	}
	unknown := read(t, c.k, kind.Body{R: bytes.NewReader(writeCSV(t, recs)), CSV: true}, steward)
	refused(envelope("contract-unknown-"+m.Name, m.Name, steward, unknown), `unknown organisation "X`)
}

// sameFigures reports whether two lists hold the same organisations' figures, in any order.
func sameFigures(a, b []kind.Figures) bool {
	by := map[string]kind.Figures{}
	for _, f := range b {
		by[f.Org] = f
	}
	if len(a) != len(b) {
		return false
	}
	for _, f := range a {
		g, ok := by[f.Org]
		if !ok || !maps.Equal(f.Values, g.Values) {
			return false
		}
	}
	return true
}
