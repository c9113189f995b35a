//go:build chdb

package engines

import (
	"regexp"
	"strings"
	"testing"
)

// difference is one way ClickHouse 18.16 and current ClickHouse answer the same SQL differently,
// with what each answers and how the hub's SQL works round it. TestDifferences checks every one
// on both engines, so the list stays true: an engine that changes fails it.
type difference struct {
	name  string
	setup []string // run on both first (INSERT … SELECT: over clickhouse-go, 18.16 never ends an INSERT … VALUES)
	query string
	old   string // 18.16's answer: rows as "a | b; c | d", or "error N"
	cur   string // 26.x's answer
	hub   string // how the hub's SQL works round it
}

var differences = []difference{
	{
		name:  "duplicate keys in one insert",
		setup: []string{"CREATE TABLE d (k String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY k", "INSERT INTO d (k, v) SELECT 'a', 1 UNION ALL SELECT 'a', 2"},
		query: "SELECT count(), (SELECT count() FROM d FINAL), (SELECT v FROM d FINAL) FROM d",
		old:   "2 | 1 | 2", cur: "1 | 1 | 2",
		hub: "current ClickHouse folds rows of one insert that share a key as it writes them (optimize_on_insert); 18.16 keeps them until a merge. " +
			"Counts without FINAL differ; the hub reads every keyed table with FINAL (or argMax), and counts rows only through it",
	},
	{
		name: "PREWHERE on a column that is not in the key, with FINAL",
		setup: []string{"CREATE TABLE p (k String, s String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY k",
			"INSERT INTO p (k, s, v) SELECT 'a', 'old', 1", "INSERT INTO p (k, s, v) SELECT 'a', 'new', 2"},
		query: "SELECT k, s, v FROM p FINAL PREWHERE s = 'old'",
		old:   "a | old | 1", cur: "a | old | 1",
		hub: "the same on both, and a trap on both: PREWHERE filters before FINAL folds versions, so a filter on a column that changes between versions " +
			"finds a replaced row. The hub puts only key columns (the same in every version) in PREWHERE, and everything else in WHERE",
	},
	{
		name:  "lightweight DELETE",
		setup: []string{"CREATE TABLE l (k String) ENGINE = MergeTree ORDER BY k", "INSERT INTO l (k) SELECT 'a'"},
		query: "DELETE FROM l WHERE k = 'a'",
		old:   "error 62", cur: "",
		hub: "18.16 has no DELETE FROM: the hub deletes with ALTER TABLE … DELETE (a mutation), which both apply in the background; " +
			"a recomputation written after it is not affected",
	},
	{
		name:  "has() on an empty list",
		query: "SELECT has([], 'x')",
		old:   "error 43", cur: "0",
		hub: "an empty list binds as [] (Array(Nothing)), which 18.16's has() refuses: the hub casts every list it binds, has(CAST(? AS Array(String)), col)",
	},
	{
		name:  "has() on an empty list, cast",
		query: "SELECT has(CAST([] AS Array(String)), 'x')",
		old:   "0", cur: "0",
		hub: "the cast form works on both",
	},
	{
		name:  "sum of a Nullable column",
		setup: []string{"CREATE TABLE n (k String, x Nullable(UInt32)) ENGINE = MergeTree ORDER BY k", "INSERT INTO n (k, x) SELECT 'a', toNullable(toUInt32(1)) UNION ALL SELECT 'b', CAST(NULL AS Nullable(UInt32))"},
		query: "SELECT toTypeName(sum(x)), toTypeName(sum(ifNull(x, 0))), sum(ifNull(x, 0)), countIf(isNotNull(x)) FROM n",
		old:   "Nullable(UInt64) | UInt64 | 1 | 1", cur: "Nullable(UInt64) | UInt64 | 1 | 1",
		hub: "the same on both: sum of a Nullable column is Nullable, which the hub's scans into uint64 would refuse; " +
			"the hub sums ifNull(x, 0) and counts the known values with countIf(isNotNull(x)), so an unknown value is never a 0",
	},
	{
		name:  "quartiles",
		query: "SELECT quantile(0.25)(x), quantileExact(0.25)(x), quantileExactInclusive(0.25)(x) FROM (SELECT arrayJoin([1., 2., 3., 4.]) AS x)",
		old:   "error 46", cur: "1.75 | 2 | 1.75",
		hub: "quantileExactInclusive (R's type 7) is missing from 18.16, quantileExact picks a value rather than interpolating, and quantile samples; " +
			"the hub computes medians and quartiles in Go (pkg/measure, type 7), never in SQL",
	},
	{
		name:  "an Enum compared with a name it does not have",
		setup: []string{"CREATE TABLE e (k String, s Enum8('a' = 1, 'b' = 2)) ENGINE = MergeTree ORDER BY k", "INSERT INTO e (k, s) SELECT 'x', 'a'"},
		query: "SELECT count() FROM e WHERE s = 'c'",
		old:   "error 49", cur: "0",
		hub: "18.16 refuses a name the Enum lacks; current ClickHouse answers no row, so a misspelt name passes silently there: " +
			"the hub compares Enums only with names of the type (countIf(stage = 'final')), which the parity cases run on both, and reads them with toString",
	},
	{
		name:  "UNION without ALL or DISTINCT",
		query: "SELECT 1 UNION SELECT 2",
		old:   "error 62", cur: "error 558",
		hub: "neither takes a bare UNION by default: the hub writes UNION ALL (and DISTINCT in each part)",
	},
	{
		name:  "types 18.16 lacks",
		query: "SELECT toTypeName(toDateTime64('2024-01-01 00:00:00', 3))",
		old:   "error 46", cur: "DateTime64(3)",
		hub: "LowCardinality, DateTime64, Map and JSON columns are refused in migrations (pkg/chstore's TestMissingIn1816): the hub uses String, DateTime, Array and visitParam*",
	},
}

var errorCode = regexp.MustCompile(`(?i)code:? (\d+)`)

// answer runs a statement and writes its answer as the differences list does.
func answer(e engine, q string) string {
	r, err := e.Query(q)
	if err != nil {
		if m := errorCode.FindStringSubmatch(err.Error()); m != nil {
			return "error " + m[1]
		}
		return "error " + err.Error()
	}
	return strings.Join(rowsText(r.Rows), "; ")
}

// TestDifferences checks the list of differences between the engines on both.
func TestDifferences(t *testing.T) {
	s, _ := newServer(t)
	c := newCurrent(t)
	for _, d := range differences {
		t.Run(d.name, func(t *testing.T) {
			for _, e := range []engine{s, c} {
				for _, q := range d.setup {
					if err := e.Exec(q); err != nil {
						t.Fatalf("%s: %s: %v", e.Name(), q, err)
					}
				}
			}
			if got := answer(s, d.query); got != d.old {
				t.Errorf("%s answers %q, the list says %q: %s", s.Name(), got, d.old, d.query)
			}
			if got := answer(c, d.query); got != d.cur {
				t.Errorf("%s answers %q, the list says %q: %s", c.Name(), got, d.cur, d.query)
			}
		})
	}
}
