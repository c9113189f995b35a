package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/profile"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// kindCase is one data kind as the consumer tests drive it: the kind, who submits it, how to
// write n valid rows of it that no other call with another from writes, and its table.
type kindCase struct {
	name  string
	kind  func(ch driver.Conn) Kind
	org   string
	roles []string
	rows  func(t *testing.T, from, n int) []byte
	table string
}

// everyKind is every kind ingest stores (kinds.All).
func everyKind(t *testing.T) (cases []kindCase) {
	fw, err := audit.LoadFramework()
	if err != nil {
		t.Fatal(err)
	}
	var ratings [][2]string // cycle and item of every rating a council may send
	for cycle := 2020; cycle <= 2026; cycle++ {
		v, _ := fw.VersionFor(cycle)
		for _, it := range fw.ItemsOf(v.Version) {
			ratings = append(ratings, [2]string{fmt.Sprint(cycle), it.ID})
		}
	}
	questions, err := survey.Questions()
	if err != nil {
		t.Fatal(err)
	}
	qs := slices.Sorted(func(yield func(string) bool) {
		for q := range questions {
			if !yield(q) {
				return
			}
		}
	})
	dir := func(ch driver.Conn) *reference.Directory { return reference.NewDirectory(ch, time.Second) }
	csvRows := func(layout func() ([]byte, error)) []byte {
		b, err := layout()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	lines := func(header string, from, n int, line func(j int) string) string {
		var b strings.Builder
		b.WriteString(header + "\n")
		for j := from; j < from+n; j++ {
			b.WriteString(line(j) + "\n")
		}
		return b.String()
	}
	council, university := "E06000001", "10007799"
	northEast := []string{"E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047", "E06000057",
		"E08000021", "E08000022", "E08000023", "E08000024", "E08000037"}
	submitter, uni := []string{auth.RoleSubmitter}, []string{auth.RoleUniversity}
	defer func() {
		// A kind registered without its case here would escape the consumer tests.
		for _, k := range kinds.All {
			if !slices.ContainsFunc(cases, func(c kindCase) bool { return c.name == k.About().Name }) {
				t.Errorf("kind %s has no case in everyKind", k.About().Name)
			}
		}
	}()
	cases = []kindCase{
		{submission.KindWorkforce, func(ch driver.Conn) Kind {
			return workforce.Kind.Handler(ch, dir(ch), time.Now)
		}, council, submitter, func(t *testing.T, from, n int) []byte {
			b, err := workforce.EncodeRows(returns(council, from, n))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, "workforce_returns"},
		{profile.Name, func(ch driver.Conn) Kind {
			return profile.Kind.Handler(ch, dir(ch), time.Now)
		}, council, submitter, func(t *testing.T, from, n int) []byte {
			csv := lines("org,year,level,headcount,sex_female,sex_male,sex_not_known", from, n, func(j int) string {
				return fmt.Sprintf("%s,%d,%s,12,10,1,1", council, 2000+j/len(profile.Levels), profile.Levels[j%len(profile.Levels)])
			})
			return csvRows(chunk(t, profile.Kind, csv))
		}, "workforce_profile"},
		// Service demand keeps one table row a figure: each row gives one. A steward sends them,
		// for the North East councils in turn, so that 60 rows fit in the years since 2000.
		{submission.KindServiceDemand, func(ch driver.Conn) Kind {
			return demand.Kind.Handler(ch, dir(ch), time.Now)
		}, council, []string{auth.RoleSteward}, func(t *testing.T, from, n int) []byte {
			csv := lines("org,period,cin_at_31_march", from, n, func(j int) string {
				return fmt.Sprintf("%s,%d,100", northEast[j%len(northEast)], 2000+j/len(northEast))
			})
			return csvRows(chunk(t, demand.Kind, csv))
		}, "service_demand"},
		{submission.KindSurvey, func(ch driver.Conn) Kind {
			return survey.Kind.Handler(ch, dir(ch), time.Now)
		}, council, submitter, func(t *testing.T, from, n int) []byte {
			csv := lines(strings.Join(survey.Kind.Columns(), ","), from, n, func(j int) string {
				g, q := survey.Groups[j%len(survey.Groups)], qs[j/len(survey.Groups)%len(qs)]
				return fmt.Sprintf("%s,%d,%s,%s,1,1,1,5,4,12", council, 2000+j/(len(survey.Groups)*len(qs)), q, g)
			})
			return csvRows(chunk(t, survey.Kind, csv))
		}, "survey_results"},
		{submission.KindAudit, func(ch driver.Conn) Kind {
			return audit.Kind.Handler(ch, dir(ch), time.Now)
		}, council, submitter, func(t *testing.T, from, n int) []byte {
			csv := lines(strings.Join(audit.Kind.Columns(), ","), from, n, func(j int) string {
				return fmt.Sprintf("%s,%s,%s,GREEN,Fine,LOW,,,", council, ratings[j][0], ratings[j][1])
			})
			return csvRows(chunk(t, audit.Kind, csv))
		}, "audit_ratings"},
		{submission.KindPlacement, func(ch driver.Conn) Kind {
			return placement.Kind.Handler(ch, dir(ch), time.Now)
		}, university, uni, func(t *testing.T, from, n int) []byte {
			csv := lines(strings.Join(placement.Kind.Columns(), ","), from, n, func(j int) string {
				return university + "," + placement.StudentRef([]byte("k"), fmt.Sprint(j)) +
					",undergraduate,2024/25,2025/26,final,E06000001,la,true,children_and_families,100,100,2,on_site,passed"
			})
			return csvRows(chunk(t, placement.Kind, csv))
		}, "placements"},
		{submission.KindPlacementCapacity, func(ch driver.Conn) Kind {
			return placement.CapacityKind.Handler(ch, dir(ch), time.Now)
		}, university, uni, func(t *testing.T, from, n int) []byte {
			csv := lines("org,academic_year,stage,requested,offered,confirmed", from, n, func(j int) string {
				y := 2000 + j/3
				return fmt.Sprintf("%s,%d/%02d,%s,40,,", university, y, (y+1)%100, []string{"first", "final", "skills_days"}[j%3])
			})
			return csvRows(chunk(t, placement.CapacityKind, csv))
		}, "placement_capacity"},
		{submission.KindPracticeEducators, func(ch driver.Conn) Kind {
			return placement.EducatorsKind.Handler(ch, dir(ch), time.Now)
		}, council, submitter, func(t *testing.T, from, n int) []byte {
			csv := lines("org,period,stage1,stage2,active,students_supported", from, n, func(j int) string {
				return fmt.Sprintf("%s,%d-Q%d,3,5,6,8", council, 2000+j/4, j%4+1)
			})
			return csvRows(chunk(t, placement.EducatorsKind, csv))
		}, "practice_educators"},
	}
	return cases
}

// submitRows publishes a chunk of n rows of the kind, as the API would, and records its meta.
func (h *harness) submitRows(k kindCase, id string, from, n int) {
	h.t.Helper()
	h.publishEnvelope(k, id, k.rows(h.t, from, n), n)
}

// publishEnvelope publishes rows (in their wire form) as a chunk of n rows of the kind, with
// those the API refused already.
func (h *harness) publishEnvelope(k kindCase, id string, rows []byte, n int, rejected ...submission.RowError) {
	h.t.Helper()
	ctx := context.Background()
	received := time.Now().UTC()
	if err := h.status.PutMeta(ctx, submission.Meta{ID: id, Kind: k.name, Org: k.org, Submitter: "test", ReceivedAt: received, Rows: n, Chunks: 1, Published: true}); err != nil {
		h.t.Fatal(err)
	}
	env, _ := json.Marshal(submission.Envelope{ID: id, Kind: k.name, Org: k.org, Roles: k.roles, Submitter: "test", Chunks: 1, ReceivedAt: received, Rows: rows, Rejected: rejected})
	if _, err := h.ns.JS.Publish(ctx, bus.SubmitSubject(k.name, k.org), env, jetstream.WithMsgID(id+":0")); err != nil {
		h.t.Fatal(err)
	}
}

// rowsIn counts the rows of a table as queries see them (FINAL) or as stored.
func (h *harness) rowsIn(table string, final bool) uint64 {
	h.t.Helper()
	q := "SELECT count() FROM " + table // a table name from everyKind, not input
	if final {
		q += " FINAL"
	}
	var n uint64
	if err := h.conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// useKinds makes a service consume the given kinds, on its ClickHouse connection ch.
func useKinds(ch driver.Conn, kinds ...kindCase) func(*Service, func()) {
	return func(svc *Service, _ func()) {
		svc.kinds = svc.kinds[:0]
		for _, k := range kinds {
			svc.kinds = append(svc.kinds, k.kind(ch))
		}
	}
}

// Ingest dies after ClickHouse took the batch but before JetStream heard the ack: the
// redelivered batch is inserted again, and queries still see each row once; for every kind.
func TestCrashBetweenInsertAndAck(t *testing.T) {
	for _, k := range everyKind(t) {
		t.Run(k.name, func(t *testing.T) {
			h := newHarness(t)
			var inserts atomic.Int32
			done := h.start(h.conn, useKinds(h.conn, k), func(svc *Service, crash func()) {
				svc.afterInsert = func() { inserts.Add(1); crash() }
			})
			h.submitRows(k, "s1", 0, 40)
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("ingest stopped with %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ingest did not reach the insert")
			}
			if st := h.statusOf("s1"); st.Status != submission.StatusPending {
				t.Fatalf("status after the crash = %s, want pending (nothing acknowledged)", st.Status)
			}
			h.start(h.conn, useKinds(h.conn, k), func(svc *Service, _ func()) { svc.afterInsert = func() { inserts.Add(1) } })
			h.waitStatus(15*time.Second, "s1", accepted)
			if n := inserts.Load(); n != 2 {
				t.Errorf("inserts = %d, want 2 (the batch was written twice)", n)
			}
			if n := h.rowsIn(k.table, true); n != 40 {
				t.Errorf("rows seen by queries = %d, want 40", n)
			}
		})
	}
}

// ClickHouse goes away for 30 s while submissions of every kind arrive: they wait in JetStream
// and are all stored, once each, when it is back; none goes to the dead-letter stream.
func TestClickHouseOutage(t *testing.T) {
	outage := 30 * time.Second
	if testing.Short() {
		outage = 3 * time.Second
	}
	h := newHarness(t)
	p := chtest.NewProxy(t, h.chcfg.Addr)
	cfg := h.chcfg
	cfg.Addr = p.Addr()
	ch, err := chstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	kinds := everyKind(t)
	h.start(ch, useKinds(ch, kinds...))

	for _, k := range kinds {
		h.submitRows(k, k.name+"-before", 0, 10)
		h.waitStatus(10*time.Second, k.name+"-before", accepted)
	}

	p.Down()
	for _, k := range kinds {
		for i := range 5 {
			h.submitRows(k, fmt.Sprintf("%s-during-%d", k.name, i), 10+i*10, 10)
		}
	}
	h.submit("unknown-org-cache", "E06000002", returns("E06000002", 0, 10))
	time.Sleep(outage) // the outage itself: nothing to poll for
	for _, k := range kinds {
		if n := h.rowsIn(k.table, true); n != 10 {
			t.Fatalf("during the outage %d %s rows are stored, want the first 10", n, k.name)
		}
	}
	p.Up()
	for _, k := range kinds {
		for i := range 5 {
			h.waitStatus(30*time.Second, fmt.Sprintf("%s-during-%d", k.name, i), accepted)
		}
	}
	h.waitStatus(30*time.Second, "unknown-org-cache", accepted)
	for _, k := range kinds {
		want := uint64(60)
		if k.name == submission.KindWorkforce {
			want += 10 // the other council's
		}
		if n := h.rowsIn(k.table, true); n != want {
			t.Errorf("%d %s rows stored, want %d", n, k.name, want)
		}
	}
	if n := h.deadLetters(); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}

// A message that can never be processed ends in the dead-letter stream with its reason, and its
// submission says why instead of staying pending; for every kind.
func TestPoisonGoesToDeadLetter(t *testing.T) {
	for _, k := range everyKind(t) {
		t.Run(k.name, func(t *testing.T) {
			h := newHarness(t)
			h.start(h.conn, useKinds(h.conn, k))
			ctx := context.Background()
			subject := bus.SubmitSubject(k.name, k.org)
			if _, err := h.ns.JS.Publish(ctx, subject, []byte("not json")); err != nil {
				t.Fatal(err)
			}
			h.publishEnvelope(k, "bad-rows", []byte(`{"not": "rows"}`), 1)
			h.waitDeadLetters(30*time.Second, 2)
			dl := h.ns.DeadLetters(t)
			if r := dl[0].Header.Get(bus.HeaderReason); !strings.HasPrefix(r, "undecodable envelope: ") || dl[0].Header.Get(bus.HeaderOriginalSubject) != subject || string(dl[0].Data) != "not json" {
				t.Errorf("dead letter = %q %v", dl[0].Data, dl[0].Header)
			}
			if n, r := dl[1].Header.Get(bus.HeaderDeliveries), dl[1].Header.Get(bus.HeaderReason); n != fmt.Sprint(testConfig.MaxAttempts) ||
				!strings.HasPrefix(r, fmt.Sprintf("failed %d times: check: ", testConfig.MaxAttempts)) {
				t.Errorf("undecodable rows dead-lettered after %s deliveries with %q, want %d and the check's error", n, r, testConfig.MaxAttempts)
			}
			h.waitStatus(5*time.Second, "bad-rows", func(st submission.Status) bool { return st.Status == submission.StatusRejected })
			cons, err := h.ns.JS.Consumer(ctx, bus.StreamSubmissions, "ingest-"+k.name)
			if err != nil {
				t.Fatal(err)
			}
			info, err := cons.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info.NumPending != 0 || info.NumAckPending != 0 {
				t.Errorf("consumer still has %d pending, %d unacknowledged", info.NumPending, info.NumAckPending)
			}
		})
	}
}
