package benchmark

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// The figures of the kinds other than workforce returns, summed per organisation for one period
// from the stored rows (the latest version of each, read with FINAL).
const (
	// Placements count towards their host; ended ones are passed, failed or withdrawn.
	selectPlacementFigures = `SELECT host_org,
			countIf(stage = 'final'), countIf(stage = 'final' AND statutory_tasks = 1), countIf(stage = 'final' AND outcome = 'passed'),
			countIf(outcome IN ('passed', 'failed', 'withdrawn')), countIf(outcome = 'passed'), countIf(outcome = 'withdrawn'),
			sumIf(planned_days, outcome IN ('passed', 'failed', 'withdrawn')),
			sumIf(ifNull(completed_days, 0), outcome IN ('passed', 'failed', 'withdrawn')),
			countIf(outcome IN ('passed', 'failed', 'withdrawn') AND isNull(completed_days))
		FROM placements FINAL
		WHERE academic_year = ?
		GROUP BY host_org`
	// The figures of capacity, practice educators, survey results and audit ratings belong to the
	// organisation whose rows they are: each query reads every organisation's, and its "Of" twin
	// only the organisations bound first (PREWHERE on the leading key column, which ClickHouse
	// reads through the primary key; has() would read every row).
	selectCapacityFigures   = `SELECT ` + capacityFrom + capacityWhere
	selectCapacityFiguresOf = `SELECT ` + capacityFrom + ofOrgs + capacityWhere
	selectEducatorFigures   = `SELECT ` + educatorsFrom + educatorsWhere
	selectEducatorFiguresOf = `SELECT ` + educatorsFrom + ofOrgs + educatorsWhere
	selectSurveyFigures     = `SELECT ` + surveyFrom + surveyWhere
	selectSurveyFiguresOf   = `SELECT ` + surveyFrom + ofOrgs + surveyWhere
	selectAuditFigures      = `SELECT ` + auditCounts + auditFrom + auditWhere
	selectAuditFiguresOf    = `SELECT ` + auditCounts + auditFrom + ofOrgs + auditWhere

	ofOrgs = `
		PREWHERE org_code IN (SELECT arrayJoin(CAST(? AS Array(String))))`

	capacityFrom = `org_code, count(),
			countIf(isNotNull(requested)), sum(ifNull(requested, 0)),
			countIf(isNotNull(confirmed)), sum(ifNull(confirmed, 0))
		FROM placement_capacity FINAL`
	capacityWhere = `
		WHERE academic_year = ?
		GROUP BY org_code`
	educatorsFrom = `org_code, stage1, stage2, active, students_supported
		FROM practice_educators FINAL`
	educatorsWhere = `
		WHERE period = ?`
	// Standards 2 and 8 (Standards) are the ones with benchmarks. Per group, the respondents are the most who answered any one of the standard's questions.
	surveyFrom = `org_code, standard, respondent_group, max(n), sum(n), sum(agree + strongly_agree)
		FROM survey_results FINAL`
	surveyWhere = `
		WHERE year = ? AND standard IN (2, 8)
		GROUP BY org_code, standard, respondent_group`
	// The current rating of an item is its latest submission's.
	auditCounts = `org_code, standard, countIf(rating = 'GREEN'), countIf(rating = 'AMBER'), countIf(rating = 'RED'), count()
		FROM (
			SELECT org_code, item_id, standard, rating`
	auditFrom = `
			FROM audit_ratings FINAL`
	auditWhere = `
			WHERE cycle = ? AND standard IN (2, 8)
			ORDER BY org_code, item_id, version DESC
			LIMIT 1 BY org_code, item_id
		)
		GROUP BY org_code, standard`

	selectSourcePeriods = `SELECT DISTINCT academic_year FROM placements
		UNION ALL SELECT DISTINCT academic_year FROM placement_capacity
		UNION ALL SELECT DISTINCT period FROM practice_educators
		UNION ALL SELECT DISTINCT toString(year) FROM survey_results
		UNION ALL SELECT DISTINCT toString(cycle) FROM audit_ratings
		UNION ALL SELECT DISTINCT period FROM service_demand`
)

// workforceFigureColumns lists each figure's value and reason column, in the order of
// workforce.Fields.
var workforceFigureColumns = func() string {
	cols := make([]string, 0, 2*len(workforce.Fields))
	for _, f := range workforce.Fields {
		cols = append(cols, f.Name, f.Name+"_reason")
	}
	return strings.Join(cols, ", ")
}()

// selectWorkforceFigures reads the figures of the workforce returns of some periods. PREWHERE on
// the period filters before FINAL merges versions (every version of a row has the same period),
// as workforce.Store's reads of a period do.
var selectWorkforceFigures = `SELECT org_code, period, ` + workforceFigureColumns + `
		FROM workforce_returns FINAL
		PREWHERE has(CAST(? AS Array(String)), period)`

// selectWorkforceFiguresOf reads the figures of some organisations' returns of one period,
// through the primary key.
var selectWorkforceFiguresOf = `SELECT org_code, period, ` + workforceFigureColumns + `
		FROM workforce_returns FINAL
		PREWHERE org_code IN (SELECT arrayJoin(CAST(? AS Array(String)))) AND period = ?`

// source is a kind whose stored rows feed the benchmarks, with how its figures of some periods
// are read (each organisation's, from the latest version of every row), by period.
type source struct {
	kind    string
	figures func(s *Store, ctx context.Context, periods []string, orgs map[string]reference.Organisation) (map[string][]Figures, error)
	// of reads the figures of some organisations' rows of one period, when the kind's figures
	// belong to the organisation whose rows they are (nil: the kind is read whole).
	of func(s *Store, ctx context.Context, period string, orgs map[string]reference.Organisation, only []string) ([]Figures, error)
	// moves: a row's period is not part of its key, so that a newer version of a row can move it
	// into another period (a placement's academic year corrected): a change in one period may
	// change the kind's figures of any other.
	moves bool
}

// sources are the kinds the benchmarks are computed from, in the order their figures are merged.
var sources = []source{
	{kind: submission.KindWorkforce, figures: (*Store).workforceFigures, of: (*Store).workforceFiguresOf},
	{kind: submission.KindPlacement, figures: perPeriod(whole((*Store).placementFigures)), moves: true},
	{kind: submission.KindPlacementCapacity, figures: perPeriod((*Store).capacityFigures), of: (*Store).capacityFigures},
	{kind: submission.KindPracticeEducators, figures: perPeriod((*Store).educatorFigures), of: (*Store).educatorFigures},
	{kind: submission.KindSurvey, figures: perPeriod((*Store).surveyFigures), of: (*Store).surveyFigures},
	{kind: submission.KindAudit, figures: perPeriod((*Store).auditFigures), of: (*Store).auditFigures},
	{kind: demand.Kind, figures: perPeriod(whole((*Store).demandFigures))},
}

// byOrg reports whether a kind's figures can be read organisation by organisation.
func byOrg(kind string) bool {
	return slices.ContainsFunc(sources, func(s source) bool { return s.kind == kind && s.of != nil })
}

type periodReader = func(*Store, context.Context, string, map[string]reference.Organisation, []string) ([]Figures, error)

// whole is a reader of every organisation's figures as a periodReader.
func whole(read func(*Store, context.Context, string, map[string]reference.Organisation) ([]Figures, error)) periodReader {
	return func(s *Store, ctx context.Context, p string, orgs map[string]reference.Organisation, _ []string) ([]Figures, error) {
		return read(s, ctx, p, orgs)
	}
}

// perPeriod reads every organisation's figures of a kind one period at a time.
func perPeriod(read periodReader) func(*Store, context.Context, []string, map[string]reference.Organisation) (map[string][]Figures, error) {
	return func(s *Store, ctx context.Context, periods []string, orgs map[string]reference.Organisation) (map[string][]Figures, error) {
		out := make(map[string][]Figures, len(periods))
		for _, p := range periods {
			figs, err := read(s, ctx, p, orgs, nil)
			if err != nil {
				return nil, err
			}
			out[p] = figs
		}
		return out, nil
	}
}

// query picks a kind's query of every organisation's figures of a period, or its twin of only
// some organisations, with its binds.
func query(all, of, period string, only []string) (string, []any) {
	if only == nil {
		return all, []any{period}
	}
	return of, []any{only, period}
}

// gather collects the figures of one kind, organisation by organisation.
type gather map[string]*Figures

func (g gather) add(org, name string, v measure.Value) {
	f, ok := g[org]
	if !ok {
		f = &Figures{Org: org, Values: map[string]measure.Value{}}
		g[org] = f
	}
	f.Values[name] = v
}

func (g gather) list() []Figures {
	out := make([]Figures, 0, len(g))
	for _, f := range g {
		out = append(out, *f)
	}
	return out
}

func count(n uint64) measure.Value { return measure.Of(float64(n)) }

// workforceFigures reads the returns of several periods in one query, and only the figures: the
// table is ordered by organisation, so that each query reads the whole of it.
func (s *Store) workforceFigures(ctx context.Context, periods []string, _ map[string]reference.Organisation) (map[string][]Figures, error) {
	return s.scanWorkforce(ctx, selectWorkforceFigures, periods)
}

func (s *Store) workforceFiguresOf(ctx context.Context, period string, _ map[string]reference.Organisation, only []string) ([]Figures, error) {
	figs, err := s.scanWorkforce(ctx, selectWorkforceFiguresOf, only, period)
	return figs[period], err
}

// scanWorkforce reads workforce figures, by period.
func (s *Store) scanWorkforce(ctx context.Context, query string, args ...any) (map[string][]Figures, error) {
	out := map[string][]Figures{}
	vals := make([]*float64, len(workforce.Fields))
	reasons := make([]string, len(workforce.Fields))
	err := s.scan(ctx, "workforce returns", query, args, func(scan func(...any) error) error {
		var org, period string
		dest := make([]any, 0, 2+2*len(workforce.Fields))
		dest = append(dest, &org, &period)
		for i := range workforce.Fields {
			dest = append(dest, &vals[i], &reasons[i])
		}
		if err := scan(dest...); err != nil {
			return err
		}
		f := Figures{Org: org, Values: make(map[string]measure.Value, len(workforce.Fields))}
		for i, fd := range workforce.Fields {
			f.Values[fd.Name] = measure.FromPtr(vals[i], measure.Reason(reasons[i]))
		}
		out[period] = append(out[period], f)
		return nil
	})
	return out, err
}

func (s *Store) placementFigures(ctx context.Context, period string, _ map[string]reference.Organisation) ([]Figures, error) {
	ay := AcademicYearOf(period)
	if ay == "" {
		return nil, nil
	}
	g := gather{}
	err := s.scan(ctx, "placements", selectPlacementFigures, []any{ay}, func(scan func(...any) error) error {
		var (
			org                                  string
			final, statutory, finalPassed        uint64
			ended, passed, withdrawn             uint64
			planned, completed, completedUnknown uint64
		)
		if err := scan(&org, &final, &statutory, &finalPassed, &ended, &passed, &withdrawn, &planned, &completed, &completedUnknown); err != nil {
			return err
		}
		g.add(org, FigFinalPlacements, count(final))
		g.add(org, FigFinalPassed, count(finalPassed))
		g.add(org, FigFinalStatutory, count(statutory))
		g.add(org, FigEnded, count(ended))
		g.add(org, FigPassed, count(passed))
		g.add(org, FigWithdrawn, count(withdrawn))
		g.add(org, FigPlannedDaysEnded, count(planned))
		if completedUnknown > 0 {
			g.add(org, FigCompletedDaysEnded, measure.Unknown(measure.NotReported))
		} else {
			g.add(org, FigCompletedDaysEnded, count(completed))
		}
		return nil
	})
	return g.list(), err
}

// capacityFigures: a university requests places; any other organisation confirms them. A figure
// not reported for one of its rows leaves the organisation's unknown.
func (s *Store) capacityFigures(ctx context.Context, period string, orgs map[string]reference.Organisation, only []string) ([]Figures, error) {
	ay := AcademicYearOf(period)
	if ay == "" {
		return nil, nil
	}
	g := gather{}
	q, args := query(selectCapacityFigures, selectCapacityFiguresOf, ay, only)
	err := s.scan(ctx, "placement capacity", q, args, func(scan func(...any) error) error {
		var (
			org                  string
			rows, nReq, nConf    uint64
			requested, confirmed uint64
		)
		if err := scan(&org, &rows, &nReq, &requested, &nConf, &confirmed); err != nil {
			return err
		}
		name, n, total := FigPlacesConfirmed, nConf, confirmed
		if orgs[org].Type == reference.TypeUniversity {
			name, n, total = FigPlacesRequested, nReq, requested
		}
		if n < rows {
			g.add(org, name, measure.Unknown(measure.NotReported))
		} else {
			g.add(org, name, count(total))
		}
		return nil
	})
	return g.list(), err
}

func (s *Store) educatorFigures(ctx context.Context, period string, _ map[string]reference.Organisation, only []string) ([]Figures, error) {
	g := gather{}
	q, args := query(selectEducatorFigures, selectEducatorFiguresOf, period, only)
	err := s.scan(ctx, "practice educators", q, args, func(scan func(...any) error) error {
		var (
			org                              string
			stage1, stage2, active, students *uint32
		)
		if err := scan(&org, &stage1, &stage2, &active, &students); err != nil {
			return err
		}
		for name, v := range map[string]*uint32{FigPEStage1: stage1, FigPEStage2: stage2, FigPEActive: active, FigPEStudents: students} {
			if v == nil {
				g.add(org, name, measure.Unknown(measure.NotReported))
			} else {
				g.add(org, name, count(uint64(*v)))
			}
		}
		return nil
	})
	return g.list(), err
}

func (s *Store) surveyFigures(ctx context.Context, period string, _ map[string]reference.Organisation, only []string) ([]Figures, error) {
	year, err := strconv.Atoi(period)
	if err != nil {
		return nil, nil
	}
	type tally struct{ respondents, answers, agreeing uint64 }
	survey := map[string]map[int]*tally{}
	q, args := query(selectSurveyFigures, selectSurveyFiguresOf, period, only)
	args[len(args)-1] = uint16(year)
	err = s.scan(ctx, "survey results", q, args, func(scan func(...any) error) error {
		var (
			org, group        string
			std               uint8
			respondents       uint32
			answers, agreeing uint64
		)
		if err := scan(&org, &std, &group, &respondents, &answers, &agreeing); err != nil {
			return err
		}
		if survey[org] == nil {
			survey[org] = map[int]*tally{}
		}
		t := survey[org][int(std)]
		if t == nil {
			t = &tally{}
			survey[org][int(std)] = t
		}
		t.respondents += uint64(respondents)
		t.answers += answers
		t.agreeing += agreeing
		return nil
	})
	if err != nil {
		return nil, err
	}
	g := gather{}
	for org, bs := range survey {
		for std, t := range bs {
			g.add(org, FigSurveyRespondents(std), count(t.respondents))
			g.add(org, FigSurveyAnswers(std), count(t.answers))
			g.add(org, FigSurveyAgreeing(std), count(t.agreeing))
		}
	}
	return g.list(), nil
}

func (s *Store) auditFigures(ctx context.Context, period string, _ map[string]reference.Organisation, only []string) ([]Figures, error) {
	year, err := strconv.Atoi(period)
	if err != nil {
		return nil, nil
	}
	g := gather{}
	q, args := query(selectAuditFigures, selectAuditFiguresOf, period, only)
	args[len(args)-1] = uint16(year)
	err = s.scan(ctx, "audit ratings", q, args, func(scan func(...any) error) error {
		var (
			org                      string
			std                      uint8
			green, amber, red, rated uint64
		)
		if err := scan(&org, &std, &green, &amber, &red, &rated); err != nil {
			return err
		}
		g.add(org, FigAudit(int(std), "GREEN"), count(green))
		g.add(org, FigAudit(int(std), "AMBER"), count(amber))
		g.add(org, FigAudit(int(std), "RED"), count(red))
		g.add(org, FigAuditRated(int(std)), count(rated))
		return nil
	})
	return g.list(), err
}

func (s *Store) demandFigures(ctx context.Context, period string, _ map[string]reference.Organisation) ([]Figures, error) {
	stored, err := demand.NewStore(s.conn).ListPeriod(ctx, period)
	if err != nil {
		return nil, err
	}
	g := gather{}
	for _, d := range stored {
		for _, f := range demand.Fields {
			if v := *f.Of(&d.Return); v.Known || v.Reason != measure.NotReported {
				g.add(d.Org, f.Name, v)
			}
		}
	}
	return g.list(), nil
}

// foldJointDemand counts the demand of a joint return's authorities under the joint return when
// it is the joint return that reports the workforce in the period (Kingston upon Thames with
// Richmond upon Thames, say), so that children in need are set against the social workers who
// serve them and counted once in an area: each figure is the sum of the authorities', unknown
// when one of theirs is.
func foldJointDemand(figs []Figures, returns map[string]bool, orgs map[string]reference.Organisation) []Figures {
	byOrg := make(map[string]map[string]measure.Value, len(figs))
	for _, f := range figs {
		byOrg[f.Org] = f.Values
	}
	for code, o := range orgs {
		if o.Type != reference.TypeJointReturn || !returns[code] {
			continue
		}
		members := strings.Split(code, "_")
		for _, f := range demand.Fields {
			var sum measure.Value
			given := 0
			for _, m := range members {
				v, ok := byOrg[m][f.Name]
				if !ok || returns[m] { // a member with its own workforce return keeps its demand
					continue
				}
				given++
				delete(byOrg[m], f.Name)
				switch {
				case given == 1:
					sum = v
				case sum.Known && v.Known:
					sum.V += v.V
				case sum.Known:
					sum = v // unknown, with the first reason
				}
			}
			if given == 0 {
				continue
			}
			if given < len(members) && sum.Known {
				sum = measure.Unknown(measure.NotReported)
			}
			if byOrg[code] == nil {
				byOrg[code] = map[string]measure.Value{}
			}
			byOrg[code][f.Name] = sum
		}
	}
	out := make([]Figures, 0, len(byOrg))
	for org, values := range byOrg {
		if len(values) > 0 {
			out = append(out, Figures{Org: org, Values: values})
		}
	}
	return out
}

// sourcePeriods lists the benchmark periods the kinds other than workforce returns have data for.
func (s *Store) sourcePeriods(ctx context.Context) ([]string, error) {
	var out []string
	err := s.scan(ctx, "periods", selectSourcePeriods, nil, func(scan func(...any) error) error {
		var p string
		if err := scan(&p); err != nil {
			return err
		}
		out = append(out, PeriodOf(submission.KindPlacement, p))
		return nil
	})
	slices.Sort(out)
	return slices.Compact(out), err
}

// scan runs query and hands each row to fn.
func (s *Store) scan(ctx context.Context, what, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}
