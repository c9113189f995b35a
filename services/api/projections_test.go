package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/workforce"
	"github.com/partnership-hub/hub/services/api"
)

// projectionEnv stores 2022–2025 workforce returns and demand for three North East councils,
// computes the benchmarks (and so the projection inputs) as services/benchmark does, and makes
// the North East alliance of Hartlepool and Middlesbrough.
//
// Hartlepool and Middlesbrough hold in post steady: 100 and 200 FTE, a tenth leaving and as
// many starting each year, 20 and 40 vacancies, 10 and 20 agency FTE. So the leaver rate is 0.1
// whatever the shrinkage, in-post stays at 100 and 200, the establishment at 120 and 240 with
// flat demand, the gap 20 and 40, and agency 10 and 20. Newcastle's 2025 vacancies are a DfE
// symbol: it is left out, saying why.
func projectionEnv(t *testing.T) *env {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " is not set")
	}
	e := newEnv(t, defaultLimits)
	ctx := context.Background()
	var rows []workforce.Stored
	var demands []demand.Stored
	add := func(org string, inpost float64, vacancies measure.Value) {
		for y := 2022; y <= 2025; y++ {
			p := strconv.Itoa(y)
			r := workforce.Return{Org: org, Period: p, InpostFTE: measure.Of(inpost), LeaversFTE: measure.Of(inpost / 10), StartersFTE: measure.Of(inpost / 10),
				VacancyFTE: vacancies, AgencyFTE: measure.Of(inpost / 10), CaseHoldersFTE: measure.Of(inpost * 0.6), Cases: measure.Of(inpost * 9)}
			if vacancies.Known {
				r.VacancyFTE = measure.Of(vacancies.V)
			} else if y < 2025 {
				r.VacancyFTE = measure.Of(10)
			}
			rows = append(rows, workforce.Stored{Row: workforce.Row{Row: len(rows) + 2, Return: r}, SubmissionID: "s", ReceivedAt: time.Now()})
			d := demand.Return{Org: org, Period: p, CINAt31March: measure.Of(inpost * 10), ChildPopulation: measure.Of(inpost * 200)}
			demands = append(demands, demand.Stored{Row: demand.Row{Row: len(demands) + 2, Return: d}, SubmissionID: "d", ReceivedAt: time.Now()})
		}
	}
	add("E06000001", 100, measure.Of(20))
	add("E06000002", 200, measure.Of(40))
	add("E08000021", 300, measure.Unknown(measure.Unavailable))
	if err := workforce.NewStore(e.ch).Insert(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := demand.NewStore(e.ch).Insert(ctx, demands); err != nil {
		t.Fatal(err)
	}
	e.rebuildBenchmarks("E06000001", "E06000002")
	return e
}

func (e *env) projections(client, query string) (int, api.Projections, string) {
	e.t.Helper()
	resp, b := e.do("GET", "/v1/projections?"+query, client, "", "")
	var out api.Projections
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, out, string(b)
}

func about(got, want float64) bool { return math.Abs(got-want) < 1e-6 }

func TestProjectionsByHandAndAccess(t *testing.T) {
	e := projectionEnv(t)
	tests := []struct {
		name, client, query string
		status              int
		inpost, gap, agency float64 // the first year's
		named               string  // members named, in order
		excluded            string  // named exclusions
		unnamed             int
	}{
		{"steward, a region", "demo-steward", "region=E12000001&years=3&demand=flat", 200, 300, 60, 30, "E06000001,E06000002", "E08000021", 0},
		{"analyst, a region", "demo-analyst", "region=E12000001&years=3&demand=flat", 200, 300, 60, 30, "E06000001,E06000002", "", 1},
		{"council, a region", "demo-council", "region=E12000001&years=3&demand=flat", 200, 300, 60, 30, "E06000001", "", 1},
		{"analyst, its alliance", "demo-analyst", "alliance=north-east&demand=flat", 200, 300, 60, 30, "E06000001,E06000002", "", 0},
		{"council, its alliance", "demo-council", "alliance=north-east&demand=flat", 200, 300, 60, 30, "E06000001", "", 0},
		{"council, itself", "demo-council", "org=E06000001&demand=flat", 200, 100, 20, 10, "", "", 0},
		{"steward, one council", "demo-steward", "org=E06000002&demand=flat", 200, 200, 40, 20, "", "", 0},
		// A council cannot project another by name where the benchmarks would not name it.
		{"council, another council", "demo-council", "org=E06000002", 403, 0, 0, 0, "", "", 0},
		{"analyst, outside its alliance", "demo-analyst", "org=E08000021", 403, 0, 0, 0, "", "", 0},
		{"a survey provider reads no figures", "demo-survey", "region=E12000001", 403, 0, 0, 0, "", "", 0},
		{"no such alliance", "demo-steward", "alliance=nowhere", 404, 0, 0, 0, "", "", 0},
		{"no such area", "demo-steward", "region=E12999999", 404, 0, 0, 0, "", "", 0},
		{"two scopes", "demo-steward", "org=E06000001&region=E12000001", 422, 0, 0, 0, "", "", 0},
		{"an unknown input, asked by name", "demo-steward", "org=E08000021", 422, 0, 0, 0, "", "", 0},
		{"a year not projected", "demo-steward", "region=E12000001&years=2&close_gap_by=2030", 422, 0, 0, 0, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got, body := e.projections(tt.client, tt.query)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status != 200 {
				if strings.Contains(tt.name, "unknown input") && !strings.Contains(body, "vacancy FTE 2025 unknown (x)") {
					t.Errorf("the refusal should say why: %s", body)
				}
				return
			}
			p := got.Projection.Points[0]
			if got.Projection.Base != 2025 || p.Year != 2026 || !about(p.Inpost, tt.inpost) || !about(p.Gap, tt.gap) || p.Agency == nil || !about(*p.Agency, tt.agency) {
				t.Errorf("first year %+v (base %d), want in-post %v, gap %v, agency %v", p, got.Projection.Base, tt.inpost, tt.gap, tt.agency)
			}
			var named, excluded []string
			for _, m := range got.Members {
				named = append(named, m.Org)
			}
			for _, x := range got.Excluded {
				excluded = append(excluded, x.Org)
				if x.Reason != "vacancy FTE 2025 unknown (x)" {
					t.Errorf("excluded %s: %q", x.Org, x.Reason)
				}
			}
			if strings.Join(named, ",") != tt.named || strings.Join(excluded, ",") != tt.excluded || got.ExcludedUnnamed != tt.unnamed {
				t.Errorf("named %v, excluded %v and %d unnamed; want %s, %s and %d", named, excluded, got.ExcludedUnnamed, tt.named, tt.excluded, tt.unnamed)
			}
		})
	}
}

// The what-ifs change the answer as the model says: ten more apprentices a year qualifying after
// one year add 9.3 FTE from the second year; a caseload target of 10 against 15 today needs an
// establishment 1.5 times today's.
func TestProjectionWhatIfs(t *testing.T) {
	e := projectionEnv(t)
	_, base, _ := e.projections("demo-council", "org=E06000001&demand=flat&years=2")
	_, more, _ := e.projections("demo-council", "org=E06000001&demand=flat&years=2&apprentices=10&apprenticeship_years=1")
	if !about(more.Projection.Points[1].Inpost-base.Projection.Points[1].Inpost, 10*projection.DefaultQualificationRate) {
		t.Errorf("apprentices: %v against %v", more.Projection.Points[1].Inpost, base.Projection.Points[1].Inpost)
	}
	_, target, _ := e.projections("demo-council", "org=E06000001&demand=flat&target_caseload=10")
	if !about(target.Projection.Points[0].Establishment, 120*1.5) || target.Assumptions.TargetCaseload != 10 {
		t.Errorf("target caseload: %+v", target.Projection.Points[0])
	}
	// Demand held by the children in need trend: flat figures give a flat establishment.
	_, cin, _ := e.projections("demo-council", "org=E06000001")
	if cin.Assumptions.Demand != "children_in_need" || !about(cin.Projection.Points[0].Establishment, 120) || cin.Projection.Points[0].Demand == nil {
		t.Errorf("children in need: %+v %+v", cin.Assumptions, cin.Projection.Points[0])
	}
}

func TestProjectionsCSV(t *testing.T) {
	e := projectionEnv(t)
	resp, b := e.do("GET", "/v1/projections?region=E12000001&years=2&demand=flat", "demo-analyst", "", "", "Accept", "text/csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0][:6], ",") != "area_code,area_name,org,org_name,year,kind" {
		t.Errorf("header %v", recs[0])
	}
	// The area's 4 years of history and 2 projected, then each named member's.
	var area, members int
	for _, r := range recs[1:] {
		if r[2] == "" {
			area++
			if r[5] == "projection" && r[4] == "2026" && r[6] != "300" {
				t.Errorf("area 2026 in-post %s, want 300", r[6])
			}
		} else {
			members++
		}
	}
	if area != 6 || members != 12 {
		t.Errorf("%d area rows and %d member rows, want 6 and 12: %v", area, members, recs)
	}
}

// An answer says when the inputs it used were computed (computed_at): the latest computation
// time stored with them, not the time of the request. One of Hartlepool's rows is stored again
// as computed at a known time, later than the rest: every North East answer used it (each
// member's leaver rate is shrunk towards the region's), so each says that time, which is the
// stored inputs' latest.
func TestProjectionsComputedAt(t *testing.T) {
	e := projectionEnv(t)
	ctx := context.Background()
	rows, err := projection.NewInputStore(e.ch).ReadRows(ctx, []string{"2025"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := e.ch.PrepareBatch(ctx, `INSERT INTO projection_inputs (period, org_code, org_name, regions, figure, value, reason, deleted, computed_at, version)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Org == "E06000001" && r.Figure == projection.FigInpost {
			if err := b.Append(r.Period, r.Org, r.Name, r.Areas, r.Figure, r.Value.Ptr(), string(r.Value.Reason), uint8(0), at, uint64(time.Now().UnixNano())); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	var stored time.Time
	if err := e.ch.QueryRow(ctx, `SELECT max(computed_at) FROM projection_inputs FINAL WHERE deleted = 0`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !stored.Equal(at) {
		t.Fatalf("stored inputs' latest computation %s, want %s", stored, at)
	}
	for _, query := range []string{"region=E12000001&demand=flat", "alliance=north-east&demand=flat", "org=E06000001&demand=flat", "org=E06000002&demand=flat"} {
		status, got, body := e.projections("demo-steward", query)
		if status != 200 {
			t.Fatalf("%s: status %d: %s", query, status, body)
		}
		if got.ComputedAt == nil || !got.ComputedAt.Equal(stored) || got.ComputedAt.Location() != time.UTC {
			t.Errorf("%s: computed_at %v, want the stored inputs' computation time %s in UTC: %s", query, got.ComputedAt, stored, body)
		}
	}
}
