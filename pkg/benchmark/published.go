package benchmark

import (
	"context"

	"github.com/partnership-hub/hub/pkg/reference"
)

// Published is one figure of a period's benchmarks as a reader may see it: an area's or an
// organisation's value for a metric, or why it is not shown.
type Published struct {
	Metric string
	Code   string   // the area or the organisation
	Value  *float64 // nil when unknown, area-only or withheld
	// Reason says why an organisation's value is unknown; Withheld why a disclosure-controlled
	// figure is withheld from the reader.
	Reason, Withheld string
}

// Published reads a period's figures of metrics as rd may see them: those of the areas among
// areas that rd may see, and those of every organisation rd may see by name, disclosure
// controlled for rd exactly as the standards' benchmarks are.
func (rv *ReaderView) Published(ctx context.Context, rd Reader, metrics []Metric, period string, areas []string) (inAreas, ofOrgs []Published, err error) {
	snap, err := rv.cache.Period(ctx, period)
	if err != nil {
		return nil, nil, err
	}
	rows, members := snap.Areas(areas), snap.Members(reference.England)
	views := readerViews(rd, metrics, snap, members)
	byID := map[string]Metric{}
	for _, m := range metrics {
		byID[m.ID] = m
	}
	for _, a := range rows {
		m, ok := byID[a.Metric]
		if !ok || !rd.SeesArea(a.Region) {
			continue
		}
		value, withheld, _ := publishArea(m, a, views[m.ID])
		inAreas = append(inAreas, Published{Metric: m.ID, Code: a.Region, Value: value, Withheld: withheld})
	}
	for _, v := range members {
		m, ok := byID[v.Metric]
		if !ok || !rd.Named(v.Org) {
			continue
		}
		f := publishOrg(m, v, views[m.ID])
		ofOrgs = append(ofOrgs, Published{Metric: m.ID, Code: v.Org, Value: f.Value, Reason: f.Reason, Withheld: f.Withheld})
	}
	return inAreas, ofOrgs, nil
}
