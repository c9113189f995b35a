package survey

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Kind is the health-check survey's results as a data kind: sent by a survey provider for any
// organisation, or by an employer for itself.
var Kind = &kind.Kind[GroupResult]{
	Meta: kind.Meta{
		Name: submission.KindSurvey,
		Rows: "survey results",
		Policy: kind.Policy{Own: []string{auth.RoleSubmitter}, Any: []string{auth.RoleSteward, auth.RoleSurveyProvider},
			Who: "survey providers (role survey_provider) or stewards for any organisation, and employers (role submitter) for their own"},
		Tables: []string{"survey_results"},
		Docs: kind.Docs{
			Path: "/v1/survey-results", Tags: []string{"Surveys"},
			SubmitID: "submit-survey-results", Summary: "Submit health-check survey results (aggregated)", Description: submitDoc,
			Schema: "survey-result.v1.json", Title: "Survey results", Root: "SurveyResults", ListDoc: "Aggregated results; never individual responses",
		},
		Benchmarks: &kind.Benchmarks{Metrics: Metrics, Figures: kind.EachPeriod(figures), FiguresOf: figures, Periods: kind.Distinct(selectYears)},
	},
	Format: &kind.Columns[GroupResult]{List: "results", Fields: []kind.Field[GroupResult]{
		kind.Text("org", kind.Required, func(r *GroupResult) *string { return &r.Org }, upper),
		kind.Year("year", kind.Required, func(r *GroupResult) *int { return &r.Year }),
		kind.Text("question", kind.Required, func(r *GroupResult) *string { return &r.Question }, upper),
		kind.Text("group", kind.Required, func(r *GroupResult) *string { return &r.Group }, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }),
		kind.Count("strongly_disagree", kind.Required, func(r *GroupResult) *int { return &r.StronglyDisagree }),
		kind.Count("disagree", kind.Required, func(r *GroupResult) *int { return &r.Disagree }),
		kind.Count("neutral", kind.Required, func(r *GroupResult) *int { return &r.Neutral }),
		kind.Count("agree", kind.Required, func(r *GroupResult) *int { return &r.Agree }),
		kind.Count("strongly_agree", kind.Required, func(r *GroupResult) *int { return &r.StronglyAgree }),
		kind.Count("n", kind.Required, func(r *GroupResult) *int { return &r.N }),
	}},
	Key: func(r *GroupResult) string {
		return fmt.Sprintf("organisation %s, year %d, question %s, group %s", r.Org, r.Year, r.Question, r.Group)
	},
	Org:    func(r *GroupResult) string { return r.Org },
	Period: func(r *GroupResult) string { return strconv.Itoa(r.Year) },
	Validate: func(r *GroupResult, today time.Time) (errs, warns []submission.RowError) {
		c, errs := Validate(*r, today)
		r.yearNumber, r.standard = c.YearNumber, c.Standard
		return errs, nil
	},
	Insert: func(ctx context.Context, conn driver.Conn, rows []kind.Stored[GroupResult]) error {
		stored := make([]Stored, len(rows))
		for i, r := range rows {
			stored[i] = Stored{Checked: Checked{Row: Row{Row: r.Num, GroupResult: r.Value}, YearNumber: r.Value.yearNumber, Standard: r.Value.standard},
				SubmissionID: r.SubmissionID, SubmittedBy: r.SubmittedBy, ReceivedAt: r.ReceivedAt}
		}
		return NewStore(conn).Insert(ctx, stored)
	},
	Demo: demo,
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// FigSurveyAnswers, FigSurveyAgreeing and FigSurveyRespondents name a standard's health-check
// figures: answers to its questions, those agreeing or strongly agreeing, and the respondents
// (per group the most who answered any one question, summed over the groups).
func FigSurveyAnswers(std int) string     { return fmt.Sprintf("survey_answers_s%d", std) }
func FigSurveyAgreeing(std int) string    { return fmt.Sprintf("survey_agreeing_s%d", std) }
func FigSurveyRespondents(std int) string { return fmt.Sprintf("survey_respondents_s%d", std) }

// BenchmarkStandards are the standards whose health-check agreement is benchmarked.
var BenchmarkStandards = []int{2, 8}

// Metrics are the health-check agreement with each benchmarked standard's questions.
var Metrics = func() []kind.Metric {
	var out []kind.Metric
	for _, std := range BenchmarkStandards {
		out = append(out, kind.Standard(std, submission.KindSurvey, AgreementMetric(std))...)
	}
	return out
}()

// AgreementMetric is the health-check agreement with a standard's questions, a metric under
// disclosure control.
func AgreementMetric(std int) kind.Metric {
	return kind.Metric{ID: fmt.Sprintf("survey_agreement_s%d", std), Label: fmt.Sprintf("Health check: agreement with the Standard %d questions", std),
		Unit: "%", HigherIsBetter: true, Disclosure: true,
		Formula:   fmt.Sprintf("answers agree or strongly agree ÷ all answers to the Standard %d questions × 100, every respondent group", std),
		Numerator: []string{FigSurveyAgreeing(std)}, Denominator: []string{FigSurveyAnswers(std)},
		Respondents: FigSurveyRespondents(std), Scale: 100}
}

// Per organisation, standard and group of the benchmarked standards: the respondents are the
// most who answered any one of the standard's questions. The "Of" twin reads only the
// organisations bound first (kind.OfOrgs).
const (
	selectBenchmarkFigures   = `SELECT ` + figuresFrom + figuresWhere
	selectBenchmarkFiguresOf = `SELECT ` + figuresFrom + kind.OfOrgs + figuresWhere

	figuresFrom = `org_code, standard, respondent_group, max(n), sum(n), sum(agree + strongly_agree)
		FROM survey_results FINAL`
	figuresWhere = `
		WHERE year = ? AND standard IN (2, 8)
		GROUP BY org_code, standard, respondent_group`
)

// selectYears lists the survey years with stored results.
const selectYears = `SELECT DISTINCT toString(year) FROM survey_results`

func figures(ctx context.Context, conn driver.Conn, period string, _ map[string]reference.Organisation, only []string) ([]kind.Figures, error) {
	year, err := strconv.Atoi(period)
	if err != nil || len(period) != 4 {
		return nil, nil
	}
	type tally struct{ respondents, answers, agreeing uint64 }
	by := map[string]map[int]*tally{}
	q, args := kind.Pick(selectBenchmarkFigures, selectBenchmarkFiguresOf, uint16(year), only)
	err = chstore.Scan(ctx, conn, "survey results", q, args, func(scan func(...any) error) error {
		var (
			org, group        string
			std               uint8
			respondents       uint32
			answers, agreeing uint64
		)
		if err := scan(&org, &std, &group, &respondents, &answers, &agreeing); err != nil {
			return err
		}
		if by[org] == nil {
			by[org] = map[int]*tally{}
		}
		t := by[org][int(std)]
		if t == nil {
			t = &tally{}
			by[org][int(std)] = t
		}
		t.respondents += uint64(respondents)
		t.answers += answers
		t.agreeing += agreeing
		return nil
	})
	if err != nil {
		return nil, err
	}
	g := kind.Gather{}
	for org, bs := range by {
		for std, t := range bs {
			g.Add(org, FigSurveyRespondents(std), kind.Known(t.respondents))
			g.Add(org, FigSurveyAnswers(std), kind.Known(t.answers))
			g.Add(org, FigSurveyAgreeing(std), kind.Known(t.agreeing))
		}
	}
	return g.List(), nil
}

const submitDoc = `Aggregated results of the annual health-check survey, as JSON ({"results": [...]}) or CSV (Content-Type: text/csv; columns org, year, question, group, strongly_disagree, disagree, neutral, agree, strongly_agree, n).

One row per organisation, survey year, question (of the hub's question bank, e.g. Q2.1, each mapped to a standard) and respondent group (social_worker, newly_qualified, manager, senior_leader, occupational_therapist, other; the groups do not overlap): the respondents for each point of the 5-point agree scale and n, their sum. No individual response is taken.
Refused rows (unknown question or group, counts that are negative or do not add up to n, a year in the future …) are listed in the submission's status with their row number, field and reason; the rest are stored. A newer result for the same organisation, year, question and group replaces the older one.

A survey provider (role survey_provider) or a steward may send results for any organisation; an employer (role submitter) only for itself: a submission naming another organisation is refused whole (403).`
