package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// bodyTypes refuses, before its body is read, a request whose Content-Type is none of those its
// operation's request body lists (415, naming them), so that every operation with a body says
// what it takes, not huma's "unknown content type". A body sent without a Content-Type is read
// as the operation reads it: huma's as JSON (describeBodies then says so), a submission's by its
// first byte (bodyOf).
func bodyTypes(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		rb, ct := ctx.Operation().RequestBody, ctx.Header("Content-Type")
		if rb == nil || strings.TrimSpace(ct) == "" || takes(rb, ct) {
			next(ctx)
			return
		}
		_ = huma.WriteErr(api, ctx, http.StatusUnsupportedMediaType,
			fmt.Sprintf("Content-Type %q is not taken: send %s", ct, strings.Join(slices.Sorted(maps.Keys(rb.Content)), " or ")))
	}
}

// takes tells whether a request body takes content type ct: one it lists, or of the same family
// (application/csv for text/csv, any +json for application/json, as bodyOf reads them).
func takes(rb *huma.RequestBody, ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	for t := range rb.Content {
		if mt == t || (isJSON(t) && isJSON(mt)) || (isCSV(t) && isCSV(mt)) {
			return true
		}
	}
	return false
}

// jsonFormat reads JSON bodies as huma's does, with errors in words: where the body is not JSON
// (line, column and byte), and what a field should be, never a Go type.
var jsonFormat = huma.Format{Marshal: huma.DefaultJSONFormat.Marshal, Unmarshal: func(data []byte, v any) error {
	return jsonReason(data, json.Unmarshal(data, v))
}}

// jsonReason rewrites an error of decoding data in words.
func jsonReason(data []byte, err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se) && se.Offset >= int64(len(data)):
		return errors.New("the body ends before its JSON is complete")
	case errors.As(err, &se):
		before := data[:se.Offset]
		line := bytes.Count(before, []byte("\n")) + 1
		col := len(before) - bytes.LastIndexByte(before, '\n') - 1
		return fmt.Errorf("the body is not valid JSON at line %d, column %d (byte %d): %v", line, col, se.Offset, se)
	case errors.As(err, &te):
		where := "the body"
		if te.Field != "" {
			where = fmt.Sprintf("%q", te.Field)
		}
		return fmt.Errorf("%s should be %s, not a JSON %s (byte %d)", where, goShape(te.Type), te.Value, te.Offset)
	}
	return err
}

// goShape names the JSON a Go type is read from.
func goShape(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Pointer:
		return goShape(t.Elem())
	}
	return "an object"
}

// describeBodies adds, to huma's refusal of a body it could not read or validate ("validation
// failed"), what the operation takes in words, from its request body's schema; the body itself
// is not sent back.
func describeBodies(reg huma.Registry) huma.Transformer {
	return func(ctx huma.Context, _ string, v any) (any, error) {
		e, ok := v.(*huma.ErrorModel)
		rb := ctx.Operation().RequestBody
		if !ok || rb == nil || rb.Content[mediaJSON] == nil || e.Detail != "validation failed" {
			return v, nil
		}
		body := false
		for _, d := range e.Errors {
			if d.Location == "body" || strings.HasPrefix(d.Location, "body.") {
				body, d.Value = true, nil
			}
		}
		if !body {
			return v, nil
		}
		e.Detail = "the body is not what this operation takes: send " + shapeOf(reg, rb.Content[mediaJSON].Schema, 0) + " (application/json)"
		if strings.TrimSpace(ctx.Header("Content-Type")) == "" {
			e.Detail += "; no Content-Type was sent, so it was read as JSON"
		}
		return v, nil
	}
}

// shapeOf describes in words the JSON a schema takes, two levels deep.
func shapeOf(reg huma.Registry, s *huma.Schema, depth int) string {
	if s != nil && s.Ref != "" {
		s = reg.SchemaFromRef(s.Ref)
	}
	if s == nil {
		return "JSON"
	}
	switch s.Type {
	case huma.TypeObject:
		if depth > 1 || len(s.Properties) == 0 {
			return "an object"
		}
		var fields []string
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			f := fmt.Sprintf("%q (%s", name, shapeOf(reg, s.Properties[name], depth+1))
			if slices.Contains(s.Required, name) {
				f += ", required"
			}
			fields = append(fields, f+")")
		}
		return "a JSON object with " + strings.Join(fields, ", ")
	case huma.TypeArray:
		return "a list, each " + shapeOf(reg, s.Items, depth+1)
	case huma.TypeString:
		return "a string"
	case huma.TypeInteger:
		return "a whole number"
	case huma.TypeNumber:
		return "a number"
	case huma.TypeBoolean:
		return "true or false"
	}
	return "a value"
}
