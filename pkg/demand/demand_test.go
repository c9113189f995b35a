package demand_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

var today = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// TestDfEFilesAsPublished reads both DfE files as they are: every row is taken and passes the
// rules, symbols are kept as reasons, and the looked-after file's three rows an authority and year
// are gathered into one return.
func TestDfEFilesAsPublished(t *testing.T) {
	cin, err := reference.DfEChildrenInNeed()
	if err != nil {
		t.Fatal(err)
	}
	cla, err := reference.DfEChildrenLookedAfter()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		body  []byte
		rows  int
		check func(t *testing.T, byKey map[string]kind.Row[demand.Return])
	}{
		{"children in need 2013–2025", cin, 1976, func(t *testing.T, byKey map[string]kind.Row[demand.Return]) {
			// Hartlepool 2025: 3010 episodes, 2674 children, 1642 started, 1669 ended, 1341 at 31 March, 27 awaiting.
			r := byKey["E06000001/2025"]
			want := demand.Return{Org: "E06000001", Period: "2025", CINEpisodes: measure.Of(3010), CINChildren: measure.Of(2674),
				CINStarted: measure.Of(1642), CINStartedChildren: measure.Of(1488), CINEnded: measure.Of(1669), CINEndedChildren: measure.Of(1508),
				CINAt31March: measure.Of(1341), CINAwaitingAssessment: measure.Of(27)}
			if r.Value != want {
				t.Errorf("Hartlepool 2025 = %+v, want %+v", r.Value, want)
			}
			symbols := 0
			for _, r := range byKey {
				for _, f := range demand.Fields {
					if v := *f.Of(&r.Value); !v.Known && v.Reason != measure.NotReported {
						symbols++
					}
				}
			}
			if symbols == 0 {
				t.Error("the file's x, c and u cells should be kept as reasons")
			}
		}},
		{"children looked after 2021–2025", cla, 775, func(t *testing.T, byKey map[string]kind.Row[demand.Return]) {
			// Hartlepool 2025: 332 looked after, 126 starting, 131 ceasing, 21090 children; rows 2–4.
			r := byKey["E06000001/2025"]
			want := demand.Return{Org: "E06000001", Period: "2025", CLAAt31March: measure.Of(332), CLAStarted: measure.Of(126), CLACeased: measure.Of(131), ChildPopulation: measure.Of(21090)}
			if r.Value != want || r.Num != 2 {
				t.Errorf("Hartlepool 2025 = row %d %+v, want row 2 %+v", r.Num, r.Value, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := demand.Kind.ReadAll(kind.Body{R: bytes.NewReader(tt.body), CSV: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Rejected) > 0 {
				t.Fatalf("rejected %v", d.Rejected[:min(5, len(d.Rejected))])
			}
			if len(d.Rows) != tt.rows {
				t.Fatalf("%d returns, want %d", len(d.Rows), tt.rows)
			}
			byKey := map[string]kind.Row[demand.Return]{}
			for _, r := range d.Rows {
				if errs, _ := demand.Validate(r.Value, today); len(errs) > 0 {
					t.Fatalf("row %d refused: %v", r.Num, errs)
				}
				byKey[r.Value.Org+"/"+r.Value.Period] = r
			}
			tt.check(t, byKey)
		})
	}
}

// readCSV reads a CSV body as the API does, for a steward.
func readCSV(t *testing.T, body string) kind.Decoded[demand.Return] {
	t.Helper()
	d, err := demand.Kind.ReadAll(kind.Body{R: strings.NewReader(body), CSV: true})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const claHeader = "time_period,new_la_code,population_type,population_estimate,children_count\n"

func TestReadRefusesRowsSayingWhy(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []submission.RowError
	}{
		{"not a number", "org,period,cin_at_31_march\nE06000001,2025,many\n", []submission.RowError{{Row: 2, Field: "cin_at_31_march", Reason: `"many" is not a number or one of the symbols x, c, z, u, low`}}},
		{"a repeated authority and year", "org,period,cin_at_31_march\nE06000001,2025,1\nE06000001,2025,2\n", []submission.RowError{{Row: 3, Reason: "repeats row 2: organisation E06000001, period 2025"}}},
		{"a region's row", "time_period,geographic_level,new_la_code,At31_episodes\n2025,Regional,E12000001,100\n", []submission.RowError{{Row: 2, Field: "geographic_level", Reason: `"Regional" rows are not taken: the hub computes regional and national figures itself`}}},
		{"another category", "time_period,new_la_code,category,At31_episodes\n2025,E06000001,Child protection,100\n", []submission.RowError{{Row: 2, Field: "category", Reason: `category "Child protection" is not taken: only Children in Need`}}},
		{"an unknown population type", claHeader + "2025,E06000001,Children adopted,21090,5\n", []submission.RowError{{Row: 2, Field: "population_type", Reason: `population type "Children adopted" is not one the hub takes (children looked after on 31 March, starting or ceasing to be looked after each year)`}}},
		{"looked-after rows that disagree", claHeader + "2025,E06000001,Children looked after on 31 March each year,21090,332\n2025,E06000001,Children starting to be looked after each year,21000,126\n",
			[]submission.RowError{{Row: 3, Field: "child_population", Reason: "21000 differs from row 2's 21090 for organisation E06000001 and period 2025"}}},
		{"an authority's looked-after rows apart", claHeader + "2025,E06000001,Children looked after on 31 March each year,21090,332\n2025,E06000002,Children looked after on 31 March each year,35617,500\n2025,E06000001,Children starting to be looked after each year,21090,126\n",
			[]submission.RowError{{Row: 4, Reason: "repeats row 2: organisation E06000001, period 2025"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := readCSV(t, tt.body)
			if len(d.Rejected) != len(tt.want) {
				t.Fatalf("rejected %+v, want %+v", d.Rejected, tt.want)
			}
			for i := range tt.want {
				if d.Rejected[i] != tt.want[i] {
					t.Errorf("rejected %+v, want %+v", d.Rejected[i], tt.want[i])
				}
			}
		})
	}
}

// A looked-after row refused (a bad count, too few cells) refuses that row only: the authority's
// other rows still make its return, numbered by the first of them.
func TestLookedAfterRowsGatherAroundARefusedOne(t *testing.T) {
	d := readCSV(t, claHeader+
		"2025,E06000001,Children looked after on 31 March each year,21090,332\n"+
		"2025,E06000001,Children starting to be looked after each year,21090,many\n"+
		"2025,E06000001\n"+
		"2025,E06000001,Children ceasing to be looked after each year,21090,c\n"+
		"2025,E06000002,Children looked after on 31 March each year,35617,500\n")
	want := []kind.Row[demand.Return]{
		{Num: 2, Value: demand.Return{Org: "E06000001", Period: "2025", CLAAt31March: measure.Of(332), CLACeased: measure.Unknown(measure.Confidential), ChildPopulation: measure.Of(21090)}},
		{Num: 6, Value: demand.Return{Org: "E06000002", Period: "2025", CLAAt31March: measure.Of(500), ChildPopulation: measure.Of(35617)}},
	}
	if len(d.Rows) != len(want) || d.Rows[0] != want[0] || d.Rows[1] != want[1] {
		t.Errorf("rows %+v, want %+v", d.Rows, want)
	}
	if len(d.Rejected) != 2 || d.Rejected[0].Row != 3 || d.Rejected[0].Field != "children_count" || d.Rejected[1].Row != 4 {
		t.Errorf("rejected %+v, want rows 3 (children_count) and 4", d.Rejected)
	}
}

func TestReadRefusesBadHeaders(t *testing.T) {
	for _, body := range []string{
		"org,period,cin_at_31_march,shoe_size\nE06000001,2025,1,9\n",
		"org,cin_at_31_march\nE06000001,1\n",
		"org,period,org\nE06000001,2025,E06000001\n",
		"org,period,cin_at_31_march,at31_episodes\nE06000001,2025,1,1\n",
		"time_period,new_la_code,population_type\n2025,E06000001,Children looked after on 31 March each year\n",
		"time_period;new_la_code;population_type;children_count\n2025;E06000001;Children looked after on 31 March each year;332\n",
	} {
		var de *submission.DocumentError
		if _, err := demand.Kind.ReadAll(kind.Body{R: strings.NewReader(body), CSV: true}); !errors.As(err, &de) {
			t.Errorf("%q: got %v, want a document error", body, err)
		}
	}
}

func TestJSONAndWireRoundTrip(t *testing.T) {
	body := `{"demand": [{"org": "e06000001", "period": "2025", "cin_at_31_march": 1341, "cin_awaiting_assessment": "c", "child_population": null}]}`
	d, err := demand.Kind.ReadAll(kind.Body{R: strings.NewReader(body)})
	if err != nil || len(d.Rejected) > 0 || len(d.Rows) != 1 {
		t.Fatalf("%+v %v", d, err)
	}
	r := d.Rows[0].Value
	if r.Org != "E06000001" || r.CINAt31March != measure.Of(1341) || r.CINAwaitingAssessment != measure.Unknown(measure.Confidential) || r.ChildPopulation != (measure.Value{}) {
		t.Errorf("decoded %+v", r)
	}
	b, err := demand.Kind.Format.Encode(d.Rows)
	if err != nil {
		t.Fatal(err)
	}
	back, err := demand.Kind.Format.Decode(b)
	if err != nil || len(back) != 1 || back[0] != d.Rows[0] {
		t.Errorf("round trip %+v, %v; want %+v", back, err, d.Rows[0])
	}
}

// Service demand is counted per local authority: a trust, a university or a joint workforce
// return is refused.
func TestOnlyLocalAuthoritiesReportDemand(t *testing.T) {
	r := demand.Return{Org: "RX4", Period: "2025", CINAt31March: measure.Of(1)}
	for _, o := range []reference.Organisation{{Code: "RX4", Type: reference.TypeTrust}, {Code: "E09000021_E09000027", Type: reference.TypeJointReturn}} {
		errs, err := demand.Kind.Refer(context.Background(), kind.Ref{}, o, &r)
		if err != nil || len(errs) != 1 || errs[0].Field != "org" || !strings.Contains(errs[0].Reason, "service demand is reported for local authorities") {
			t.Errorf("%s: %+v %v", o.Type, errs, err)
		}
	}
	if errs, err := demand.Kind.Refer(context.Background(), kind.Ref{}, reference.Organisation{Code: "E06000001", Type: reference.TypeLocalAuthority}, &r); err != nil || len(errs) > 0 {
		t.Errorf("a local authority: %+v %v", errs, err)
	}
}

func TestValidate(t *testing.T) {
	base := demand.Return{Org: "E06000001", Period: "2025", CINEpisodes: measure.Of(3010), CINAt31March: measure.Of(1341), ChildPopulation: measure.Of(21090)}
	tests := []struct {
		name        string
		change      func(r *demand.Return)
		field, want string
		warning     bool
	}{
		{"the year has not ended", func(r *demand.Return) { r.Period = "2026" }, "", "", false},
		{"a future year", func(r *demand.Return) { r.Period = "2027" }, "period", "reporting year 2027 is in the future", false},
		{"a fraction of a child", func(r *demand.Return) { r.CLAStarted = measure.Of(1.5) }, "cla_started", "must be a whole number, got 1.5", false},
		{"negative", func(r *demand.Return) { r.CLACeased = measure.Of(-1) }, "cla_ceased", "must be zero or more, got -1", false},
		{"more at 31 March than open in the year", func(r *demand.Return) { r.CINAt31March = measure.Of(4000) }, "cin_at_31_march", "4000 is more than the episodes open in the year (cin_episodes 3010)", false},
		{"more looked after than children", func(r *demand.Return) { r.CLAAt31March = measure.Of(30000) }, "cla_at_31_march", "30000 is more than the child population (child_population 21090)", false},
		{"no figures", func(r *demand.Return) { *r = demand.Return{Org: r.Org, Period: r.Period} }, "", "no figures: give at least one number or DfE symbol", false},
		{"more looked after than in need", func(r *demand.Return) { r.CLAAt31March = measure.Of(1400) }, "cla_at_31_march", "1400 children looked after at 31 March is more than the 1341 children in need, among whom they are counted", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.change(&r)
			now := today
			if tt.name == "the year has not ended" {
				now = time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
				tt.field, tt.want = "period", "the year to 31 March 2026 has not ended"
			}
			errs, warns := demand.Validate(r, now)
			got := errs
			if tt.warning {
				got = warns
				if len(errs) > 0 {
					t.Fatalf("errors %v", errs)
				}
			}
			if len(got) != 1 || got[0].Field != tt.field || got[0].Reason != tt.want {
				t.Errorf("got %+v, want %s: %s", got, tt.field, tt.want)
			}
		})
	}
	if errs, warns := demand.Validate(base, today); len(errs)+len(warns) > 0 {
		t.Errorf("a good return: %v %v", errs, warns)
	}
}

// TestStoreKeepsEachFigure: a submission replaces the figures it gives and leaves the others, a
// redelivered chunk replaces itself, and symbols stay reasons.
func TestStoreKeepsEachFigure(t *testing.T) {
	conn, _ := chtest.New(t)
	s := demand.NewStore(conn)
	ctx := context.Background()
	first := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	stored := func(at time.Time, r demand.Return) demand.Stored {
		return demand.Stored{Row: demand.Row{Row: 2, Return: r}, SubmissionID: "s-" + at.Format(time.RFC3339), SubmittedBy: "demo-steward", ReceivedAt: at}
	}
	cin := demand.Return{Org: "E06000001", Period: "2025", CINAt31March: measure.Of(1341), CINAwaitingAssessment: measure.Unknown(measure.Confidential)}
	cla := demand.Return{Org: "E06000001", Period: "2025", CLAAt31March: measure.Of(332), ChildPopulation: measure.Of(21090)}
	fix := demand.Return{Org: "E06000001", Period: "2025", CINAt31March: measure.Of(1340)}
	for _, batch := range [][]demand.Stored{{stored(first, cin)}, {stored(first, cin)}, {stored(first.Add(time.Hour), cla)}, {stored(first.Add(2*time.Hour), fix)}} {
		if err := s.Insert(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(ctx, "E06000001", "")
	if err != nil || len(got) != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	want := demand.Return{Org: "E06000001", Period: "2025", CINAt31March: measure.Of(1340), CINAwaitingAssessment: measure.Unknown(measure.Confidential),
		CLAAt31March: measure.Of(332), ChildPopulation: measure.Of(21090)}
	if got[0].Return != want {
		t.Errorf("stored %+v, want %+v", got[0].Return, want)
	}
	if got[0].SubmissionID != "s-2026-01-05T12:00:00Z" {
		t.Errorf("submission %s, want the latest", got[0].SubmissionID)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM service_demand FINAL").Scan(&n); err != nil || n != 4 {
		t.Errorf("%d figure rows, want 4 (%v)", n, err)
	}
}
