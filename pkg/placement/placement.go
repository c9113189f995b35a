// Package placement holds the Standard 8 data kinds, the partnership between employers and
// universities: student placements (reported by universities), placement capacity (places a
// university requests, an employer offers and confirms) and practice educators (reported by
// employers). Each kind has the rules a row must keep and a
// ClickHouse store, and each is declared as a data kind (kinds.go).
//
// A placement never names a student. The university sends a pseudonymous reference it derives
// itself, e.g. StudentRef: HMAC-SHA256 of its own student id under a secret only the university
// holds, hex, truncated to 32 characters. The same student then has the same reference in every
// return, and nobody without the secret can go back from the reference to the student.
package placement

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Programme routes into social work.
var Routes = []string{"undergraduate", "postgraduate", "apprenticeship", "step_up", "frontline"}

// Stages of practice learning: the 30 skills days, the first placement (70 days) and the final
// placement (100 days).
const (
	SkillsDays = "skills_days"
	First      = "first"
	Final      = "final"
)

// Stages lists the stages in order.
var Stages = []string{SkillsDays, First, Final}

// RequiredDays are the days of practice learning each stage must give: 30 skills days, 70 days
// for the first placement and 100 for the final one (170 placement days in all).
var RequiredDays = map[string]int{SkillsDays: 30, First: 70, Final: 100}

// Settings of the host organisation.
var Settings = []string{"la", "voluntary", "private", "health", "education"}

// ServiceUserGroups are the people a placement works with.
var ServiceUserGroups = []string{"children_and_families", "adults", "mental_health", "learning_disability", "older_people", "other"}

// Outcomes of a placement, from planned to its end.
const (
	Planned   = "planned"
	Ongoing   = "ongoing"
	Passed    = "passed"
	Failed    = "failed"
	Withdrawn = "withdrawn"
	Deferred  = "deferred"
)

// Outcomes lists every outcome.
var Outcomes = []string{Planned, Ongoing, Passed, Failed, Withdrawn, Deferred}

// PE locations: the practice educator works where the student is placed, or off site (the
// student then has an on-site supervisor).
var PELocations = []string{"on_site", "off_site"}

// OverrunTolerance is how many days completed may exceed planned: a placement is sometimes
// extended by a few days to make up for absence, but not by more than a working week.
const OverrunTolerance = 5

// StudentRefLength is the length of a reference made by StudentRef: 32 hex characters (128 bits).
const StudentRefLength = 32

// StudentRef derives a pseudonymous student reference from a university's own student id: hex
// HMAC-SHA256 under a secret the university keeps, truncated to StudentRefLength characters.
func StudentRef(secret []byte, studentID string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(studentID))
	return hex.EncodeToString(m.Sum(nil))[:StudentRefLength]
}

// Placement is one student's placement at one stage, reported by the university.
type Placement struct {
	Org              string `json:"org" doc:"The reporting university's UKPRN; must be your own organisation" example:"10007799"`
	StudentRef       string `json:"student_ref" pattern:"^[0-9a-f]{16,64}$" doc:"Pseudonymous student reference, 16 to 64 lower-case hex characters, never a name, email or date of birth. Derive it as hex(HMAC-SHA256(secret, your own student id)) truncated to 32 characters, with a secret only the university keeps, so that the same student has the same reference every time" example:"3f9a0c2e7b5d41e8a6c09b1d2e3f4a5b"`
	Route            string `json:"route" enum:"undergraduate,postgraduate,apprenticeship,step_up,frontline" doc:"Programme route"`
	Cohort           string `json:"cohort" pattern:"^[0-9]{4}/[0-9]{2}$" doc:"Academic year the student's programme began, YYYY/YY" example:"2024/25"`
	AcademicYear     string `json:"academic_year" pattern:"^[0-9]{4}/[0-9]{2}$" doc:"Academic year the placement runs in, YYYY/YY, not before the cohort" example:"2025/26"`
	Stage            string `json:"stage" enum:"skills_days,first,final" doc:"skills_days (30 days), first placement (70 days) or final placement (100 days)"`
	HostOrg          string `json:"host_org" doc:"Code of the host organisation (ONS code of a council, ODS or Companies House code otherwise); must be known to the hub" example:"E06000001"`
	Setting          string `json:"setting" enum:"la,voluntary,private,health,education" doc:"Setting type of the host"`
	StatutoryTasks   bool   `json:"statutory_tasks" doc:"Whether the student carries out statutory tasks"`
	ServiceUserGroup string `json:"service_user_group" enum:"children_and_families,adults,mental_health,learning_disability,older_people,other" doc:"People the placement works with"`
	PlannedDays      int    `json:"planned_days" minimum:"1" maximum:"200" doc:"Days planned"`
	CompletedDays    *int   `json:"completed_days,omitempty" required:"false" minimum:"0" doc:"Days completed so far; at most planned days plus 5"`
	PEStage          int    `json:"pe_stage,omitempty" required:"false" minimum:"0" maximum:"2" doc:"Practice educator's stage (1 or 2) of the Practice Educator Professional Standards; 0 or absent when none is allocated yet"`
	PELocation       string `json:"pe_location,omitempty" required:"false" enum:"on_site,off_site" doc:"Whether the practice educator works on site or off site"`
	Outcome          string `json:"outcome" enum:"planned,ongoing,passed,failed,withdrawn,deferred" doc:"Where the placement stands; a later report of the same placement replaces this one"`
}

// Row is a placement with its place in the submission.
type Row struct {
	Row int `json:"row"`
	Placement
}

// Validate applies the rules of a placement. Errors refuse the row; warnings keep it. The rules:
//   - university, student reference, route, stage, setting, service-user group and outcome given
//     and of their lists; cohort and academic year are academic years YYYY/YY from 2000, the
//     cohort begun by today, the placement's year not before the cohort nor more than a year ahead;
//   - planned days 1 to 200; completed days at most planned days plus OverrunTolerance (5);
//   - a passed or failed placement says how many days were completed;
//   - practice educator stage 0 (none yet), 1 or 2; location on_site or off_site when given;
//   - warning only: planned days below the stage's required days (30, 70, 100), or a passed
//     placement that completed fewer days than required.
//
// The host organisation must be known to the hub: ingest checks that against reference data.
func Validate(p Placement, today time.Time) (errs, warns []submission.RowError) {
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	warn := func(field, format string, a ...any) {
		warns = append(warns, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if p.Org == "" {
		fail("org", "university is missing")
	}
	if p.HostOrg == "" {
		fail("host_org", "host organisation is missing")
	}
	if !isPseudonym(p.StudentRef) {
		fail("student_ref", "must be a pseudonymous reference of 16 to 64 hex characters")
	}
	oneOf(fail, "route", p.Route, Routes)
	oneOf(fail, "stage", p.Stage, Stages)
	oneOf(fail, "setting", p.Setting, Settings)
	oneOf(fail, "service_user_group", p.ServiceUserGroup, ServiceUserGroups)
	oneOf(fail, "outcome", p.Outcome, Outcomes)
	cohort, cerr := period.ParseKind(p.Cohort, period.AcademicYear)
	if cerr != nil {
		fail("cohort", "%v", cerr)
	} else if start := time.Date(cohort.Year, time.September, 1, 0, 0, 0, 0, time.UTC); start.After(today) {
		fail("cohort", "cohort %s has not begun yet", p.Cohort)
	}
	year, yerr := period.ParseKind(p.AcademicYear, period.AcademicYear)
	switch {
	case yerr != nil:
		fail("academic_year", "%v", yerr)
	case cerr == nil && year.Year < cohort.Year:
		fail("academic_year", "placement year %s is before the cohort %s", p.AcademicYear, p.Cohort)
	case year.Year > today.Year()+1:
		fail("academic_year", "placement year %s is more than a year ahead", p.AcademicYear)
	}
	if p.PlannedDays < 1 || p.PlannedDays > 200 {
		fail("planned_days", "must be 1 to 200, got %d", p.PlannedDays)
	}
	if p.CompletedDays != nil && *p.CompletedDays > p.PlannedDays+OverrunTolerance {
		fail("completed_days", "%d days completed is more than the %d planned (plus %d days allowed for making up absence)", *p.CompletedDays, p.PlannedDays, OverrunTolerance)
	}
	if p.CompletedDays == nil && (p.Outcome == Passed || p.Outcome == Failed) {
		fail("completed_days", "a %s placement must say how many days were completed", p.Outcome)
	}
	if p.PEStage < 0 || p.PEStage > 2 {
		fail("pe_stage", "practice educator stage must be 1 or 2 (0 when none is allocated), got %d", p.PEStage)
	}
	if p.PELocation != "" {
		oneOf(fail, "pe_location", p.PELocation, PELocations)
	}
	if len(errs) > 0 {
		return errs, nil
	}
	if need := RequiredDays[p.Stage]; p.PlannedDays < need {
		warn("planned_days", "%d days planned is fewer than the %d days a %s placement requires", p.PlannedDays, need, p.Stage)
	}
	if need := RequiredDays[p.Stage]; p.Outcome == Passed && *p.CompletedDays < need {
		warn("completed_days", "passed with %d days completed, fewer than the %d days a %s placement requires", *p.CompletedDays, need, p.Stage)
	}
	return nil, warns
}

func oneOf(fail func(field, format string, a ...any), field, v string, list []string) {
	switch {
	case v == "":
		fail(field, "%s is missing", field)
	case !slices.Contains(list, v):
		fail(field, "unknown %s %q: one of %s", field, v, strings.Join(list, ", "))
	}
}

func isPseudonym(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// normaliseOrg tidies an organisation code: trimmed, upper case (ONS and ODS codes are).
func normaliseOrg(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
