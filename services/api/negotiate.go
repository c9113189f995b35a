package api

import (
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Media types the hub answers in.
const (
	mediaJSON = "application/json"
	mediaCSV  = "text/csv"
)

// negotiate chooses the media type of an answer among offers (the first being the default)
// by the Accept header, as RFC 9110 §12.5.1 says: each offer takes the quality of the most
// specific range that matches it (text/csv before text/* before */*), q=0 means "not this",
// the highest quality wins and a tie goes to the earlier offer. An empty Accept takes the
// first offer; an Accept that none of the offers meets is answered 406 with the offers named.
//
// huma's negotiation package picks among exact names only (no wildcards, and q=0 can still
// win), so the hub does it here, for every operation that has more than one format.
func negotiate(accept string, offers ...string) (string, error) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], nil
	}
	type acceptRange struct {
		typ, sub string
		q        float64
	}
	var ranges []acceptRange
	for part := range strings.SplitSeq(accept, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue // a malformed range accepts nothing
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		ranges = append(ranges, acceptRange{typ, sub, q})
	}
	best, bestQ := "", 0.0
	for _, offer := range offers {
		typ, sub, _ := strings.Cut(offer, "/")
		q, specificity := 0.0, -1
		for _, r := range ranges {
			s := -1
			switch {
			case r.typ == typ && r.sub == sub:
				s = 2
			case r.typ == typ && r.sub == "*":
				s = 1
			case r.typ == "*" && r.sub == "*":
				s = 0
			}
			if s > specificity {
				q, specificity = r.q, s
			}
		}
		if q > bestQ {
			best, bestQ = offer, q
		}
	}
	if best == "" {
		return "", huma.Error406NotAcceptable(fmt.Sprintf("this answer comes as %s; the Accept header takes none of them", strings.Join(offers, " or ")))
	}
	return best, nil
}
