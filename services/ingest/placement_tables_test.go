package ingest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Placements go to two tables in two inserts, placement_history (every report) and then
// placements (the latest of each). A failure between them — or of either — never leaves
// placements showing a report the history lacks, and the redelivered chunk brings both level:
// each placement once in each (FINAL), with the same version.
func TestPlacementsFailBetweenTheTwoInserts(t *testing.T) {
	var k kindCase
	for _, c := range everyKind(t) {
		if c.name == submission.KindPlacement {
			k = c
		}
	}
	for _, broken := range []string{"placements", "placement_history"} {
		t.Run(broken+" cannot be written", func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			exec := func(q string) {
				t.Helper()
				if err := h.conn.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			exec("RENAME TABLE " + broken + " TO " + broken + "_away")
			h.start(h.conn, useKinds(h.conn, k), func(svc *Service, _ func()) { svc.cfg.MaxAttempts = 100 })
			h.submitRows(k, "s1", 0, 10)

			// Until the table is back, the chunk fails and is tried again; placements is never
			// ahead of the history.
			tried := func() error {
				info, err := h.consumer("ingest-" + k.name)
				if err != nil || info.NumRedelivered < 1 {
					return fmt.Errorf("not yet tried twice (%v)", err)
				}
				return nil
			}
			poll.Until(t, 30*time.Second, tried)
			currentTable, historyTable := "placements", "placement_history"
			if broken == currentTable {
				currentTable += "_away"
			} else {
				historyTable += "_away"
			}
			current, history := h.rowsIn(currentTable, true), h.rowsIn(historyTable, true)
			if current > history {
				t.Fatalf("while %s could not be written: %d current placements, %d in the history", broken, current, history)
			}
			if st := h.statusOf("s1"); st.Status != submission.StatusPending {
				t.Fatalf("status %s while a table could not be written", st.Status)
			}

			exec("RENAME TABLE " + broken + "_away TO " + broken)
			h.waitStatus(60*time.Second, "s1", func(st submission.Status) bool { return st.Status != submission.StatusPending })
			if st := h.statusOf("s1"); st.Status != submission.StatusAccepted || st.Accepted != 10 {
				t.Fatalf("status %+v, want 10 accepted", st)
			}
			latest, all := h.versions("placements"), h.versions("placement_history")
			if len(latest) != 10 || !slices.Equal(latest, all) {
				t.Fatalf("after the redelivery:\nplacements        %v\nplacement_history %v\nwant the same 10 placements, each once, with the same version", latest, all)
			}
		})
	}
}

// versions lists each stored placement of a table as queries see it (FINAL): student and
// version, in order.
func (h *harness) versions(table string) []string {
	h.t.Helper()
	rows, err := h.conn.Query(context.Background(), "SELECT student_ref, version FROM "+table+" FINAL ORDER BY student_ref, version") // a table name of the test's, not input
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			ref     string
			version uint64
		)
		if err := rows.Scan(&ref, &version); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s@%d", ref[:8], version))
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// consumer reads the state of one of ingest's consumers.
func (h *harness) consumer(name string) (*jetstream.ConsumerInfo, error) {
	s, err := h.ns.JS.Stream(context.Background(), bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	c, err := s.Consumer(context.Background(), name)
	if err != nil {
		return nil, err
	}
	return c.Info(context.Background())
}
