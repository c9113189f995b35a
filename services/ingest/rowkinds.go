package ingest

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// checkOrg refuses a row for an organisation the submitter may not report for (again, behind the
// API's own check) or that the hub does not know. mayAnyOrg lists the roles, besides steward,
// that may report for any organisation.
func checkOrg(ctx context.Context, dir *reference.Directory, env submission.Envelope, org string, mayAnyOrg ...string) ([]submission.RowError, error) {
	anyOrg := env.Steward || slices.ContainsFunc(mayAnyOrg, func(r string) bool { return slices.Contains(env.Roles, r) })
	if !anyOrg && org != env.Org {
		return []submission.RowError{{Field: "org", Reason: fmt.Sprintf("you may only report for %s", env.Org)}}, nil
	}
	if _, ok, err := dir.Lookup(ctx, org); err != nil {
		return nil, err
	} else if !ok {
		return []submission.RowError{{Field: "org", Reason: fmt.Sprintf("unknown organisation %q", org)}}, nil
	}
	return nil, nil
}

// rowsOf gathers the rows of several checked chunks of one kind.
func rowsOf[T any](chunks []Checked) []T {
	n := 0
	for _, c := range chunks {
		n += c.Count
	}
	all := make([]T, 0, n)
	for _, c := range chunks {
		all = append(all, c.Rows.([]T)...)
	}
	return all
}

// sortTouched puts each organisation's touched periods in order.
func sortTouched(touched map[string][]string) {
	for org, p := range touched {
		sort.Strings(p)
		touched[org] = slices.Compact(p)
	}
}

// outcome is what checking one row found: the row to store, for which organisation and period,
// with its warnings, or why it is refused.
type outcome[S any] struct {
	row         int
	stored      S
	org, period string
	errs, warns []submission.RowError
}

// gather turns the outcomes of a chunk's rows into a Checked.
func gather[S any](outcomes []outcome[S]) Checked {
	var (
		stored  = make([]S, 0, len(outcomes))
		res     submission.ChunkResult
		touched = map[string][]string{}
	)
	for _, o := range outcomes {
		if len(o.errs) > 0 {
			res.Rejected = append(res.Rejected, withRow(o.row, o.errs)...)
			continue
		}
		res.Warnings = append(res.Warnings, withRow(o.row, o.warns)...)
		stored = append(stored, o.stored)
		touched[o.org] = append(touched[o.org], o.period)
	}
	sortTouched(touched)
	res.Accepted = len(stored)
	return Checked{Rows: stored, Count: len(stored), Result: res, Touched: touched}
}
