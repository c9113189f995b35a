// Package profile is the workforce profile: per employer, reporting year (the snapshot at 30
// September) and role level, the headcount of social workers by ethnic group (the census's major
// groups), sex, age band and disability, each with its "not known". It serves Standard 2's "have a
// strategy to promote and improve diversity across all levels": the benchmarks are the share of
// each group at each level and in the whole workforce, against the area's, as ratios of sums and
// under the survey's disclosure control (package disclosure), since they count people.
package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Levels are the role levels, from case holder to senior manager, as the DfE's census names them.
var Levels = []string{"case_holder", "senior_practitioner", "first_line_manager", "middle_manager", "senior_manager"}

// levelLabels name the levels in words, in the order of Levels.
var levelLabels = []string{"case holders", "senior practitioners", "first-line managers", "middle managers", "senior managers"}

// Group is one group of a dimension: its column is "<dimension>_<id>".
type Group struct {
	ID, Label string
}

// Dimension is one way the headcount of a level is broken down: the counts of its groups and of
// those whose group is not known add up to the headcount.
type Dimension struct {
	ID     string // "ethnicity"
	Label  string // in messages: "ethnic group"
	Groups []Group
	// Shares are the groups whose share is benchmarked (the others' follow from them).
	Shares []string
}

// NotKnown is the group of those whose group is not known (not recorded or refused), in every
// dimension; shares are of those whose group is known, as the DfE publishes them.
const NotKnown = "not_known"

// Dimensions are the breakdowns of the profile: the census's major ethnic groups, sex, the DfE's
// age bands and disability.
var Dimensions = []Dimension{
	{ID: "ethnicity", Label: "ethnic group", Groups: []Group{{"asian", "Asian or Asian British"},
		{"black", "Black, Black British, Caribbean or African"}, {"mixed", "Mixed or multiple ethnic groups"},
		{"white", "White"}, {"other", "Other ethnic group"}, {NotKnown, "ethnic group not known or not stated"}},
		Shares: []string{"asian", "black", "mixed", "white", "other"}},
	{ID: "sex", Label: "sex", Groups: []Group{{"female", "Female"}, {"male", "Male"}, {NotKnown, "sex not known"}},
		Shares: []string{"female"}},
	{ID: "age", Label: "age band", Groups: []Group{{"under_30", "Under 30"}, {"30_to_39", "Aged 30 to 39"}, {"40_to_49", "Aged 40 to 49"},
		{"50_to_59", "Aged 50 to 59"}, {"60_and_over", "Aged 60 and over"}, {NotKnown, "age not known"}},
		Shares: []string{"under_30", "30_to_39", "40_to_49", "50_to_59", "60_and_over"}},
	{ID: "disability", Label: "disability", Groups: []Group{{"yes", "Disabled"}, {"no", "Not disabled"}, {NotKnown, "disability not known or not stated"}},
		Shares: []string{"yes"}},
}

// Column is the name of a group's column: "ethnicity_black".
func Column(dim, group string) string { return dim + "_" + group }

// LevelProfile is one employer's headcount at one role level in one reporting year. A dimension is
// either given whole (every group's count, not known included, adding up to the headcount) or
// left out (not reported).
type LevelProfile struct {
	Org       string `json:"org" doc:"Employer's organisation code; must be your own organisation" example:"E06000001"`
	Year      int    `json:"year" minimum:"2000" maximum:"2100" doc:"Reporting year YYYY (a number): the snapshot at 30 September, not after today" example:"2025"`
	Level     string `json:"level" enum:"case_holder,senior_practitioner,first_line_manager,middle_manager,senior_manager" doc:"Role level"`
	Headcount int    `json:"headcount" minimum:"0" doc:"Social workers at the level (headcount, not FTE)"`

	EthnicityAsian    *int `json:"ethnicity_asian,omitempty" required:"false" minimum:"0" doc:"Asian or Asian British"`
	EthnicityBlack    *int `json:"ethnicity_black,omitempty" required:"false" minimum:"0" doc:"Black, Black British, Caribbean or African"`
	EthnicityMixed    *int `json:"ethnicity_mixed,omitempty" required:"false" minimum:"0" doc:"Mixed or multiple ethnic groups"`
	EthnicityWhite    *int `json:"ethnicity_white,omitempty" required:"false" minimum:"0" doc:"White"`
	EthnicityOther    *int `json:"ethnicity_other,omitempty" required:"false" minimum:"0" doc:"Other ethnic group"`
	EthnicityNotKnown *int `json:"ethnicity_not_known,omitempty" required:"false" minimum:"0" doc:"Ethnic group not known or not stated"`

	SexFemale   *int `json:"sex_female,omitempty" required:"false" minimum:"0" doc:"Female"`
	SexMale     *int `json:"sex_male,omitempty" required:"false" minimum:"0" doc:"Male"`
	SexNotKnown *int `json:"sex_not_known,omitempty" required:"false" minimum:"0" doc:"Sex not known"`

	AgeUnder30    *int `json:"age_under_30,omitempty" required:"false" minimum:"0" doc:"Aged under 30"`
	Age30To39     *int `json:"age_30_to_39,omitempty" required:"false" minimum:"0" doc:"Aged 30 to 39"`
	Age40To49     *int `json:"age_40_to_49,omitempty" required:"false" minimum:"0" doc:"Aged 40 to 49"`
	Age50To59     *int `json:"age_50_to_59,omitempty" required:"false" minimum:"0" doc:"Aged 50 to 59"`
	Age60AndOver  *int `json:"age_60_and_over,omitempty" required:"false" minimum:"0" doc:"Aged 60 and over"`
	AgeNotKnown   *int `json:"age_not_known,omitempty" required:"false" minimum:"0" doc:"Age not known"`
	DisabilityYes *int `json:"disability_yes,omitempty" required:"false" minimum:"0" doc:"Disabled"`
	DisabilityNo  *int `json:"disability_no,omitempty" required:"false" minimum:"0" doc:"Not disabled"`
	// DisabilityNotKnown: not recorded, or preferred not to say.
	DisabilityNotKnown *int `json:"disability_not_known,omitempty" required:"false" minimum:"0" doc:"Disability not known or not stated"`
}

// Counts are a profile's counts, dimension by dimension in the order of Dimensions and within
// each in the order of its groups: each a pointer to the field.
func (p *LevelProfile) Counts() [][]**int {
	return [][]**int{
		{&p.EthnicityAsian, &p.EthnicityBlack, &p.EthnicityMixed, &p.EthnicityWhite, &p.EthnicityOther, &p.EthnicityNotKnown},
		{&p.SexFemale, &p.SexMale, &p.SexNotKnown},
		{&p.AgeUnder30, &p.Age30To39, &p.Age40To49, &p.Age50To59, &p.Age60AndOver, &p.AgeNotKnown},
		{&p.DisabilityYes, &p.DisabilityNo, &p.DisabilityNotKnown},
	}
}

// Validate applies the rules of a profile row:
//   - organisation given; year a reporting year YYYY from 2000 whose snapshot (30 September) is
//     not after today; level one of Levels;
//   - each dimension given whole or not at all, and when given its counts add up to the headcount.
func Validate(p LevelProfile, today time.Time) []submission.RowError {
	var errs []submission.RowError
	fail := func(field, format string, a ...any) {
		errs = append(errs, submission.RowError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if p.Org == "" {
		fail("org", "organisation is missing")
	}
	if y, err := period.ParseKind(strconv.Itoa(p.Year), period.Year); err != nil {
		fail("year", "%v", err)
	} else if err := y.NotAfter(today); err != nil {
		fail("year", "%v", err)
	}
	if !slices.Contains(Levels, p.Level) {
		fail("level", "unknown role level %q: one of %s", p.Level, strings.Join(Levels, ", "))
	}
	for d, counts := range p.Counts() {
		dim := Dimensions[d]
		var missing []string
		sum := 0
		for g, c := range counts {
			if *c == nil {
				missing = append(missing, Column(dim.ID, dim.Groups[g].ID))
				continue
			}
			sum += **c
		}
		switch {
		case len(missing) == len(counts):
		case len(missing) > 0:
			fail(missing[0], "give every %s column or none: %s missing", dim.Label, strings.Join(missing, ", "))
		case sum != p.Headcount:
			fail(Column(dim.ID, dim.Groups[0].ID), "the %s counts add up to %d, not the headcount %d", dim.Label, sum, p.Headcount)
		}
	}
	return errs
}
