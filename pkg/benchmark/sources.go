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
	selectCapacityFigures = `SELECT org_code, count(),
			countIf(isNotNull(requested)), sum(ifNull(requested, 0)),
			countIf(isNotNull(confirmed)), sum(ifNull(confirmed, 0))
		FROM placement_capacity FINAL
		WHERE academic_year = ?
		GROUP BY org_code`
	selectEducatorFigures = `SELECT org_code, stage1, stage2, active, students_supported
		FROM practice_educators FINAL
		WHERE period = ?`
	// Standards 2 and 8 (Standards) are the ones with benchmarks. Per group, the respondents are the most who answered any one of the standard's questions.
	selectSurveyFigures = `SELECT org_code, standard, respondent_group, max(n), sum(n), sum(agree + strongly_agree)
		FROM survey_results FINAL
		WHERE year = ? AND standard IN (2, 8)
		GROUP BY org_code, standard, respondent_group`
	// The current rating of an item is its latest submission's.
	selectAuditFigures = `SELECT org_code, standard, countIf(rating = 'GREEN'), countIf(rating = 'AMBER'), countIf(rating = 'RED'), count()
		FROM (
			SELECT org_code, item_id, standard, rating
			FROM audit_ratings FINAL
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

// sourceFigures reads the figures of every kind but workforce returns for a period.
func (s *Store) sourceFigures(ctx context.Context, period string, orgs map[string]reference.Organisation) ([]Figures, error) {
	by := map[string]*Figures{}
	add := func(org, name string, v measure.Value) {
		f, ok := by[org]
		if !ok {
			f = &Figures{Org: org, Values: map[string]measure.Value{}}
			by[org] = f
		}
		f.Values[name] = v
	}
	count := func(n uint64) measure.Value { return measure.Of(float64(n)) }

	if ay := AcademicYearOf(period); ay != "" {
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
			add(org, FigFinalPlacements, count(final))
			add(org, FigFinalPassed, count(finalPassed))
			add(org, FigFinalStatutory, count(statutory))
			add(org, FigEnded, count(ended))
			add(org, FigPassed, count(passed))
			add(org, FigWithdrawn, count(withdrawn))
			add(org, FigPlannedDaysEnded, count(planned))
			if completedUnknown > 0 {
				add(org, FigCompletedDaysEnded, measure.Unknown(measure.NotReported))
			} else {
				add(org, FigCompletedDaysEnded, count(completed))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		// A university requests places; any other organisation confirms them. A figure not
		// reported for one of its rows leaves the organisation's unknown.
		err = s.scan(ctx, "placement capacity", selectCapacityFigures, []any{ay}, func(scan func(...any) error) error {
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
				add(org, name, measure.Unknown(measure.NotReported))
			} else {
				add(org, name, count(total))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	err := s.scan(ctx, "practice educators", selectEducatorFigures, []any{period}, func(scan func(...any) error) error {
		var (
			org                              string
			stage1, stage2, active, students *uint32
		)
		if err := scan(&org, &stage1, &stage2, &active, &students); err != nil {
			return err
		}
		for name, v := range map[string]*uint32{FigPEStage1: stage1, FigPEStage2: stage2, FigPEActive: active, FigPEStudents: students} {
			if v == nil {
				add(org, name, measure.Unknown(measure.NotReported))
			} else {
				add(org, name, count(uint64(*v)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	if year, err := strconv.Atoi(period); err == nil {
		type tally struct{ respondents, answers, agreeing uint64 }
		survey := map[string]map[int]*tally{}
		err := s.scan(ctx, "survey results", selectSurveyFigures, []any{uint16(year)}, func(scan func(...any) error) error {
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
		for org, bs := range survey {
			for std, t := range bs {
				add(org, FigSurveyRespondents(std), count(t.respondents))
				add(org, FigSurveyAnswers(std), count(t.answers))
				add(org, FigSurveyAgreeing(std), count(t.agreeing))
			}
		}
		err = s.scan(ctx, "audit ratings", selectAuditFigures, []any{uint16(year)}, func(scan func(...any) error) error {
			var (
				org                      string
				std                      uint8
				green, amber, red, rated uint64
			)
			if err := scan(&org, &std, &green, &amber, &red, &rated); err != nil {
				return err
			}
			add(org, FigAudit(int(std), "GREEN"), count(green))
			add(org, FigAudit(int(std), "AMBER"), count(amber))
			add(org, FigAudit(int(std), "RED"), count(red))
			add(org, FigAuditRated(int(std)), count(rated))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	stored, err := demand.NewStore(s.conn).ListPeriod(ctx, period)
	if err != nil {
		return nil, err
	}
	for _, d := range stored {
		for _, f := range demand.Fields {
			if v := *f.Of(&d.Return); v.Known || v.Reason != measure.NotReported {
				add(d.Org, f.Name, v)
			}
		}
	}

	out := make([]Figures, 0, len(by))
	for _, f := range by {
		out = append(out, *f)
	}
	return out, nil
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
