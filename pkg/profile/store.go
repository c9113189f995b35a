package profile

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
)

// StoredLevelProfile is a profile row as it is kept: with the submission it came in.
type StoredLevelProfile struct {
	Row int `json:"row"`
	LevelProfile
	kind.Received
}

// countColumns are the count columns, in the order of LevelProfile.Counts (TestColumns checks it).
const countColumns = `ethnicity_asian, ethnicity_black, ethnicity_mixed, ethnicity_white, ethnicity_other, ethnicity_not_known,
		sex_female, sex_male, sex_not_known,
		age_under_30, age_30_to_39, age_40_to_49, age_50_to_59, age_60_and_over, age_not_known,
		disability_yes, disability_no, disability_not_known`

const (
	insertProfiles = `INSERT INTO workforce_profile (org_code, year, level, headcount, ` + countColumns + `,
		submission_id, row_number, submitted_by, received_at, version)`

	// An employer's rows, of one reporting year or ('') all, the latest version of each.
	selectProfiles = `SELECT org_code, year, toString(level), headcount, ` + countColumns + `,
		submission_id, row_number, submitted_by, received_at
		FROM workforce_profile FINAL
		WHERE org_code = ? AND (? = '' OR toString(year) = ?)
		ORDER BY year, level`

	// Every employer's rows of one reporting year, for the benchmarks; the "Of" twin reads only
	// the organisations bound first, through the primary key (kind.OfOrgs).
	selectProfileFigures   = `SELECT org_code, toString(level), headcount, ` + countColumns + ` FROM workforce_profile FINAL` + figuresWhere
	selectProfileFiguresOf = `SELECT org_code, toString(level), headcount, ` + countColumns + ` FROM workforce_profile FINAL` + kind.OfOrgs + figuresWhere
	figuresWhere           = `
		WHERE year = ?`

	selectProfileYears = `SELECT DISTINCT toString(year) FROM workforce_profile`
)

// cells is how many count columns a row has.
func cells() int {
	n := 0
	for _, d := range Dimensions {
		n += len(d.Groups)
	}
	return n
}

// Insert writes profile rows in one batch, keyed by employer, year and level and versioned by
// the time the submission was received: a newer row replaces an older one, and a redelivered
// chunk replaces itself.
func Insert(ctx context.Context, conn driver.Conn, rows []kind.Stored[LevelProfile]) error {
	batch := make([][]any, len(rows))
	for i, r := range rows {
		vals := make([]any, 0, 9+cells())
		vals = append(vals, r.Value.Org, uint16(r.Value.Year), r.Value.Level, uint32(r.Value.Headcount))
		for _, dim := range r.Value.Counts() {
			for _, c := range dim {
				var v *uint32
				if *c != nil {
					n := uint32(**c)
					v = &n
				}
				vals = append(vals, v)
			}
		}
		batch[i] = append(vals, r.SubmissionID, uint32(r.Num), r.SubmittedBy, r.Second(), r.Version())
	}
	if err := chstore.InsertRows(ctx, conn, insertProfiles, batch); err != nil {
		return fmt.Errorf("insert workforce profile: %w", err)
	}
	return nil
}

// scanCounts reads the count columns of a row into p: dest are the scan targets it fills.
type scanCounts struct {
	raw  []*uint32
	dest []any
}

func newScanCounts() *scanCounts {
	s := &scanCounts{raw: make([]*uint32, cells())}
	for i := range s.raw {
		s.dest = append(s.dest, &s.raw[i])
	}
	return s
}

// into sets p's counts from the row scanned.
func (s *scanCounts) into(p *LevelProfile) {
	i := 0
	for _, dim := range p.Counts() {
		for _, c := range dim {
			*c = nil
			if v := s.raw[i]; v != nil {
				n := int(*v)
				*c = &n
			}
			i++
		}
	}
}

// List reads an employer's stored rows, of one reporting year or ("") all.
func List(ctx context.Context, conn driver.Conn, org, year string) ([]StoredLevelProfile, error) {
	var out []StoredLevelProfile
	sc := newScanCounts()
	err := chstore.Scan(ctx, conn, "workforce profile", selectProfiles, []any{org, year, year}, func(scan func(...any) error) error {
		var (
			r              StoredLevelProfile
			year           uint16
			headcount, row uint32
		)
		dest := append([]any{&r.Org, &year, &r.Level, &headcount}, sc.dest...)
		if err := scan(append(dest, &r.SubmissionID, &row, &r.SubmittedBy, &r.ReceivedAt)...); err != nil {
			return err
		}
		sc.into(&r.LevelProfile)
		r.Year, r.Headcount, r.Row = int(year), int(headcount), int(row)
		out = append(out, r)
		return nil
	})
	return out, err
}

// rows reads every employer's rows of one reporting year (only not nil: those employers' only).
func rows(ctx context.Context, conn driver.Conn, year uint16, only []string) ([]LevelProfile, error) {
	q, args := kind.Pick(selectProfileFigures, selectProfileFiguresOf, year, only)
	var out []LevelProfile
	sc := newScanCounts()
	err := chstore.Scan(ctx, conn, "workforce profile", q, args, func(scan func(...any) error) error {
		var (
			p         LevelProfile
			headcount uint32
		)
		if err := scan(append([]any{&p.Org, &p.Level, &headcount}, sc.dest...)...); err != nil {
			return err
		}
		sc.into(&p)
		p.Headcount = int(headcount)
		out = append(out, p)
		return nil
	})
	return out, err
}
