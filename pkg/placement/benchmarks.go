package placement

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Figures summed from the Standard 8 kinds for the benchmarks.
const (
	// Placement capacity: a university's places requested, an employer's places confirmed.
	FigPlacesRequested = "places_requested"
	FigPlacesConfirmed = "places_confirmed"
	// Placements, counted towards the host organisation.
	FigFinalPlacements    = "final_placements"
	FigFinalPassed        = "final_placements_passed"
	FigFinalStatutory     = "final_placements_statutory"
	FigEnded              = "placements_ended"
	FigPassed             = "placements_passed"
	FigWithdrawn          = "placements_withdrawn"
	FigPlannedDaysEnded   = "planned_days_ended"
	FigCompletedDaysEnded = "completed_days_ended"
	// Practice educators.
	FigPEStage1   = "pe_stage1"
	FigPEStage2   = "pe_stage2"
	FigPEActive   = "pe_active"
	FigPEStudents = "pe_students_supported"
)

// Metrics are Standard 8's benchmarks from placements, placement capacity and practice educators
// (each names its source kind).
//
// Placements count towards the organisation that hosts them (the employer), so that each is
// counted once in an area's sums. A placement's academic year YYYY/YY belongs to the reporting
// year it ends in (2024/25 → 2025; see ReportingYearOf).
var Metrics = kind.Standard(8, submission.KindPlacement,
	kind.Metric{ID: "placement_fill_rate", Label: "Placement fill rate", Unit: "%", HigherIsBetter: true, AreaOnly: true,
		Source:    submission.KindPlacementCapacity,
		Formula:   "places confirmed by employers ÷ places requested by universities × 100, over every stage",
		Numerator: []string{FigPlacesConfirmed}, Denominator: []string{FigPlacesRequested}, Scale: 100},
	kind.Metric{ID: "placement_days_completed", Label: "Placement days completed", Unit: "%", HigherIsBetter: true,
		Formula:   "days completed ÷ days planned × 100, over the ended placements (passed, failed or withdrawn) the organisation hosted",
		Numerator: []string{FigCompletedDaysEnded}, Denominator: []string{FigPlannedDaysEnded}, Scale: 100},
	kind.Metric{ID: "final_placements_statutory", Label: "Final placements with statutory tasks", Unit: "%", HigherIsBetter: true,
		Formula:   "final placements with statutory tasks ÷ final placements hosted × 100",
		Numerator: []string{FigFinalStatutory}, Denominator: []string{FigFinalPlacements}, Scale: 100},
	kind.Metric{ID: "practice_educators_per_100_fte", Label: "Practice educators per 100 in-post FTE", Unit: "per 100 FTE", HigherIsBetter: true,
		Source:    submission.KindPracticeEducators,
		Formula:   "(stage 1 + stage 2 practice educators) ÷ in-post social worker FTE (workforce return of the same period) × 100",
		Numerator: []string{FigPEStage1, FigPEStage2}, Denominator: []string{"inpost_fte"}, Scale: 100},
	// Higher is better: each active educator gives more practice learning; the professional
	// standards expect an educator to take students year after year.
	kind.Metric{ID: "students_per_practice_educator", Label: "Students per active practice educator", Unit: "students per educator", HigherIsBetter: true,
		Source:    submission.KindPracticeEducators,
		Formula:   "students supported ÷ practice educators active this year",
		Numerator: []string{FigPEStudents}, Denominator: []string{FigPEActive}, Scale: 1},
	kind.Metric{ID: "placement_pass_rate", Label: "Placement pass rate", Unit: "%", HigherIsBetter: true,
		Formula:   "placements passed ÷ placements ended (passed, failed or withdrawn) × 100",
		Numerator: []string{FigPassed}, Denominator: []string{FigEnded}, Scale: 100},
	kind.Metric{ID: "placement_withdrawal_rate", Label: "Placement withdrawal rate", Unit: "%", HigherIsBetter: false,
		Formula:   "placements withdrawn ÷ placements ended (passed, failed or withdrawn) × 100",
		Numerator: []string{FigWithdrawn}, Denominator: []string{FigEnded}, Scale: 100},
)

// ReportingYearOf gives the reporting year an academic year YYYY/YY belongs to: the year of the
// 30 September snapshot after it (2024/25 → 2025). Anything else is its own.
func ReportingYearOf(p string) string {
	if len(p) != 7 || p[4] != '/' {
		return p
	}
	y, err := strconv.Atoi(p[:4])
	if err != nil {
		return p
	}
	return strconv.Itoa(y + 1)
}

// AcademicYearOf is ReportingYearOf's inverse for a reporting year: 2025 → 2024/25; "" for a
// quarter. Unlike period.Parse it takes any year, so that the two are inverses whatever the year.
func AcademicYearOf(p string) string {
	if len(p) != 4 {
		return ""
	}
	y, err := strconv.Atoi(p)
	if err != nil {
		return ""
	}
	return period.AcademicYearLabel(y - 1)
}

// The figures summed per organisation for one period from the stored rows (the latest version of
// each, read with FINAL).
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
	// The figures of capacity and practice educators belong to the organisation whose rows they
	// are: each query reads every organisation's, and its "Of" twin only the organisations bound
	// first (kind.OfOrgs).
	selectCapacityFigures   = `SELECT ` + capacityFrom + capacityWhere
	selectCapacityFiguresOf = `SELECT ` + capacityFrom + kind.OfOrgs + capacityWhere
	selectEducatorFigures   = `SELECT ` + educatorsFrom + educatorsWhere
	selectEducatorFiguresOf = `SELECT ` + educatorsFrom + kind.OfOrgs + educatorsWhere

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

	// The periods with stored rows, as the rows name them.
	selectPlacementYears  = `SELECT DISTINCT academic_year FROM placements`
	selectCapacityYears   = `SELECT DISTINCT academic_year FROM placement_capacity`
	selectEducatorPeriods = `SELECT DISTINCT period FROM practice_educators`

	// The academic years a submission may have moved placements out of: those of the other
	// reports (earlier ones, the history keeps each) of the placements it stored, but the years
	// given (its own). First whether the university has any such report at all (its first load has
	// none), then which: the other reports on the joined side (ClickHouse holds it in memory),
	// the submission's placements streamed. Key columns only in PREWHERE.
	countOtherReports = `SELECT count() FROM placement_history
		PREWHERE org_code = ?
		WHERE submission_id != ? AND NOT has(CAST(? AS Array(String)), academic_year)`
	selectMovedFrom = `SELECT DISTINCT academic_year FROM
		(SELECT student_ref, cohort, stage FROM placement_history PREWHERE org_code = ? WHERE submission_id = ?) AS stored
		ANY INNER JOIN
		(SELECT student_ref, cohort, stage, academic_year FROM placement_history
			PREWHERE org_code = ? WHERE submission_id != ? AND NOT has(CAST(? AS Array(String)), academic_year)) AS other
		USING (student_ref, cohort, stage)`
)

// movedFrom lists the academic years but except that a university's submission may have moved
// placements out of (kind.Benchmarks.MovedFrom).
func movedFrom(ctx context.Context, conn driver.Conn, org, submission string, except []string) ([]string, error) {
	var n uint64
	if err := conn.QueryRow(ctx, countOtherReports, org, submission, except).Scan(&n); err != nil {
		return nil, fmt.Errorf("count other placement reports: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	return chstore.Strings(ctx, conn, "academic years moved from", selectMovedFrom, org, submission, org, submission, except)
}

func placementFigures(ctx context.Context, conn driver.Conn, p string, _ map[string]reference.Organisation, _ []string) ([]kind.Figures, error) {
	ay := AcademicYearOf(p)
	if ay == "" {
		return nil, nil
	}
	g := kind.Gather{}
	err := chstore.Scan(ctx, conn, "placements", selectPlacementFigures, []any{ay}, func(scan func(...any) error) error {
		var (
			org                                  string
			final, statutory, finalPassed        uint64
			ended, passed, withdrawn             uint64
			planned, completed, completedUnknown uint64
		)
		if err := scan(&org, &final, &statutory, &finalPassed, &ended, &passed, &withdrawn, &planned, &completed, &completedUnknown); err != nil {
			return err
		}
		g.Add(org, FigFinalPlacements, kind.Known(final))
		g.Add(org, FigFinalPassed, kind.Known(finalPassed))
		g.Add(org, FigFinalStatutory, kind.Known(statutory))
		g.Add(org, FigEnded, kind.Known(ended))
		g.Add(org, FigPassed, kind.Known(passed))
		g.Add(org, FigWithdrawn, kind.Known(withdrawn))
		g.Add(org, FigPlannedDaysEnded, kind.Known(planned))
		if completedUnknown > 0 {
			g.Add(org, FigCompletedDaysEnded, measure.Unknown(measure.NotReported))
		} else {
			g.Add(org, FigCompletedDaysEnded, kind.Known(completed))
		}
		return nil
	})
	return g.List(), err
}

// capacityFigures: a university requests places; any other organisation confirms them. A figure
// not reported for one of its rows leaves the organisation's unknown.
func capacityFigures(ctx context.Context, conn driver.Conn, p string, orgs map[string]reference.Organisation, only []string) ([]kind.Figures, error) {
	ay := AcademicYearOf(p)
	if ay == "" {
		return nil, nil
	}
	g := kind.Gather{}
	q, args := kind.Pick(selectCapacityFigures, selectCapacityFiguresOf, ay, only)
	err := chstore.Scan(ctx, conn, "placement capacity", q, args, func(scan func(...any) error) error {
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
			g.Add(org, name, measure.Unknown(measure.NotReported))
		} else {
			g.Add(org, name, kind.Known(total))
		}
		return nil
	})
	return g.List(), err
}

func educatorFigures(ctx context.Context, conn driver.Conn, p string, _ map[string]reference.Organisation, only []string) ([]kind.Figures, error) {
	g := kind.Gather{}
	q, args := kind.Pick(selectEducatorFigures, selectEducatorFiguresOf, p, only)
	err := chstore.Scan(ctx, conn, "practice educators", q, args, func(scan func(...any) error) error {
		var (
			org                              string
			stage1, stage2, active, students *uint32
		)
		if err := scan(&org, &stage1, &stage2, &active, &students); err != nil {
			return err
		}
		for name, v := range map[string]*uint32{FigPEStage1: stage1, FigPEStage2: stage2, FigPEActive: active, FigPEStudents: students} {
			if v == nil {
				g.Add(org, name, measure.Unknown(measure.NotReported))
			} else {
				g.Add(org, name, kind.Known(uint64(*v)))
			}
		}
		return nil
	})
	return g.List(), err
}
