package hub_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/survey"
)

// nation is a synthetic England at a scale: every local authority of the reference data, with
// scale-1 made-up employers beside each in its region, and 80 × scale universities and 50 × scale
// trusts spread over the regions; each employer sends per-quarter and annual workforce returns,
// practice educators, placement capacity, health-check survey results for every question and
// three respondent groups, and an audit of every item, each year; each university a placement
// row per student (100 a year) hosted by the employers of its region, and the places it
// requests. Years runs back from the last complete year.
type nation struct {
	employers    []genOrg
	universities []genOrg
	firstYear    int
	years        int
	questions    []string         // the survey's question bank
	items        map[int][]string // each cycle's audit items
}

type genOrg struct{ code, region string }

// newNation lays out the organisations (those not in the reference data are added by seed).
func newNation(tb testing.TB, scale, years int) *nation {
	tb.Helper()
	orgs, err := reference.Organisations()
	if err != nil {
		tb.Fatal(err)
	}
	regions, err := reference.Regions()
	if err != nil {
		tb.Fatal(err)
	}
	var homes []string // regions but London, and London's sub-regions
	for _, r := range regions {
		if r.Level == "subregion" || (r.Level == "region" && r.Code != "E12000007") {
			homes = append(homes, r.Code)
		}
	}
	questions, err := survey.Questions()
	if err != nil {
		tb.Fatal(err)
	}
	fw, err := audit.LoadFramework()
	if err != nil {
		tb.Fatal(err)
	}
	n := &nation{firstYear: time.Now().Year() - years, years: years, questions: slices.Sorted(maps.Keys(questions)), items: map[int][]string{}}
	for y := n.firstYear; y < n.firstYear+years; y++ {
		v, ok := fw.VersionFor(y)
		if !ok {
			continue // a cycle before the framework has no audit
		}
		for _, it := range fw.ItemsOf(v.Version) {
			n.items[y] = append(n.items[y], it.ID)
		}
	}
	for _, o := range orgs {
		if o.Type != reference.TypeLocalAuthority {
			continue
		}
		n.employers = append(n.employers, genOrg{o.Code, o.Region})
		for c := 1; c < scale; c++ {
			n.employers = append(n.employers, genOrg{fmt.Sprintf("N%s%02d", o.Code[1:], c), o.Region})
		}
	}
	for i := range 50 * scale {
		n.employers = append(n.employers, genOrg{fmt.Sprintf("T%05d", i), homes[i%len(homes)]})
	}
	for i := range 80 * scale {
		n.universities = append(n.universities, genOrg{fmt.Sprintf("U%07d", i), homes[i%len(homes)]})
	}
	return n
}

// seed adds the made-up organisations to the reference data.
func (n *nation) seed(ctx context.Context, conn driver.Conn) error {
	b, err := conn.PrepareBatch(chstore.BatchContext(ctx), "INSERT INTO organisations (code, old_code, name, type, region_code, updated_at, version)")
	if err != nil {
		return err
	}
	now := time.Now()
	add := func(o genOrg, kind, name string) error {
		return b.Append(o.code, "", name+" "+o.code, kind, o.region, now, uint64(1))
	}
	for _, o := range n.employers {
		switch o.code[0] {
		case 'N':
			err = add(o, reference.TypeLocalAuthority, "Council")
		case 'T':
			err = add(o, reference.TypeTrust, "Trust")
		}
		if err != nil {
			return err
		}
	}
	for _, o := range n.universities {
		if err := add(o, reference.TypeUniversity, "University"); err != nil {
			return err
		}
	}
	return b.Send()
}

// upload is one CSV body for one endpoint.
type upload struct {
	kind, path, client string
	rows               int
	body               string
}

// maxUploadRows keeps each body well inside the API's limits on rows and bytes.
const maxUploadRows = 100000

// uploads writes every kind's rows as CSV bodies and hands each to emit as it is written, so that
// the whole nation is never in memory at once.
func (n *nation) uploads(emit func(upload) error) error {
	var (
		cur  *upload
		sb   strings.Builder
		next = func(kind, path, client, header string) {
			cur = &upload{kind: kind, path: path, client: client}
			sb.Reset()
			sb.WriteString(header)
		}
	)
	flush := func() error {
		if cur == nil || cur.rows == 0 {
			return nil
		}
		cur.body = sb.String()
		err := emit(*cur)
		cur = nil
		return err
	}
	row := func(kind, path, client, header, format string, a ...any) error {
		if cur != nil && (cur.kind != kind || cur.rows == maxUploadRows) {
			if err := flush(); err != nil {
				return err
			}
		}
		if cur == nil {
			next(kind, path, client, header)
		}
		fmt.Fprintf(&sb, format, a...)
		cur.rows++
		return nil
	}
	years := make([]int, n.years)
	for i := range years {
		years[i] = n.firstYear + i
	}
	groups := []string{"social_worker", "manager", "newly_qualified"}
	for i, e := range n.employers {
		for _, y := range years {
			for _, p := range []string{fmt.Sprint(y), fmt.Sprintf("%d-Q1", y), fmt.Sprintf("%d-Q2", y), fmt.Sprintf("%d-Q3", y), fmt.Sprintf("%d-Q4", y)} {
				k := i + y
				if err := row("workforce", "/v1/workforce-returns", "demo-steward", syntheticHeader,
					"%s,%s,%.1f,%d,10.2,11,9.1,10,5.5,6,3.2,%.1f,90.2,%d,%d\n", e.code, p, 100+float64(k%50)/10, 110+k%50, 10+float64(k%30)/2, 1500+k%300, 900+k%500); err != nil {
					return err
				}
			}
		}
	}
	for i, e := range n.employers {
		for _, y := range years {
			s1, s2 := 2+(i+y)%5, 1+(i+y)%3
			if err := row("practice_educators", "/v1/practice-educators", "demo-steward", "org,period,stage1,stage2,active,students_supported\n",
				"%s,%d,%d,%d,%d,%d\n", e.code, y, s1, s2, s1+s2-1, 2*(s1+s2)); err != nil {
				return err
			}
		}
	}
	capacity := "org,academic_year,stage,requested,offered,confirmed\n"
	for i, e := range n.employers {
		for _, y := range years {
			offered := 5 + (i+y)%10
			if err := row("placement_capacity", "/v1/placement-capacity", "demo-steward", capacity,
				"%s,%s,final,,%d,%d\n", e.code, academicYear(y), offered, offered-(i%3)); err != nil {
				return err
			}
		}
	}
	for i, u := range n.universities {
		for _, y := range years {
			for _, stage := range []string{"first", "final"} {
				if err := row("placement_capacity", "/v1/placement-capacity", "demo-steward", capacity,
					"%s,%s,%s,%d,,\n", u.code, academicYear(y), stage, 40+(i+y)%20); err != nil {
					return err
				}
			}
		}
	}
	hosts := map[string][]string{}
	for _, e := range n.employers {
		hosts[e.region] = append(hosts[e.region], e.code)
	}
	outcomes := []string{"passed", "passed", "passed", "failed", "withdrawn"}
	routes := []string{"undergraduate", "postgraduate", "apprenticeship", "step_up", "frontline"}
	for i, u := range n.universities {
		for _, y := range years {
			for s := range 100 {
				stage, planned := "first", 70
				if s%2 == 1 {
					stage, planned = "final", 100
				}
				host := hosts[u.region][(i+s)%len(hosts[u.region])]
				if err := row("placement", "/v1/placements", "demo-steward", placementHeader,
					"%s,%s,%s,%s,%s,%s,%s,la,%t,children_and_families,%d,%d,%d,on_site,%s\n",
					u.code, studentRef(u.code, y, s), routes[s%len(routes)], academicYear(y-1), academicYear(y), stage, host, s%3 != 0,
					planned, planned-(s%6), 1+s%2, outcomes[(i+s+y)%len(outcomes)]); err != nil {
					return err
				}
			}
		}
	}
	for i, e := range n.employers {
		for _, y := range years {
			for q, question := range n.questions {
				for g, group := range groups {
					k := i + y + q + g
					sd, d, ne, a, sa := k%4, 1+k%5, 2+k%3, 4+k%7, 2+k%6
					if err := row("survey", "/v1/survey-results", "demo-survey", "org,year,question,group,strongly_disagree,disagree,neutral,agree,strongly_agree,n\n",
						"%s,%d,%s,%s,%d,%d,%d,%d,%d,%d\n", e.code, y, question, group, sd, d, ne, a, sa, sd+d+ne+a+sa); err != nil {
						return err
					}
				}
			}
		}
	}
	ratings := []string{"GREEN", "AMBER", "RED", "GREEN"}
	for i, e := range n.employers {
		for _, y := range years {
			for j, item := range n.items[y] {
				if err := row("audit", "/v1/audit-submissions", "demo-steward", "org,cycle,item,rating,evidence,priority,action,owner,due\n",
					"%s,%d,%s,%s,Minutes of the workforce board,MEDIUM,,,\n", e.code, y, item, ratings[(i+j+y)%len(ratings)]); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

const placementHeader = "org,student_ref,route,cohort,academic_year,stage,host_org,setting,statutory_tasks,service_user_group,planned_days,completed_days,pe_stage,pe_location,outcome\n"

// academicYear is the academic year that begins in September of y: 2024 → 2024/25.
func academicYear(y int) string { return fmt.Sprintf("%d/%02d", y, (y+1)%100) }

// studentRef is a pseudonymous reference for a made-up student.
func studentRef(university string, year, n int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%d", university, year, n))
	return hex.EncodeToString(h[:16])
}
