// Package audit is the employer audit submission: an employer's own rating of the items of the
// eight Standards for employers of social workers in England, red, amber or green (RAG), with the
// evidence, a priority and the action planned, for one audit cycle. It holds the audit framework
// (the standards and their items, versioned), the rules a rating must keep, the ClickHouse store,
// and the action plan and RAG mix read from it.
package audit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Ratings, worst first. Like every value of an enumeration in the contract they are lower case;
// a rating or priority is read in any letter case (RED, the casing of version 1.0.0, included).
// The audit_ratings table keeps them in upper case (Enum8), as stored rows always were: the store
// converts.
const (
	Red   = "red"
	Amber = "amber"
	Green = "green"
)

// Priorities, highest first.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
)

// Limits on the free text of a rating, in characters.
const (
	MaxEvidence = 2000
	MaxAction   = 500
	MaxOwner    = 100
)

// Rating is one item of an audit submission as sent.
type Rating struct {
	Org      string `json:"org" doc:"Organisation code of the employer" example:"E06000001"`
	Cycle    int    `json:"cycle" minimum:"2000" maximum:"2100" doc:"Audit cycle, a year YYYY, not in the future (a number; the string \"2026\" is still taken until version 1.2.0)" example:"2026"`
	Item     string `json:"item" pattern:"^S[1-8]\\.[0-9]+$" doc:"Item id of the audit framework version the cycle uses, e.g. S2.1 (standard 2, item 1)" example:"S2.1"`
	Rating   string `json:"rating" enum:"red,amber,green" doc:"Self-assessment of the item (read in any letter case: RED, as version 1.0.0 documented it, is still taken)"`
	Evidence string `json:"evidence" minLength:"1" maxLength:"2000" doc:"Evidence for the rating: plain text, at most 2000 characters, without < or > or control characters other than new line and tab, not starting with =, + or @"`
	Priority string `json:"priority" enum:"low,medium,high" doc:"How urgent improving the item is (read in any letter case: HIGH, as version 1.0.0 documented it, is still taken)"`
	Action   string `json:"action,omitempty" required:"false" maxLength:"500" doc:"Planned action (plain text, same rule as evidence); with an action, owner and due are required"`
	Owner    string `json:"owner,omitempty" required:"false" maxLength:"100" doc:"Role that owns the action, e.g. Principal Social Worker (a role, not a person's name)"`
	Due      string `json:"due,omitempty" required:"false" format:"date" doc:"Date the action is due, YYYY-MM-DD"`

	checked *Checked // what the rules worked out, for the store
}

// Row is a rating with its place in the submission.
type Row struct {
	Row int `json:"row"`
	Rating
}

// Checked is a rating that kept the rules, with what they worked out.
type Checked struct {
	Row
	CycleYear int
	Version   string // framework version of the cycle
	Standard  int
	DueDate   *time.Time
}

// Validate applies the rules of an audit rating:
//   - organisation given; cycle a year YYYY from 2000, not after today's year;
//   - item an id of the framework version the cycle uses (S2.1 …);
//   - rating red, amber or green; priority low, medium or high (read in any letter case);
//   - evidence given; evidence, action and owner plain text (see CheckText) within their limits;
//   - due a date YYYY-MM-DD; an action needs an owner and a due date.
func Validate(r Rating, fw *Framework, today time.Time) (Checked, []submission.RowError) {
	var errs []submission.RowError
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	c := Checked{Row: Row{Rating: r}}
	if r.Org == "" {
		fail("org", "organisation is missing")
	}
	year, err := period.YearNumber(strconv.Itoa(r.Cycle), "audit cycle", today)
	switch {
	case r.Cycle == 0:
		fail("cycle", "audit cycle is missing")
	case err != nil:
		fail("cycle", "%v", err)
	default:
		c.CycleYear = year
		v, ok := fw.VersionFor(year)
		if !ok {
			fail("cycle", "no audit framework covers cycle %d", year)
			break
		}
		c.Version = v.Version
		it, ok := fw.Item(v.Version, r.Item)
		if !ok {
			fail("item", "unknown item %q: not in audit framework version %s (items look like S2.1)", r.Item, v.Version)
		}
		c.Standard = it.Standard
	}
	if r.Rating != Red && r.Rating != Amber && r.Rating != Green {
		fail("rating", "rating %q is not one of red, amber, green", r.Rating)
	}
	if r.Priority != Low && r.Priority != Medium && r.Priority != High {
		fail("priority", "priority %q is not one of low, medium, high", r.Priority)
	}
	if strings.TrimSpace(r.Evidence) == "" {
		fail("evidence", "evidence is missing")
	}
	for _, t := range []struct {
		field, text string
		max         int
	}{{"evidence", r.Evidence, MaxEvidence}, {"action", r.Action, MaxAction}, {"owner", r.Owner, MaxOwner}} {
		if err := CheckText(t.text, t.max); err != nil {
			fail(t.field, "%v", err)
		}
	}
	if r.Due != "" {
		d, err := time.Parse(time.DateOnly, r.Due)
		if err != nil {
			fail("due", "due date %q must be a date YYYY-MM-DD", r.Due)
		} else {
			c.DueDate = &d
		}
	}
	if r.Action != "" && (r.Owner == "" || r.Due == "") {
		fail("action", "an action needs an owner and a due date")
	}
	return c, errs
}

// CheckText is the hub's rule for free text that will be shown in web pages (rows.CheckText).
func CheckText(s string, max int) error { return rows.CheckText(s, max) }
