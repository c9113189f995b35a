package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Placement checks and stores student placements.
type Placement struct {
	Placements *placement.Store
	Directory  *reference.Directory
	Now        func() time.Time
}

// Name implements Kind.
func (p *Placement) Name() string { return submission.KindPlacement }

// Check implements Kind: the rules of placement.Validate; the university must be known, be of
// type university and be the submitter's own organisation (unless a steward sends it); the host
// organisation must be known.
func (p *Placement) Check(ctx context.Context, env submission.Envelope) (Checked, error) {
	return checkRows(ctx, p.Directory, env, placement.Layout, func(rec rows.Record, org reference.Organisation) (placement.StoredPlacement, string, []submission.RowError, []submission.RowError, error) {
		r, errs := placement.FromRecord(rec)
		var warns []submission.RowError
		if len(errs) == 0 {
			errs, warns = placement.Validate(r.Placement, p.Now())
		}
		if len(errs) == 0 && org.Type != reference.TypeUniversity {
			errs = []submission.RowError{{Field: "org", Reason: fmt.Sprintf("%s is of type %s: placements are reported by universities", org.Code, org.Type)}}
		}
		if len(errs) == 0 {
			if _, ok, err := p.Directory.Lookup(ctx, r.HostOrg); err != nil {
				return placement.StoredPlacement{}, "", nil, nil, err
			} else if !ok {
				errs = []submission.RowError{{Field: "host_org", Reason: fmt.Sprintf("unknown organisation %q: the host must be known to the hub", r.HostOrg)}}
			}
		}
		return placement.StoredPlacement{Row: r, Received: received(env)}, r.AcademicYear, errs, warns, nil
	})
}

// Store implements Kind.
func (p *Placement) Store(ctx context.Context, chunks []Checked) error {
	return p.Placements.Insert(ctx, rowsOf[placement.StoredPlacement](chunks))
}

// PlacementCapacity checks and stores placement capacity.
type PlacementCapacity struct {
	Placements *placement.Store
	Directory  *reference.Directory
	Now        func() time.Time
}

// Name implements Kind.
func (p *PlacementCapacity) Name() string { return submission.KindPlacementCapacity }

// Check implements Kind: the rules of placement.ValidateCapacity, with the organisation's type
// (university or employer) from reference data; the organisation must be known and be the
// submitter's own (unless a steward sends it).
func (p *PlacementCapacity) Check(ctx context.Context, env submission.Envelope) (Checked, error) {
	return checkRows(ctx, p.Directory, env, placement.CapacityLayout, func(rec rows.Record, org reference.Organisation) (placement.StoredCapacity, string, []submission.RowError, []submission.RowError, error) {
		r, errs := placement.CapacityFromRecord(rec)
		if len(errs) == 0 {
			errs = placement.ValidateCapacity(r.Capacity, org.Type == reference.TypeUniversity, p.Now())
		}
		return placement.StoredCapacity{CapacityRow: r, Received: received(env)}, r.AcademicYear, errs, nil, nil
	})
}

// Store implements Kind.
func (p *PlacementCapacity) Store(ctx context.Context, chunks []Checked) error {
	return p.Placements.InsertCapacity(ctx, rowsOf[placement.StoredCapacity](chunks))
}

// PracticeEducators checks and stores practice educators.
type PracticeEducators struct {
	Placements *placement.Store
	Directory  *reference.Directory
	Now        func() time.Time
}

// Name implements Kind.
func (p *PracticeEducators) Name() string { return submission.KindPracticeEducators }

// Check implements Kind: the rules of placement.ValidateEducators; the employer must be known
// and be the submitter's own organisation (unless a steward sends it).
func (p *PracticeEducators) Check(ctx context.Context, env submission.Envelope) (Checked, error) {
	return checkRows(ctx, p.Directory, env, placement.EducatorsLayout, func(rec rows.Record, _ reference.Organisation) (placement.StoredEducators, string, []submission.RowError, []submission.RowError, error) {
		r, errs := placement.EducatorsFromRecord(rec)
		var warns []submission.RowError
		if len(errs) == 0 {
			errs, warns = placement.ValidateEducators(r.Educators, p.Now())
		}
		return placement.StoredEducators{EducatorsRow: r, Received: received(env)}, r.Period, errs, warns, nil
	})
}

// Store implements Kind.
func (p *PracticeEducators) Store(ctx context.Context, chunks []Checked) error {
	return p.Placements.InsertEducators(ctx, rowsOf[placement.StoredEducators](chunks))
}

// checkRows runs the rows of a chunk through check, once the reporting organisation (the org
// cell) is known to be one the submitter may report for; check returns the row to store, the
// period it touches, and its errors and warnings.
func checkRows[T any](ctx context.Context, dir *reference.Directory, env submission.Envelope, layout rows.Layout,
	check func(rows.Record, reference.Organisation) (T, string, []submission.RowError, []submission.RowError, error)) (Checked, error) {
	recs, err := layout.Decode(env.Rows)
	if err != nil {
		return Checked{}, fmt.Errorf("decode %s rows: %w", env.Kind, err)
	}
	outcomes := make([]outcome[T], len(recs))
	for i, rec := range recs {
		o := &outcomes[i]
		o.row, o.org = rec.Row, rec.Cells["org"]
		if o.org == "" {
			o.errs = []submission.RowError{{Field: "org", Reason: "organisation is missing"}}
		} else if o.errs, err = checkOrg(ctx, dir, env, o.org); err != nil {
			return Checked{}, err
		}
		if len(o.errs) == 0 {
			org, _, err := dir.Lookup(ctx, o.org)
			if err != nil {
				return Checked{}, err
			}
			if o.stored, o.period, o.errs, o.warns, err = check(rec, org); err != nil {
				return Checked{}, err
			}
		}
	}
	return gather(outcomes), nil
}

func received(env submission.Envelope) placement.Received {
	return placement.Received{SubmissionID: env.ID, SubmittedBy: env.Submitter, ReceivedAt: env.ReceivedAt}
}
