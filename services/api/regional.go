package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// regionalGet describes a GET of regional figures.
func regionalGet(id, path, summary, description string, tags ...string) huma.Operation {
	return huma.Operation{OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Description: description,
		Tags: tags, Security: secured, Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}
}
