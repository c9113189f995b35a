package api

import (
	"encoding/base64"
	"encoding/json"
	"net/url"

	"github.com/danielgtaylor/huma/v2"
)

// Lists are read a page at a time: ?limit= says how many items a page holds and ?cursor= where
// it starts. An answer with more to read has next_cursor, and a Link header (rel="next") with
// the URL of the next page; the last page has neither. A cursor is opaque to clients: the
// position of the previous page's last item, encoded.

// encodeCursor writes a position as a cursor.
func encodeCursor(position any) string {
	b, _ := json.Marshal(position)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor into position; a cursor the hub did not write is a 422.
func decodeCursor(cursor string, position any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, position)
	}
	if err != nil {
		return huma.Error422UnprocessableEntity("cursor is not one the hub gave: start again without it", &huma.ErrorDetail{Location: "query.cursor", Value: cursor})
	}
	return nil
}

// nextLink is the Link header to the next page: path with the query of this one (empty values
// left out) and the next cursor.
func nextLink(path string, query url.Values, cursor string) string {
	q := url.Values{}
	for k, vs := range query {
		if len(vs) > 0 && vs[0] != "" {
			q.Set(k, vs[0])
		}
	}
	q.Set("cursor", cursor)
	return "<" + path + "?" + q.Encode() + `>; rel="next"`
}
