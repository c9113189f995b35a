package dashboard

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/reference"
)

type figure struct {
	Respondents  *int     `json:"respondents"`
	PercentAgree *float64 `json:"percent_agree"`
	Withheld     string   `json:"withheld"`
}

type agreementAnswer struct {
	Year       int       `json:"year"`
	Threshold  int       `json:"threshold"`
	ComputedAt time.Time `json:"computed_at"`
	Standards  []struct {
		Standard      int    `json:"standard"`
		Region        figure `json:"region"`
		Organisations []struct {
			Org  string `json:"org"`
			Name string `json:"name"`
			All  figure `json:"all"`
		} `json:"organisations"`
	} `json:"standards"`
}

type mix struct {
	Rated      int     `json:"rated"`
	Red        int     `json:"red"`
	Amber      int     `json:"amber"`
	Green      int     `json:"green"`
	RedShare   float64 `json:"red_share"`
	AmberShare float64 `json:"amber_share"`
	GreenShare float64 `json:"green_share"`
}

type ragMixAnswer struct {
	ComputedAt time.Time `json:"computed_at"`
	Standards  []struct {
		Standard      int    `json:"standard"`
		Title         string `json:"title"`
		Contributors  int    `json:"contributors"`
		Region        *mix   `json:"region"`
		Organisations []struct {
			Org  string `json:"org"`
			Name string `json:"name"`
			mix
		} `json:"organisations"`
	} `json:"standards"`
}

type triangulationAnswer struct {
	ComputedAt time.Time `json:"computed_at"`
	Rows       []struct {
		Org            string `json:"org"`
		Name           string `json:"name"`
		Standard       int    `json:"standard"`
		AuditRating    string `json:"audit_rating"`
		StaffAgreement figure `json:"staff_agreement"`
		Quartile       string `json:"agreement_quartile"`
		Flag           string `json:"flag"`
	} `json:"rows"`
}

type actionPlan struct {
	Org           string    `json:"org"`
	Cycle         int       `json:"cycle"`
	AsOf          string    `json:"as_of"`
	Overdue       int       `json:"overdue"`
	WithoutAction int       `json:"without_action"`
	ComputedAt    time.Time `json:"computed_at"`
	Items         []struct {
		Item        string `json:"item"`
		Standard    int    `json:"standard"`
		Title       string `json:"title"`
		Rating      string `json:"rating"`
		Priority    string `json:"priority"`
		Evidence    string `json:"evidence"`
		Action      string `json:"action"`
		Owner       string `json:"owner"`
		Due         string `json:"due"`
		Overdue     bool   `json:"overdue"`
		DaysOverdue int    `json:"days_overdue"`
	} `json:"items"`
}

type healthData struct {
	Name       string
	Year       int
	Years      []int
	Focus      focus
	Choices    *choices
	Overdue    int
	NoAction   int
	HasPlan    bool
	FlagCount  int
	RegionName string
}

// healthCheck is page 5: the health-check survey's agreement per standard (with disclosure
// control said in words), the audit RAG mix, the triangulation flags and the action plan.
func (v *visit) healthCheck(w http.ResponseWriter) {
	f, err := v.focusOf()
	if err != nil {
		v.refuse(w, err)
		return
	}
	region := f.Area
	if region == "" || region == reference.England {
		region = "E12000001"
	}
	now := time.Now().Year()
	year, err := strconv.Atoi(v.r.URL.Query().Get("year"))
	if err != nil || year < 2000 || year > now+1 {
		year = now
	}
	d := healthData{Name: f.name(), Year: year, Focus: f, Choices: v.choices(f), RegionName: areaName(region)}
	for y := now; y >= now-4; y-- {
		d.Years = append(d.Years, y)
	}
	p := page{Title: "Health check and audit: " + f.name(), Section: "health-check", Period: strconv.Itoa(year)}
	q := query("year", strconv.Itoa(year), "region", region)
	// A read the API refuses (403) leaves its table empty; a page all of whose reads are
	// refused is refused, in the API's words.
	var refused error
	reads, refusals := 0, 0
	read := func(path string, q url.Values, out any) error {
		reads++
		err := v.get(path, q, out)
		if statusOf(err) == http.StatusForbidden {
			refusals++
			refused = cmp.Or(refused, err)
		}
		return err
	}

	var agreement agreementAnswer
	if err := read("/v1/surveys/agreement", q, &agreement); err != nil && statusOf(err) != http.StatusForbidden {
		v.refuse(w, err)
		return
	}
	t := &Table{ID: "agreement", Caption: fmt.Sprintf("Staff agreement with each standard, health-check survey %d", year),
		Head: []Head{{Text: "Standard"}, {Text: d.RegionName, Numeric: true}}}
	if f.Org != "" {
		t.Head = append(t.Head, Head{Text: f.name(), Numeric: true})
	}
	t.Head = append(t.Head, Head{Text: "Respondents (" + f.name() + ")", Numeric: true})
	for _, s := range agreement.Standards {
		row := []Cell{{Text: "Standard " + strconv.Itoa(s.Standard), Header: true}, agreeCell(s.Region)}
		own := figure{}
		found := false
		for _, o := range s.Organisations {
			if o.Org == f.Org {
				own, found = o.All, true
			}
		}
		if f.Org != "" {
			if found {
				row = append(row, agreeCell(own))
			} else {
				row = append(row, Cell{Text: "no results", Missing: true, Numeric: true})
			}
			row = append(row, respondentsCell(own))
		} else {
			row = append(row, respondentsCell(s.Region))
		}
		t.Rows = append(t.Rows, row)
	}
	p.Tables = append(p.Tables, t)

	var rag ragMixAnswer
	if err := read("/v1/audits/rag-mix", query("cycle", strconv.Itoa(year), "region", region), &rag); err != nil && statusOf(err) != http.StatusForbidden {
		v.refuse(w, err)
		return
	}
	rt := &Table{ID: "rag-mix", Caption: fmt.Sprintf("Employer audit %d: ratings per standard", year),
		Head: []Head{{Text: "Standard"}, {Text: "Rated by", Numeric: true}, {Text: "Red", Numeric: true}, {Text: "Amber", Numeric: true}, {Text: "Green", Numeric: true}}}
	for _, s := range rag.Standards {
		m := s.Region
		label := d.RegionName
		if f.Org != "" {
			m, label = nil, f.name()
			for _, o := range s.Organisations {
				if o.Org == f.Org {
					mm := o.mix
					m = &mm
				}
			}
		}
		row := []Cell{{Text: fmt.Sprintf("Standard %d: %s", s.Standard, s.Title), Header: true}}
		if m == nil || m.Rated == 0 {
			why := "not rated by " + label
			if f.Org == "" && s.Contributors > 0 {
				why = "withheld: the region's figure would give away an organisation's"
			}
			row = append(row, Cell{Text: strconv.Itoa(s.Contributors) + " organisations", Numeric: true}, Cell{Text: why, Missing: true}, Cell{}, Cell{})
		} else {
			row = append(row, Cell{Text: strconv.Itoa(s.Contributors) + " organisations", Raw: strconv.Itoa(s.Contributors), Numeric: true},
				shareCell(m.Red, m.RedShare), shareCell(m.Amber, m.AmberShare), shareCell(m.Green, m.GreenShare))
		}
		rt.Rows = append(rt.Rows, row)
	}
	p.Tables = append(p.Tables, rt)

	var tri triangulationAnswer
	if err := read("/v1/triangulation", query("cycle", strconv.Itoa(year), "region", region), &tri); err != nil && statusOf(err) != http.StatusForbidden {
		v.refuse(w, err)
		return
	}
	tt := &Table{ID: "triangulation", Caption: "Audit ratings beside staff agreement: flags to look at again",
		Head: []Head{{Text: "Organisation"}, {Text: "Standard"}, {Text: "Audit rating"}, {Text: "Staff agreement", Numeric: true}, {Text: "Among the region"}, {Text: "Flag"}}}
	for _, r := range tri.Rows {
		if r.Flag == "" && (f.Org == "" || r.Org != f.Org) {
			continue
		}
		flag := map[string]string{"green_but_low_agreement": "rated green, but staff agreement is in the region's bottom quarter",
			"red_but_high_agreement": "rated red, but staff agreement is in the region's top quarter"}[r.Flag]
		if flag != "" {
			d.FlagCount++
		} else {
			flag = "no flag"
		}
		tt.Rows = append(tt.Rows, []Cell{{Text: cmpOr(r.Name, orgName(r.Org)), Header: true, Focus: r.Org == f.Org}, {Text: strconv.Itoa(r.Standard)},
			{Text: cmpOr(strings.ToUpper(r.AuditRating), "not rated")}, agreeCell(r.StaffAgreement), {Text: cmpOr(quartileName[r.Quartile], "not placed")}, {Text: flag}})
	}
	p.Tables = append(p.Tables, tt)

	var planAt time.Time
	if f.Org != "" {
		var plan actionPlan
		err := read("/v1/audits/action-plan", query("org", f.Org, "cycle", strconv.Itoa(year)), &plan)
		switch {
		case err == nil:
			d.HasPlan, d.Overdue, d.NoAction, planAt = true, plan.Overdue, plan.WithoutAction, plan.ComputedAt
			pt := &Table{ID: "action-plan", Caption: fmt.Sprintf("Action plan, audit %d (as of %s)", year, plan.AsOf),
				Head: []Head{{Text: "Item"}, {Text: "Rating"}, {Text: "Priority"}, {Text: "Action"}, {Text: "Owner"}, {Text: "Due"}, {Text: "Overdue"}}}
			for _, it := range plan.Items {
				over := "no"
				if it.Overdue {
					over = fmt.Sprintf("yes, by %d days", it.DaysOverdue)
				}
				pt.Rows = append(pt.Rows, []Cell{{Text: it.Item + " " + it.Title, Header: true}, {Text: strings.ToUpper(it.Rating)}, {Text: strings.ToUpper(it.Priority)},
					{Text: cmpOr(it.Action, "no action planned yet")}, {Text: cmpOr(it.Owner, "none")}, {Text: cmpOr(it.Due, "none")}, {Text: over, Focus: it.Overdue}})
			}
			p.Tables = append(p.Tables, pt)
		case statusOf(err) == http.StatusForbidden:
		default:
			v.refuse(w, err)
			return
		}
	}
	if refusals == reads {
		v.refuse(w, refused)
		return
	}
	// The API computes these answers as it is asked: the page says when, the latest of them.
	computed := slices.MaxFunc([]time.Time{agreement.ComputedAt, rag.ComputedAt, tri.ComputedAt, planAt}, time.Time.Compare)
	p.Computed = when(computed)
	v.show(w, "health-check", p.withData(d))
}

var quartileName = map[string]string{"bottom": "bottom quarter", "middle": "middle half", "top": "top quarter"}

func agreeCell(f figure) Cell {
	if f.PercentAgree == nil {
		if f.Withheld == "" {
			return Cell{Text: "no results", Missing: true, Numeric: true}
		}
		return Cell{Text: missingWords("", f.Withheld), Missing: true, Numeric: true}
	}
	return Cell{Text: formatValue(*f.PercentAgree, "%") + " agree", Raw: rawValue(f.PercentAgree), Numeric: true}
}

func respondentsCell(f figure) Cell {
	if f.Respondents == nil {
		return Cell{Text: missingWords("", cmpOr(f.Withheld, "none")), Missing: true, Numeric: true}
	}
	return intCell(*f.Respondents)
}

func shareCell(n int, share float64) Cell {
	return Cell{Text: fmt.Sprintf("%d (%s)", n, formatValue(share, "%")), Raw: strconv.Itoa(n), Numeric: true}
}
