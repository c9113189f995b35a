//go:build chdb

package engines

import (
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/chstore"
)

// What the cluster layout can and cannot be run here: neither engine has a cluster or Keeper,
// so no replicated statement is executed to the end. Each is taken as far as each engine goes
// without them:
//
//  1. as rendered, ON CLUSTER included: both engines parse it and stop at "cluster not found"
//     (18.16: code 170; 26.x: code 701), and 26.x's EXPLAIN AST parses it;
//  2. without ON CLUSTER and with the macros written out, in a database of its own, statement by
//     statement in migration order: both engines check the whole table definition (columns, the
//     engine's version column, ORDER BY, PARTITION BY) and stop at "no ZooKeeper" (code 225), the
//     first thing that needs Keeper; then the one-server form of the same statement is run, so
//     that the next statements find the tables they refer to (CREATE TABLE … AS placements).
//
// The distributed DDL queue, replication of parts, block deduplication and the {uuid} macro on
// a real replica are not exercised.
func TestClusterLayout(t *testing.T) {
	s, _ := newServer(t)
	c := newCurrent(t)
	cluster, err := chstore.Schema{Cluster: "hub"}.Statements()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := chstore.Schema{}.Statements()
	if err != nil {
		t.Fatal(err)
	}
	create, err := chstore.Schema{Cluster: "hub"}.Render(statement(t, "pkg/chstore.createDatabaseSQL") + "hub " + chstore.OnCluster)
	if err != nil {
		t.Fatal(err)
	}
	cluster = append([]chstore.Statement{{Migration: "database", SQL: create}}, cluster...)
	plain = append([]chstore.Statement{{Migration: "database", SQL: "SELECT 1"}}, plain...)

	macros := strings.NewReplacer(" ON CLUSTER 'hub'", "", "{uuid}", "00000000-0000-0000-0000-000000000001", "{shard}", "01", "{replica}", "replica-1")
	for _, e := range []engine{s, c} {
		t.Run(e.Name(), func(t *testing.T) {
			for i, st := range cluster {
				if !strings.Contains(st.SQL, "ON CLUSTER 'hub'") {
					t.Errorf("%s: statement without ON CLUSTER on a cluster:\n%s", st.Migration, st.SQL)
					continue
				}
				// chDB refuses a DROP … ON CLUSTER before it looks for the cluster (distributed DDL is
				// off in the library); EXPLAIN AST below still parses it.
				err := e.Exec(st.SQL)
				if err == nil || !strings.Contains(err.Error(), "cluster 'hub' not found") && !strings.Contains(err.Error(), "Replicated DDL queries are disabled") {
					t.Errorf("%s: as rendered for a cluster, want \"cluster 'hub' not found\" (it parses), got %v\n%s", st.Migration, err, st.SQL)
				}
				if cur, ok := e.(*current); ok {
					if _, err := cur.Query("EXPLAIN AST " + st.SQL); err != nil {
						t.Errorf("%s: EXPLAIN AST: %v\n%s", st.Migration, err, st.SQL)
					}
				}
				if st.Migration == "database" {
					continue
				}
				local := macros.Replace(st.SQL)
				err = e.Exec(local)
				switch replicated := strings.Contains(local, "Replicated"); {
				case replicated && (err == nil || !strings.Contains(err.Error(), "ZooKeeper")):
					t.Errorf("%s: the replicated table, run on one node, want the definition accepted up to \"without ZooKeeper\", got %v\n%s", st.Migration, err, local)
				case !replicated && err != nil:
					t.Errorf("%s: %v\n%s", st.Migration, err, local)
				}
				if err := e.Exec(plain[i].SQL); err != nil {
					t.Fatalf("%s: the one-server form: %v\n%s", st.Migration, err, plain[i].SQL)
				}
			}
		})
	}
}
