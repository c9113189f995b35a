package placement

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/reference"
)

// The demo's Standard 8 clients and their organisations (see devoidc.DemoClients).
const (
	DemoUniversity = "10007799" // Newcastle University, the demo-university client's
	DemoTrust      = "RX4"      // Cumbria, Northumberland, Tyne and Wear NHS FT, the demo-trust client's
)

// DemoAcademicYears are the academic years of the demo placements.
var DemoAcademicYears = []string{"2024/25", "2025/26"}

// demoUniversities are the North East universities of the demo with the students starting
// placements with each every year.
var demoUniversities = []struct {
	code     string
	students int
}{{DemoUniversity, 70}, {"10001282", 90}, {"10007143", 35}, {"10007159", 55}}

// demoSeed makes the demo the same every time.
const demoSeed = 8

// demoEmployers are the North East employers that host placements: the councils, the trusts and
// the charities of the reference data.
func demoEmployers() (councils, others []reference.Organisation, err error) {
	orgs, err := reference.Organisations()
	if err != nil {
		return nil, nil, err
	}
	for _, o := range orgs {
		switch {
		case o.Region != "E12000001":
		case o.Type == reference.TypeLocalAuthority:
			councils = append(councils, o)
		case o.Type == reference.TypeTrust || o.Type == reference.TypeVoluntary:
			others = append(others, o)
		}
	}
	return councils, others, nil
}

// demoStandard8 makes a plausible North East partnership for two academic years: each
// university's placements (skills days and first placements for the new cohort, final placements
// for the cohort before, most final placements statutory in a council), the places universities
// request and employers offer and confirm (with a shortfall), and the employers' practice
// educators. It is deterministic. Each body goes as the client that would send it: the demo
// university and the demo trust their own, the steward everyone else's.
func generateDemo() (*demoData, error) {
	councils, others, err := demoEmployers()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(demoSeed, demoSeed))
	pick := func(shares ...float64) int {
		x := rng.Float64()
		for i, s := range shares {
			if x < s {
				return i
			}
			x -= s
		}
		return len(shares)
	}

	var (
		own, otherPlacements []Placement
		hosted               = map[[3]string]int{} // employer, year, stage → placements
		requested            []Capacity
	)
	for _, u := range demoUniversities {
		secret := []byte("demo secret of " + u.code)
		for y, ay := range DemoAcademicYears {
			startYear := 2024 + y
			perStage := map[string]int{}
			for _, stage := range []string{SkillsDays, First, Final} {
				cohortYear := startYear
				if stage == Final {
					cohortYear = startYear - 1
				}
				for i := range u.students {
					p := Placement{
						Org: u.code, StudentRef: StudentRef(secret, fmt.Sprintf("%s/%d/%04d", u.code, cohortYear, i)),
						Route:  Routes[pick(0.55, 0.25, 0.1, 0.05)],
						Cohort: fmt.Sprintf("%d/%02d", cohortYear, (cohortYear+1)%100), AcademicYear: ay, Stage: stage,
						PlannedDays: RequiredDays[stage], ServiceUserGroup: ServiceUserGroups[pick(0.45, 0.2, 0.12, 0.08, 0.1)],
					}
					var host reference.Organisation
					statutoryShare := 0.35
					if stage == Final {
						statutoryShare = 0.7
					}
					if stage != SkillsDays && rng.Float64() < statutoryShare {
						host, p.Setting, p.StatutoryTasks = councils[rng.IntN(len(councils))], "la", true
					} else {
						host = others[rng.IntN(len(others))]
						p.Setting = map[string]string{reference.TypeTrust: "health", reference.TypeVoluntary: "voluntary"}[host.Type]
						p.StatutoryTasks = host.Type == reference.TypeTrust && rng.Float64() < 0.4
					}
					if stage == SkillsDays {
						// Skills days are taught at the university with a partner council.
						host, p.Setting, p.StatutoryTasks = councils[i%len(councils)], "la", false
					}
					p.HostOrg = host.Code
					if stage != SkillsDays {
						p.PEStage = 1 + pick(0.4)
						p.PELocation = PELocations[pick(0.75)]
					}
					done := p.PlannedDays
					switch pick(0.87, 0.03, 0.06, 0.03) {
					case 0:
						p.Outcome = Passed
						if stage == Final && rng.Float64() < 0.03 {
							done -= 1 + rng.IntN(5) // passed a little short: a warning, not a refusal
						}
					case 1:
						p.Outcome = Failed
					case 2:
						p.Outcome, done = Withdrawn, rng.IntN(p.PlannedDays/2)
					default:
						p.Outcome, done = Deferred, rng.IntN(p.PlannedDays/3)
					}
					p.CompletedDays = &done
					row := p
					if u.code == DemoUniversity {
						own = append(own, row)
					} else {
						otherPlacements = append(otherPlacements, row)
					}
					hosted[[3]string{p.HostOrg, ay, stage}]++
					perStage[stage]++
				}
			}
			for _, stage := range []string{First, Final} {
				n := perStage[stage] + perStage[stage]/10
				requested = append(requested, Capacity{Org: u.code, AcademicYear: ay, Stage: stage, Requested: &n})
			}
		}
	}

	// Employers offer a little more than they host and confirm what they host, so the region
	// confirms fewer places than universities request.
	var ownOffers, otherOffers []Capacity
	var ownEducators, otherEducators []Educators
	for _, e := range append(append([]reference.Organisation{}, councils...), others...) {
		for _, ay := range DemoAcademicYears {
			for _, stage := range []string{First, Final} {
				confirmed := hosted[[3]string{e.Code, ay, stage}]
				offered := confirmed + rng.IntN(4)
				c := Capacity{Org: e.Code, AcademicYear: ay, Stage: stage, Offered: &offered, Confirmed: &confirmed}
				if e.Code == DemoTrust {
					ownOffers = append(ownOffers, c)
				} else {
					otherOffers = append(otherOffers, c)
				}
			}
		}
		// Practice educators are counted at 30 September, after the academic year whose
		// students they supported: 2024/25's in the reporting year 2025.
		for i, ay := range DemoAcademicYears {
			period := ReportingYearOf(ay)
			students := hosted[[3]string{e.Code, DemoAcademicYears[i], First}] + hosted[[3]string{e.Code, DemoAcademicYears[i], Final}]
			active := (students + 1) / 2
			stage1 := active/3 + rng.IntN(4)
			stage2 := active - active/3 + rng.IntN(6)
			ed := Educators{Org: e.Code, Period: period, Stage1: &stage1, Stage2: &stage2, Active: &active, StudentsSupported: &students}
			if e.Code == DemoTrust {
				ownEducators = append(ownEducators, ed)
			} else {
				otherEducators = append(otherEducators, ed)
			}
		}
	}
	var ownRequests, otherRequests []Capacity
	for _, r := range requested {
		if r.Org == DemoUniversity {
			ownRequests = append(ownRequests, r)
		} else {
			otherRequests = append(otherRequests, r)
		}
	}

	return &demoData{
		placements: []kind.Sample[Placement]{
			{Client: "demo-university", Key: "demo-placements-" + DemoUniversity, Rows: own},
			{Client: "demo-steward", Key: "demo-placements-north-east", Rows: otherPlacements},
		},
		capacity: []kind.Sample[Capacity]{
			{Client: "demo-university", Key: "demo-capacity-" + DemoUniversity, Rows: ownRequests},
			{Client: "demo-trust", Key: "demo-capacity-" + DemoTrust, Rows: ownOffers},
			{Client: "demo-steward", Key: "demo-capacity-north-east", Rows: append(otherRequests, otherOffers...)},
		},
		educators: []kind.Sample[Educators]{
			{Client: "demo-trust", Key: "demo-educators-" + DemoTrust, Rows: ownEducators},
			{Client: "demo-steward", Key: "demo-educators-north-east", Rows: otherEducators},
		},
	}, nil
}

// demo is the demo partnership, made once.
var demo = sync.OnceValues(generateDemo)

// demoData is the demo partnership's submissions, of each kind.
type demoData struct {
	placements []kind.Sample[Placement]
	capacity   []kind.Sample[Capacity]
	educators  []kind.Sample[Educators]
}

// demoPart is one kind's share of the demo partnership.
func demoPart[R any](of func(*demoData) []kind.Sample[R]) func() ([]kind.Sample[R], error) {
	return func() ([]kind.Sample[R], error) {
		d, err := demo()
		if err != nil {
			return nil, err
		}
		return of(d), nil
	}
}
