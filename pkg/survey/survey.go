// Package survey is the annual health-check survey of an employer's social workers, taken in
// aggregate only: per organisation, survey year, question and respondent group, how many
// answered each point of a 5-point agree scale. No individual response enters the hub. It holds
// the question bank (each question mapped to one of the eight standards), the rules a result must
// keep, the ClickHouse store, and the agreement figures read from it under disclosure control.
package survey

import (
	"embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
)

//go:embed questions.csv
var questionFile embed.FS

// Question is one question of the bank, in the hub's own wording.
type Question struct {
	ID       string `json:"question"`
	Standard int    `json:"standard"`
	Text     string `json:"text"`
}

var loadQuestions = sync.OnceValues(func() (map[string]Question, error) {
	f, err := questionFile.Open("questions.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = 3
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read questions.csv: %w", err)
	}
	out := map[string]Question{}
	for _, r := range recs[1:] {
		s, err := strconv.Atoi(r[1])
		if err != nil || s < 1 || s > 8 {
			return nil, fmt.Errorf("questions.csv: question %s: standard %q", r[0], r[1])
		}
		out[r[0]] = Question{ID: r[0], Standard: s, Text: r[2]}
	}
	return out, nil
})

// Questions returns the embedded question bank by id.
func Questions() (map[string]Question, error) { return loadQuestions() }

// Groups are the respondent groups. They do not overlap (a newly qualified social worker is
// counted under newly_qualified only), so an organisation's figure is the sum of its groups'.
var Groups = []string{"social_worker", "newly_qualified", "manager", "senior_leader", "occupational_therapist", "other"}

// GroupResult is one organisation's answers to one question from one respondent group in one year.
type GroupResult struct {
	Org              string `json:"org" doc:"Organisation code" example:"E06000001"`
	Year             int    `json:"year" minimum:"2000" maximum:"2100" doc:"Survey year YYYY, not in the future (a number; the string \"2025\" is still taken until version 1.2.0)" example:"2025"`
	Question         string `json:"question" doc:"Question id of the hub's question bank, e.g. Q2.1" example:"Q2.1"`
	Group            string `json:"group" enum:"social_worker,newly_qualified,manager,senior_leader,occupational_therapist,other" doc:"Respondent group; groups do not overlap"`
	StronglyDisagree int    `json:"strongly_disagree" minimum:"0" doc:"Respondents who strongly disagree"`
	Disagree         int    `json:"disagree" minimum:"0"`
	Neutral          int    `json:"neutral" minimum:"0" doc:"Neither agree nor disagree"`
	Agree            int    `json:"agree" minimum:"0"`
	StronglyAgree    int    `json:"strongly_agree" minimum:"0"`
	N                int    `json:"n" minimum:"1" doc:"Respondents: the five counts must add up to it"`

	// Worked out by the rules, for the store.
	yearNumber, standard int
}

var counts = []string{"strongly_disagree", "disagree", "neutral", "agree", "strongly_agree", "n"}

// Row is a result with its place in the submission.
type Row struct {
	Row int `json:"row"`
	GroupResult
}

func (r *GroupResult) count(i int) *int {
	return []*int{&r.StronglyDisagree, &r.Disagree, &r.Neutral, &r.Agree, &r.StronglyAgree, &r.N}[i]
}

// Checked is a result that kept the rules.
type Checked struct {
	Row
	YearNumber int
	Standard   int
}

// Validate applies the rules of a survey result:
//   - organisation given; year a year YYYY from 2000, not after today's year;
//   - question an id of the question bank; group one of Groups;
//   - every count zero or more; n at least 1 and the sum of the five counts.
func Validate(r GroupResult, today time.Time) (Checked, []submission.RowError) {
	var errs []submission.RowError
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	c := Checked{Row: Row{GroupResult: r}}
	if r.Org == "" {
		fail("org", "organisation is missing")
	}
	if year, err := period.YearNumber(strconv.Itoa(r.Year), "survey year", today); err != nil {
		fail("year", "%v", err)
	} else {
		c.YearNumber = year
	}
	qs, err := Questions()
	if err != nil {
		fail("question", "question bank: %v", err)
	} else if q, ok := qs[r.Question]; !ok {
		fail("question", "unknown question %q (questions look like Q2.1)", r.Question)
	} else {
		c.Standard = q.Standard
	}
	if !slices.Contains(Groups, r.Group) {
		fail("group", "unknown respondent group %q: one of %s", r.Group, strings.Join(Groups, ", "))
	}
	sum := 0
	for i, name := range counts[:5] {
		v := *r.count(i)
		if v < 0 {
			fail(name, "must be zero or more, got %d", v)
		}
		sum += v
	}
	switch {
	case r.N < 1:
		fail("n", "n must be at least 1, got %d", r.N)
	case sum != r.N:
		fail("n", "the five counts add up to %d, not n = %d", sum, r.N)
	}
	return c, errs
}
