package chstore

import (
	"errors"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	const create = "CREATE TABLE IF NOT EXISTS regions ${ON_CLUSTER} (\n    code String,\n    version UInt64\n) ENGINE = ${REPLICATED}ReplacingMergeTree(version)\nORDER BY code"
	tests := []struct {
		name    string
		cluster string
		stmt    string
		want    string
	}{
		{"one server", "", create,
			"CREATE TABLE IF NOT EXISTS regions (\n    code String,\n    version UInt64\n) ENGINE = ReplacingMergeTree(version)\nORDER BY code"},
		{"cluster", "hub", create,
			"CREATE TABLE IF NOT EXISTS regions ON CLUSTER 'hub' (\n    code String,\n    version UInt64\n) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}', version)\nORDER BY code"},
		{"engine without arguments, one server", "", "CREATE TABLE t ${ON_CLUSTER} (a UInt8) ENGINE = ${REPLICATED}ReplacingMergeTree ORDER BY a",
			"CREATE TABLE t (a UInt8) ENGINE = ReplacingMergeTree ORDER BY a"},
		{"engine without arguments, cluster macro", "{cluster}", "CREATE TABLE t ${ON_CLUSTER} (a UInt8) ENGINE = ${REPLICATED}MergeTree() ORDER BY a",
			"CREATE TABLE t ON CLUSTER '{cluster}' (a UInt8) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}') ORDER BY a"},
		{"create as", "hub", "CREATE TABLE IF NOT EXISTS h ${ON_CLUSTER} AS p\nENGINE = ${REPLICATED}ReplacingMergeTree(version)\nORDER BY (a, b)",
			"CREATE TABLE IF NOT EXISTS h ON CLUSTER 'hub' AS p\nENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}', version)\nORDER BY (a, b)"},
		{"drop", "hub", "DROP TABLE IF EXISTS benchmark_values ${ON_CLUSTER}", "DROP TABLE IF EXISTS benchmark_values ON CLUSTER 'hub'"},
		{"drop, one server", "", "DROP TABLE IF EXISTS benchmark_values ${ON_CLUSTER}", "DROP TABLE IF EXISTS benchmark_values"},
		{"a query is left alone", "hub", "SELECT DISTINCT version FROM schema_migrations", "SELECT DISTINCT version FROM schema_migrations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Schema{Cluster: tt.cluster}.Render(tt.stmt)
			if err != nil || got != tt.want {
				t.Errorf("Render =\n%s\n%v\nwant\n%s", got, err, tt.want)
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	tests := []struct{ name, stmt, want string }{
		{"create without ON_CLUSTER", "CREATE TABLE t (a UInt8) ENGINE = ${REPLICATED}MergeTree ORDER BY a", "${ON_CLUSTER} missing"},
		{"drop without ON_CLUSTER", "DROP TABLE IF EXISTS t", "${ON_CLUSTER} missing"},
		{"alter without ON_CLUSTER", "ALTER TABLE t DELETE WHERE 1", "${ON_CLUSTER} missing"},
		{"engine without REPLICATED", "CREATE TABLE t ${ON_CLUSTER} (a UInt8) ENGINE = ReplacingMergeTree ORDER BY a", "${REPLICATED} missing before ReplacingMergeTree"},
		{"replicated written out", "CREATE TABLE t ${ON_CLUSTER} (a UInt8) ENGINE = ${REPLICATED}ReplicatedMergeTree('/p', 'r') ORDER BY a", "write ${REPLICATED}MergeTree"},
		{"Memory engine", "CREATE TABLE t ${ON_CLUSTER} (a UInt8) ENGINE = Memory", "not of the MergeTree family"},
		{"ON_CLUSTER in a query", "SELECT 1 ${ON_CLUSTER}", "changes no table"},
		{"unknown placeholder", "CREATE TABLE t ${ON_CLUSTER} (a UInt8) ENGINE = ${REPLICATED}MergeTree ORDER BY a SETTINGS x = ${X}", "unknown placeholder ${X}"},
		{"REPLICATED astray", "CREATE TABLE t ${ON_CLUSTER} (a UInt8 DEFAULT '${REPLICATED}') ENGINE = ${REPLICATED}MergeTree ORDER BY a", "right before a MergeTree engine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.stmt)
			if !errors.Is(err, ErrPlaceholders) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v, want ErrPlaceholders saying %q", err, tt.want)
			}
		})
	}
}

func TestRenderRefusesBadClusterNames(t *testing.T) {
	for _, name := range []string{"hub'; DROP DATABASE default; --", "a b", "hub`", "x\n"} {
		if _, err := (Schema{Cluster: name}).Render("SELECT 1"); !errors.Is(err, ErrInvalidCluster) {
			t.Errorf("Render with cluster %q = %v, want ErrInvalidCluster", name, err)
		}
	}
}

// Every embedded statement renders on one server without a placeholder left, and on a cluster
// with ON CLUSTER in each DDL statement and only replicated engines.
func TestEmbeddedMigrationsRenderBothWays(t *testing.T) {
	plain, err := Schema{}.Statements()
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := Schema{Cluster: "hub"}.Statements()
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != len(cluster) || len(plain) < 2 || plain[0].Migration != "schema_migrations" {
		t.Fatalf("%d statements on one server, %d on a cluster; want the same number, schema_migrations first", len(plain), len(cluster))
	}
	for i := range plain {
		p, c := plain[i].SQL, cluster[i].SQL
		if strings.Contains(p, "${") || strings.Contains(c, "${") || strings.Contains(p, "ON CLUSTER") || strings.Contains(p, "Replicated") {
			t.Errorf("%s: placeholder left or cluster text on one server:\n%s\n%s", plain[i].Migration, p, c)
		}
		if ddlStatement.MatchString(c) && !strings.Contains(c, "ON CLUSTER 'hub'") {
			t.Errorf("%s: DDL without ON CLUSTER on a cluster:\n%s", cluster[i].Migration, c)
		}
		if strings.Count(c, "MergeTree") != strings.Count(c, "Replicated") {
			t.Errorf("%s: an engine is not replicated on a cluster:\n%s", cluster[i].Migration, c)
		}
	}
}

func TestStripComments(t *testing.T) {
	for in, want := range map[string]string{
		"-- why\nSELECT 1":                                "SELECT 1",
		"SELECT '--x' AS a -- note\n  FROM t  ":           "SELECT '--x' AS a\n  FROM t",
		"SELECT 'it\\'s -- no' -- yes":                    "SELECT 'it\\'s -- no'",
		"CREATE TABLE t (\n    -- a note\n    x UInt8\n)": "CREATE TABLE t (\n    x UInt8\n)",
	} {
		if got := stripComments(in); got != want {
			t.Errorf("stripComments(%q) = %q, want %q", in, got, want)
		}
	}
}
