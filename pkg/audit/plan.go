package audit

import (
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/sheet"
)

// PlanColumns are the columns of an action plan written as CSV, one item a row.
var PlanColumns = []string{"org", "cycle", "item", "standard", "title", "rating", "priority", "evidence", "action", "owner", "due", "overdue", "days_overdue"}

// PlanItem is one red or amber item of an action plan.
type PlanItem struct {
	Item        string `json:"item" doc:"Item id"`
	Standard    int    `json:"standard"`
	Title       string `json:"title" doc:"The item, in the framework's words"`
	Rating      string `json:"rating" enum:"red,amber"`
	Priority    string `json:"priority" enum:"high,medium,low"`
	Evidence    string `json:"evidence"`
	Action      string `json:"action" doc:"Planned action; empty when none is planned yet"`
	Owner       string `json:"owner" doc:"Role owning the action"`
	Due         string `json:"due,omitempty" format:"date" doc:"Due date YYYY-MM-DD"`
	Overdue     bool   `json:"overdue" doc:"The due date has passed"`
	DaysOverdue int    `json:"days_overdue,omitempty" doc:"Days since the due date"`
	SubmittedAt string `json:"submitted_at" doc:"When this rating was received (RFC 3339)"`
}

// Plan is an organisation's action plan for an audit cycle.
type Plan struct {
	Org              string     `json:"org"`
	Cycle            int        `json:"cycle" minimum:"2000" maximum:"2100" example:"2026" doc:"Audit cycle (year)"`
	FrameworkVersion string     `json:"framework_version"`
	AsOf             string     `json:"as_of" doc:"The date overdue is judged against"`
	Items            []PlanItem `json:"items" doc:"Red and amber items, by priority (high first), then standard, then item"`
	Overdue          int        `json:"overdue" doc:"Items whose due date has passed"`
	WithoutAction    int        `json:"without_action" doc:"Items with no planned action"`
	ComputedAt       time.Time  `json:"computed_at" doc:"When the hub built the plan from the ratings it had stored then (UTC): it is built at each request" example:"2026-03-31T09:00:00Z"`
}

var (
	priorityRank = map[string]int{High: 0, Medium: 1, Low: 2}
)

// BuildPlan turns an organisation's current ratings into its action plan as of today, the time
// it is built.
func BuildPlan(fw *Framework, org string, cycle int, latest []Stored, today time.Time) Plan {
	p := Plan{Org: org, Cycle: cycle, AsOf: today.Format(time.DateOnly), Items: []PlanItem{}, ComputedAt: today.UTC().Truncate(time.Second)}
	if v, ok := fw.VersionFor(cycle); ok {
		p.FrameworkVersion = v.Version
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	for _, r := range latest {
		if r.Org != org || r.Rating.Rating == Green {
			continue
		}
		it, _ := fw.Item(r.Version, r.Item)
		pi := PlanItem{Item: r.Item, Standard: r.Standard, Title: it.Title, Rating: r.Rating.Rating, Priority: r.Priority,
			Evidence: r.Evidence, Action: r.Action, Owner: r.Owner, Due: r.Due, SubmittedAt: r.ReceivedAt.UTC().Format(time.RFC3339)}
		if r.DueDate != nil && r.DueDate.Before(day) {
			pi.Overdue, pi.DaysOverdue = true, int(day.Sub(*r.DueDate).Hours()/24)
			p.Overdue++
		}
		if r.Action == "" {
			p.WithoutAction++
		}
		p.Items = append(p.Items, pi)
	}
	sort.Slice(p.Items, func(i, j int) bool {
		a, b := p.Items[i], p.Items[j]
		if priorityRank[a.Priority] != priorityRank[b.Priority] {
			return priorityRank[a.Priority] < priorityRank[b.Priority]
		}
		if a.Standard != b.Standard {
			return a.Standard < b.Standard
		}
		return itemNumber(a.Item) < itemNumber(b.Item)
	})
	return p
}

// itemNumber is the item's number within its standard: S3.10 comes after S3.9.
func itemNumber(id string) int {
	_, n, _ := strings.Cut(id, ".")
	v, _ := strconv.Atoi(n)
	return v
}

// WriteCSV writes the plan's items as CSV with a header row, for a spreadsheet (package sheet:
// no text cell can run as a formula).
func (p Plan) WriteCSV(w io.Writer) error {
	cw := sheet.NewWriter(w)
	_ = cw.Write(PlanColumns)
	for _, it := range p.Items {
		_ = cw.Write([]string{p.Org, strconv.Itoa(p.Cycle), it.Item, strconv.Itoa(it.Standard), it.Title, it.Rating, it.Priority,
			it.Evidence, it.Action, it.Owner, it.Due, strconv.FormatBool(it.Overdue), strconv.Itoa(it.DaysOverdue)})
	}
	return cw.Flush()
}

// Mix is how many of a standard's rated items are red, amber and green, and their shares.
type Mix struct {
	Rated      int     `json:"rated" doc:"Items rated"`
	Red        int     `json:"red"`
	Amber      int     `json:"amber"`
	Green      int     `json:"green"`
	RedShare   float64 `json:"red_share" doc:"Percent of rated items, one decimal"`
	AmberShare float64 `json:"amber_share"`
	GreenShare float64 `json:"green_share"`
}

func (m *Mix) add(rating string) {
	m.Rated++
	switch rating {
	case Red:
		m.Red++
	case Amber:
		m.Amber++
	case Green:
		m.Green++
	}
	share := func(n int) float64 { return math.Round(1000*float64(n)/float64(m.Rated)) / 10 }
	m.RedShare, m.AmberShare, m.GreenShare = share(m.Red), share(m.Amber), share(m.Green)
}

// Overall is the rating that more than half of the rated items hold, or amber when none does:
// the standard's self-assessment as a whole.
func (m Mix) Overall() string {
	switch {
	case m.Rated == 0:
		return ""
	case 2*m.Green > m.Rated:
		return Green
	case 2*m.Red > m.Rated:
		return Red
	}
	return Amber
}

// Mixes counts current ratings per organisation and standard.
func Mixes(latest []Stored) map[string]map[int]*Mix {
	out := map[string]map[int]*Mix{}
	for _, r := range latest {
		if out[r.Org] == nil {
			out[r.Org] = map[int]*Mix{}
		}
		m := out[r.Org][r.Standard]
		if m == nil {
			m = &Mix{}
			out[r.Org][r.Standard] = m
		}
		m.add(r.Rating.Rating)
	}
	return out
}

// Combine adds mixes together: the regional mix of its organisations.
func Combine(ms ...*Mix) Mix {
	var out Mix
	for _, m := range ms {
		for range m.Red {
			out.add(Red)
		}
		for range m.Amber {
			out.add(Amber)
		}
		for range m.Green {
			out.add(Green)
		}
	}
	return out
}
