package ingest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// chunk reads a CSV body of kind k as the API does and returns the wire form of what it passed on.
func chunk(t *testing.T, k kind.Any, csv string) func() ([]byte, error) {
	t.Helper()
	var rows []byte
	_, err := k.Read(kind.Body{R: strings.NewReader(csv), CSV: true}, kind.Caller{Roles: []string{auth.RoleSteward}},
		kind.Limits{MaxRows: 1 << 20, ChunkRows: 1 << 20}, func(c kind.Chunk) error {
			if len(c.Rejected) > 0 {
				t.Fatalf("the API refused %+v", c.Rejected)
			}
			rows = c.Rows
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return func() ([]byte, error) { return rows, nil }
}

// handler is ingest's handler of kind k, on the harness's database.
func (h *harness) handler(k kind.Any) Kind {
	return k.Handler(h.conn, reference.NewDirectory(h.conn, time.Second), fixedNow)
}

func rowFields(errs []submission.RowError) map[int]string {
	out := map[int]string{}
	for _, e := range errs {
		out[e.Row] = e.Field
	}
	return out
}

func TestPlacementRows(t *testing.T) {
	h := newHarness(t)
	k, store := h.handler(placement.Kind), placement.NewStore(h.conn)
	ref := func(n string) string { return placement.StudentRef([]byte("k"), n) }
	csv := strings.Join(placement.Kind.Columns(), ",") + "\n" +
		"10007799," + ref("1") + ",undergraduate,2024/25,2025/26,final,E06000001,la,true,children_and_families,100,100,2,on_site,passed\n" + // 2 good
		"10007799," + ref("2") + ",undergraduate,2024/25,2025/26,final,E06000001,la,true,adults,100,106,2,on_site,passed\n" + // 3 more than planned + 5
		"10007799," + ref("3") + ",undergraduate,2024/25,2025/26,final,RX4,health,false,mental_health,100,96,1,off_site,passed\n" + // 4 short final: warning
		"10007799," + ref("4") + ",undergraduate,2024/25,2025/26,final,X9999999,voluntary,false,adults,100,20,1,on_site,withdrawn\n" + // 5 unknown host
		"10001282," + ref("5") + ",postgraduate,2024/25,2025/26,first,E06000001,la,true,adults,70,70,1,on_site,passed\n" + // 6 another university
		"10007799," + ref("6") + ",frontline,2024/25,2025/26,first,E06000001,la,true,adults,70,70,1,on_site,passed\n" // 7 good
	res := checkAndStore(t, k, submission.Envelope{Org: "10007799", Roles: []string{auth.RoleUniversity}},
		chunk(t, placement.Kind, csv))
	if want := map[int]string{3: "completed_days", 5: "host_org", 6: "org"}; res.Accepted != 3 || !equalFields(rowFields(res.Rejected), want) {
		t.Errorf("result %+v, want 3 accepted and refusals %v", res, want)
	}
	if got := rowFields(res.Warnings); len(got) != 1 || got[4] != "completed_days" {
		t.Errorf("warnings %+v, want row 4 completed_days", res.Warnings)
	}

	// The same placement resubmitted (a later submission) is one row, with both in the history.
	again := "org,student_ref,route,cohort,academic_year,stage,host_org,setting,statutory_tasks,service_user_group,planned_days,completed_days,pe_stage,pe_location,outcome\n" +
		"10007799," + ref("1") + ",undergraduate,2024/25,2025/26,final,E06000001,la,true,children_and_families,100,100,2,on_site,passed\n"
	wire, err := chunk(t, placement.Kind, again)()
	if err != nil {
		t.Fatal(err)
	}
	env := submission.Envelope{ID: "sub-2", Kind: k.Name(), Org: "10007799", Roles: []string{auth.RoleUniversity}, Submitter: "test", ReceivedAt: fixedNow().Add(time.Hour), Rows: wire}
	b := k.Check(context.Background(), []submission.Envelope{env})
	if c, err := b.Chunk(0); err != nil || c.Count != 1 {
		t.Fatalf("check %+v (%v)", c, err)
	}
	if err := b.Store(context.Background()); err != nil {
		t.Fatal(err)
	}
	latest, err := store.List(context.Background(), "10007799", "")
	if err != nil || len(latest) != 3 {
		t.Errorf("latest %d rows (%v), want 3", len(latest), err)
	}
	hist, err := store.History(context.Background(), "10007799", ref("1"))
	if err != nil || len(hist) != 2 || hist[1].SubmissionID != "sub-2" {
		t.Errorf("history %+v (%v)", hist, err)
	}

	// A steward may send placements for any university, but only a university's.
	steward := strings.Replace(again, "10007799,", "E06000001,", 1)
	res = checkAndStore(t, k, submission.Envelope{Steward: true, Roles: []string{auth.RoleSteward}}, chunk(t, placement.Kind, steward))
	if res.Accepted != 0 || rowFields(res.Rejected)[2] != "org" {
		t.Errorf("placement from a council: %+v", res)
	}
}

func TestCapacityAndEducatorRows(t *testing.T) {
	h := newHarness(t)
	store := placement.NewStore(h.conn)
	capacity, educators := placement.CapacityKind, placement.EducatorsKind
	tests := []struct {
		name     string
		kind     kind.Any
		env      submission.Envelope
		csv      string
		accepted int
		refused  map[int]string
		warned   map[int]string
	}{
		{"a university requests, may not offer", capacity,
			submission.Envelope{Org: "10007799", Roles: []string{auth.RoleUniversity}},
			"org,academic_year,stage,requested,offered,confirmed\n10007799,2026/27,final,40,,\n10007799,2026/27,first,30,5,\n", 1, map[int]string{3: "offered"}, nil},
		{"an employer offers, may not request", capacity,
			submission.Envelope{Org: "RX4", Roles: []string{auth.RoleSubmitter}},
			"org,academic_year,stage,requested,offered,confirmed\nRX4,2026/27,final,,6,4\nRX4,2026/27,first,3,,\nRX4,2026/27,skills_days,,2,3\n", 1, map[int]string{3: "requested", 4: "confirmed"}, nil},
		{"an employer only its own offers", capacity,
			submission.Envelope{Org: "RX4", Roles: []string{auth.RoleSubmitter}},
			"org,academic_year,stage,offered\nE06000001,2026/27,final,6\n", 0, map[int]string{2: "org"}, nil},
		{"an employer's educators", educators,
			submission.Envelope{Org: "E06000001", Roles: []string{auth.RoleSubmitter}},
			"org,period,stage1,stage2,active,students_supported\nE06000001,2025,3,5,6,8\nE06000001,2025-Q1,1,1,3,2\nE06000001,2025-Q2,1,1,0,2\nE06000002,2025,1,1,1,1\n",
			2, map[int]string{3: "active", 5: "org"}, map[int]string{4: "students_supported"}},
		{"a steward's educators for any employer", educators,
			submission.Envelope{Steward: true, Roles: []string{auth.RoleSteward}},
			"org,period,stage2\nE06000002,2024,7\nNOPE,2024,1\n", 1, map[int]string{3: "org"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkAndStore(t, h.handler(tt.kind), tt.env, chunk(t, tt.kind, tt.csv))
			if res.Accepted != tt.accepted || !equalFields(rowFields(res.Rejected), tt.refused) || !equalFields(rowFields(res.Warnings), tt.warned) {
				t.Errorf("result %+v, want %d accepted, refusals %v, warnings %v", res, tt.accepted, tt.refused, tt.warned)
			}
		})
	}
	caps, err := store.ListCapacity(context.Background(), "RX4", "2026/27")
	if err != nil || len(caps) != 1 || *caps[0].Offered != 6 || *caps[0].Confirmed != 4 || caps[0].Requested != nil {
		t.Errorf("stored capacity %+v (%v)", caps, err)
	}
	eds, err := store.ListEducators(context.Background(), "E06000002", "")
	if err != nil || len(eds) != 1 || *eds[0].Stage2 != 7 || eds[0].Stage1 != nil {
		t.Errorf("stored educators %+v (%v)", eds, err)
	}
}

func equalFields(got, want map[int]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
