package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/hub"
)

type figure struct {
	Respondents  *int     `json:"respondents"`
	PercentAgree *float64 `json:"percent_agree"`
	Withheld     string   `json:"withheld"`
}

type agreement struct {
	Standards []struct {
		Standard      int    `json:"standard"`
		Region        figure `json:"region"`
		Organisations []struct {
			Org    string `json:"org"`
			All    figure `json:"all"`
			Groups []struct {
				Group string `json:"group"`
				figure
			} `json:"groups"`
		} `json:"organisations"`
	} `json:"standards"`
}

func TestSurveysAndAudits(t *testing.T) {
	r := startHub(t)
	cc := clientcredentials.Config{ClientID: "demo-survey", ClientSecret: hub.DemoSecret, TokenURL: r.s.Issuer + "/token"}
	r.http["demo-survey"] = cc.Client(context.Background())
	const region = "E12000001"

	t.Run("demo data: every North East council's survey and audit", func(t *testing.T) {
		if n := r.count("SELECT uniqExact(org_code) FROM survey_results FINAL WHERE year = 2026"); n != 12 {
			t.Errorf("councils with survey results = %d, want 12", n)
		}
		if n := r.count("SELECT uniqExact(org_code) FROM audit_ratings FINAL WHERE cycle = 2026"); n != 12 {
			t.Errorf("councils with audits = %d, want 12", n)
		}
	})

	t.Run("agreement: small figures withheld, none derivable", func(t *testing.T) {
		var a agreement
		if code := r.do("demo-analyst", "GET", "/v1/surveys/agreement?year=2026&region="+region, "", nil, &a); code != 200 || len(a.Standards) != 8 {
			t.Fatalf("agreement: %d, %d standards", code, len(a.Standards))
		}
		for _, s := range a.Standards {
			if s.Region.PercentAgree == nil || len(s.Organisations) != 12 {
				t.Errorf("standard %d: region %+v, %d organisations", s.Standard, s.Region, len(s.Organisations))
			}
			for _, o := range s.Organisations {
				withheld := 0
				for _, g := range o.Groups {
					if g.PercentAgree == nil {
						withheld++
					} else if *g.Respondents < 10 {
						t.Errorf("standard %d %s %s: %d respondents shown", s.Standard, o.Org, g.Group, *g.Respondents)
					}
				}
				if o.Org == "E06000001" && (o.All.Withheld != "fewer_than_threshold" || withheld != len(o.Groups)) {
					t.Errorf("Hartlepool (8 respondents) shown: %+v", o)
				}
				if withheld == 1 && o.All.PercentAgree != nil {
					t.Errorf("standard %d %s: one group withheld beside the total and the others: %+v", s.Standard, o.Org, o)
				}
			}
		}
		var own agreement
		r.do("demo-council", "GET", "/v1/surveys/agreement?year=2026&region="+region, "", nil, &own)
		if len(own.Standards) != 8 || len(own.Standards[0].Organisations) != 1 || own.Standards[0].Organisations[0].Org != "E06000001" {
			t.Errorf("a council sees %+v, want its own organisation only", own.Standards[0].Organisations)
		}
	})

	t.Run("RAG mix", func(t *testing.T) {
		var mix struct {
			Standards []struct {
				Standard      int                    `json:"standard"`
				Contributors  int                    `json:"contributors"`
				Region        *struct{ Rated int }   `json:"region"`
				Organisations []struct{ Org string } `json:"organisations"`
			} `json:"standards"`
		}
		if code := r.do("demo-analyst", "GET", "/v1/audits/rag-mix?cycle=2026&region="+region, "", nil, &mix); code != 200 || len(mix.Standards) != 8 {
			t.Fatalf("rag mix: %d %+v", code, mix)
		}
		if s := mix.Standards[2]; s.Contributors != 12 || len(s.Organisations) != 12 || s.Region == nil || s.Region.Rated != 12*4 {
			t.Errorf("standard 3 = %+v", s)
		}
		r.do("demo-council", "GET", "/v1/audits/rag-mix?cycle=2026&region="+region, "", nil, &mix)
		if s := mix.Standards[0]; len(s.Organisations) != 1 || s.Organisations[0].Org != "E06000001" || s.Region == nil {
			t.Errorf("a council's view of standard 1 = %+v", s)
		}
	})

	t.Run("an analyst sees by name only its alliance's members", func(t *testing.T) {
		var ne struct{ Members []string }
		r.do("demo-steward", "GET", "/v1/alliances/"+hub.DemoAlliance, "", nil, &ne)
		put := func(members []string) {
			body, _ := json.Marshal(map[string]any{"name": "North East", "members": members})
			if code := r.do("demo-steward", "PUT", "/v1/alliances/"+hub.DemoAlliance, "application/json", bytes.NewReader(body), &struct{}{}); code != 200 {
				t.Fatalf("put alliance: %d", code)
			}
		}
		defer put(ne.Members)
		type standardMix struct {
			Contributors  int                    `json:"contributors"`
			Region        *struct{ Rated int }   `json:"region"`
			Organisations []struct{ Org string } `json:"organisations"`
		}
		view := func() standardMix {
			var mix struct {
				Standards []standardMix `json:"standards"`
			}
			if code := r.do("demo-analyst", "GET", "/v1/audits/rag-mix?cycle=2026&region="+region, "", nil, &mix); code != 200 {
				t.Fatalf("rag mix: %d", code)
			}
			return mix.Standards[2]
		}
		for _, tt := range []struct {
			members    int
			regionSeen bool
		}{{11, false}, {10, true}} {
			put(ne.Members[:tt.members])
			s := view()
			if len(s.Organisations) != tt.members || s.Contributors != 12 || (s.Region != nil) != tt.regionSeen {
				t.Errorf("alliance of %d: %d named of %d, region shown %v; want %d named, region shown %v",
					tt.members, len(s.Organisations), s.Contributors, s.Region != nil, tt.members, tt.regionSeen)
			}
			for _, o := range s.Organisations {
				if !slices.Contains(ne.Members[:tt.members], o.Org) {
					t.Errorf("named %s, outside the alliance", o.Org)
				}
			}
		}
	})

	t.Run("triangulation flags the deliberate mismatches", func(t *testing.T) {
		var tri struct {
			Rows []struct {
				Org      string `json:"org"`
				Standard int    `json:"standard"`
				Flag     string `json:"flag"`
			} `json:"rows"`
		}
		if code := r.do("demo-analyst", "GET", "/v1/triangulation?cycle=2026&region="+region, "", nil, &tri); code != 200 {
			t.Fatalf("triangulation: %d", code)
		}
		flags := map[string]string{}
		for _, row := range tri.Rows {
			if row.Flag != "" {
				flags[row.Org+"/"+string(rune('0'+row.Standard))] = row.Flag
			}
		}
		if flags["E08000024/3"] != "green_but_low_agreement" || flags["E08000037/5"] != "red_but_high_agreement" {
			t.Errorf("flags = %v", flags)
		}
	})

	t.Run("a council resubmits an item; the plan follows, history kept", func(t *testing.T) {
		var plan struct {
			Items []struct {
				Item    string `json:"item"`
				Rating  string `json:"rating"`
				Overdue bool   `json:"overdue"`
			} `json:"items"`
			Overdue int `json:"overdue"`
		}
		if code := r.do("demo-council", "GET", "/v1/audits/action-plan?cycle=2026", "", nil, &plan); code != 200 || len(plan.Items) == 0 {
			t.Fatalf("plan: %d %+v", code, plan)
		}
		first := plan.Items[0].Item
		body := "org,cycle,item,rating,evidence,priority\nE06000001,2026," + first + ",GREEN,Done: see the board minutes,LOW\n" +
			"E06000001,2026,S2.1,RED,<b>bold</b>,HIGH\n"
		var ref api.SubmissionRef
		if code := r.do("demo-council", "POST", "/v1/audit-submissions", "text/csv", strings.NewReader(body), &ref); code != http.StatusAccepted {
			t.Fatalf("submit: %d", code)
		}
		st := r.wait("demo-council", ref)
		if st.Status != submission.StatusPartiallyAccepted || len(st.Errors) != 1 || st.Errors[0].Field != "evidence" {
			t.Fatalf("status %+v", st)
		}
		var after struct {
			Items []struct{ Item string } `json:"items"`
		}
		r.do("demo-council", "GET", "/v1/audits/action-plan?cycle=2026", "", nil, &after)
		for _, it := range after.Items {
			if it.Item == first {
				t.Errorf("%s still in the plan after rated GREEN", first)
			}
		}
		if n := r.count("SELECT count() FROM audit_ratings FINAL WHERE org_code = 'E06000001' AND item_id = ?", first); n != 2 {
			t.Errorf("history of %s = %d rows, want 2", first, n)
		}
		req, _ := http.NewRequest("GET", r.s.APIURL+"/v1/audits/action-plan?cycle=2026", nil)
		req.Header.Set("Accept", "text/csv")
		resp, err := r.http["demo-council"].Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(b), "org,cycle,item,") {
			t.Errorf("CSV plan: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	})
}
