package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A number in a query string is read with the hub's one number grammar: the what-ifs of the
// projections took 0x1p4 as 16 and 1e1 as 10, and NaN or Inf failed the answer with a 500.
func TestQueryNumbersKeepTheGrammar(t *testing.T) {
	e := projectionEnv(t)
	for _, tt := range []struct {
		query string
		code  int
	}{
		{"extra_starters=16", http.StatusOK},
		{"extra_starters=1.5", http.StatusOK},
		{"extra_starters=0x1p4", http.StatusUnprocessableEntity},
		{"extra_starters=1e1", http.StatusUnprocessableEntity},
		{"extra_starters=%2B16", http.StatusUnprocessableEntity},
		{"target_caseload=NaN", http.StatusUnprocessableEntity},
		{"target_caseload=Inf", http.StatusUnprocessableEntity},
		{"years=%2B2", http.StatusUnprocessableEntity},
	} {
		t.Run(tt.query, func(t *testing.T) {
			code, _, body := e.projections("demo-analyst", "org=E06000001&demand=flat&"+tt.query)
			if code != tt.code {
				t.Fatalf("%s: %d %s, want %d", tt.query, code, body, tt.code)
			}
			if name, _, _ := strings.Cut(tt.query, "="); code != http.StatusOK && !strings.Contains(body, "query."+name) {
				t.Errorf("refusal %s does not name query.%s", body, name)
			}
		})
	}
}
