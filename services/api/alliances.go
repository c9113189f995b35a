package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/authz"
)

type allianceInput struct {
	ID string `path:"id" maxLength:"40" doc:"Alliance id"`
}

type putAllianceInput struct {
	ID   string `path:"id" maxLength:"40" doc:"Alliance id: lower-case letters, digits and dashes"`
	Body struct {
		Name    string   `json:"name" minLength:"1" maxLength:"200" doc:"Name"`
		Members []string `json:"members" minItems:"1" maxItems:"500" doc:"Organisation codes; each must be known to the hub"`
	}
}

type allianceOutput struct{ Body alliance.Alliance }

type alliancesInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100" doc:"At most this many alliances a page (at most 500), by id"`
	Cursor string `query:"cursor" maxLength:"500" pattern:"^[A-Za-z0-9_-]*$" doc:"Where the page starts: the next_cursor of the previous page; empty for the first page"`
}

type alliancesOutput struct {
	Link string `header:"Link" doc:"The next page, rel=\"next\", when there is one"`
	Body struct {
		Alliances  []alliance.Alliance `json:"alliances"`
		NextCursor string              `json:"next_cursor,omitempty" doc:"Give it as cursor= for the next page; absent on the last page"`
	}
}

func registerAlliances(api huma.API, d *Deps) {
	huma.Register(api, huma.Operation{
		OperationID: "list-alliances",
		Method:      http.MethodGet,
		Path:        "/v1/alliances",
		Summary:     "List alliances",
		Description: "Stewards see every alliance; analysts the alliances in their token; everyone else the alliances their organisation belongs to. " +
			"A page at a time, by id: `limit=` alliances a page (100 by default, at most 500); `next_cursor` (and the `Link` header, rel=\"next\") gives the next page.",
		Tags:     []string{"Access"},
		Security: secured,
	}, func(ctx context.Context, in *alliancesInput) (*alliancesOutput, error) {
		rd, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		var after string
		if in.Cursor != "" {
			if err := decodeCursor(in.Cursor, &after); err != nil {
				return nil, err
			}
		}
		all, err := d.Alliances.List(ctx)
		if err != nil {
			return nil, errInternal(d.Log, "could not read alliances", err)
		}
		out := &alliancesOutput{}
		out.Body.Alliances = []alliance.Alliance{}
		// By id, in a copy: the list may be the cache's own.
		for _, a := range slices.SortedFunc(slices.Values(all), func(a, b alliance.Alliance) int { return strings.Compare(a.ID, b.ID) }) {
			if a.ID <= after || !rd.SeesAlliance(a.ID) {
				continue
			}
			if len(out.Body.Alliances) == in.Limit {
				last := out.Body.Alliances[in.Limit-1].ID
				out.Body.NextCursor = encodeCursor(last)
				out.Link = nextLink("/v1/alliances", url.Values{"limit": {strconv.Itoa(in.Limit)}}, out.Body.NextCursor)
				break
			}
			out.Body.Alliances = append(out.Body.Alliances, a)
		}
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-alliance",
		Method:      http.MethodGet,
		Path:        "/v1/alliances/{id}",
		Summary:     "Read an alliance",
		Tags:        []string{"Access"},
		Security:    secured,
	}, func(ctx context.Context, in *allianceInput) (*allianceOutput, error) {
		rd, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		a, err := d.Alliances.Get(ctx, in.ID)
		// An alliance the caller may not see is answered as one that does not exist.
		if errors.Is(err, alliance.ErrNotFound) || (err == nil && !rd.SeesAlliance(a.ID)) {
			return nil, huma.Error404NotFound("no such alliance")
		}
		if err != nil {
			return nil, errInternal(d.Log, "could not read the alliance", err)
		}
		return &allianceOutput{Body: a}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID:  "put-alliance",
		Method:       http.MethodPut,
		Path:         "/v1/alliances/{id}",
		Summary:      "Create or replace an alliance",
		Description:  "Stewards only. Analysts whose token names the alliance id see its members' figures by name.",
		Tags:         []string{"Access"},
		Security:     secured,
		MaxBodyBytes: 64 << 10,
	}, func(ctx context.Context, in *putAllianceInput) (*allianceOutput, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.MayManageAlliances(p); err != nil {
			return nil, refusal(err)
		}
		a := alliance.Alliance{ID: in.ID, Name: in.Body.Name, Members: in.Body.Members, UpdatedAt: d.Now().UTC(), UpdatedBy: p.Subject}
		switch err := d.Alliances.Put(ctx, a); {
		case errors.Is(err, alliance.ErrInvalidID), errors.Is(err, alliance.ErrUnknownMember), errors.Is(err, alliance.ErrInvalidName):
			return nil, huma.Error422UnprocessableEntity(err.Error())
		case err != nil:
			return nil, errInternal(d.Log, "could not store the alliance", err)
		}
		announceAlliance(ctx, d, a.ID)
		d.Log.Info("alliance changed", "alliance", a.ID, "steward", p.Subject, "members", len(a.Members))
		return &allianceOutput{Body: a}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID:   "delete-alliance",
		Method:        http.MethodDelete,
		Path:          "/v1/alliances/{id}",
		Summary:       "Delete an alliance",
		Description:   "Stewards only.",
		Tags:          []string{"Access"},
		Security:      secured,
		DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *allianceInput) (*struct{}, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.MayManageAlliances(p); err != nil {
			return nil, refusal(err)
		}
		switch err := d.Alliances.Delete(ctx, in.ID, p.Subject); {
		case errors.Is(err, alliance.ErrNotFound):
			return nil, huma.Error404NotFound("no such alliance")
		case err != nil:
			return nil, errInternal(d.Log, "could not delete the alliance", err)
		}
		announceAlliance(ctx, d, in.ID)
		d.Log.Info("alliance deleted", "alliance", in.ID, "steward", p.Subject)
		return nil, nil
	})
}

// announceAlliance tells the benchmark service (the alliance is a benchmark area) and the other
// APIs' caches that an alliance changed. A lost announcement leaves the alliance's benchmarks
// as they were until the next recomputation, and the other APIs' lists for their cache's time
// to live: it is logged, and the change itself stands.
func announceAlliance(ctx context.Context, d *Deps, id string) {
	if d.JS == nil {
		return
	}
	if err := alliance.Announce(ctx, d.JS, id); err != nil {
		d.Log.Error("could not announce an alliance change", "alliance", id, "err", err)
	}
}
