package api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

func TestNegotiate(t *testing.T) {
	for _, tt := range []struct {
		accept string
		want   string // "" for 406
	}{
		{"", mediaJSON},
		{"application/json", mediaJSON},
		{"text/csv", mediaCSV},
		{"text/csv;q=0.5, application/json", mediaJSON},
		{"application/json;q=0.4, text/csv;q=0.5", mediaCSV},
		{"text/csv; q=0.9, */*; q=0.1", mediaCSV},
		{"*/*", mediaJSON},
		{"text/*", mediaCSV},
		{"text/*;q=0.3, application/*;q=0.2", mediaCSV},
		{"TEXT/CSV", mediaCSV},
		{"text/csv;charset=utf-8", mediaCSV},
		{"*/*;q=0.8, application/json;q=0", mediaCSV},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", mediaJSON},
		{"application/json;q=0, text/csv;q=0", ""},
		{"text/html", ""},
		{"nonsense;;;", ""},
	} {
		got, err := negotiate(tt.accept, mediaJSON, mediaCSV)
		var se huma.StatusError
		switch {
		case tt.want == "" && (!errors.As(err, &se) || se.GetStatus() != http.StatusNotAcceptable):
			t.Errorf("Accept %q: %q, %v; want 406", tt.accept, got, err)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("Accept %q: %q, %v; want %s", tt.accept, got, err, tt.want)
		}
	}
}
