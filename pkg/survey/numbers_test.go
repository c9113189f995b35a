package survey_test

import (
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/survey"
)

// Survey counts are read with the hub's one number grammar: a count is taken only as the number
// written, and one too large for its UInt32 column is refused rather than wrapped round.
func TestCountsKeepTheNumberWritten(t *testing.T) {
	tests := []struct {
		agree string
		want  int
		why   string // a part of the reason when refused
	}{
		{"4", 4, ""},
		{"1,234", 1234, ""},
		{"12,34", 0, `"12,34" has a comma`},
		{"+4", 0, `"+4" has a plus sign`},
		{"4e0", 0, `"4e0" is written with an exponent`},
		{"4.5", 0, `"4.5" is not a whole number`},
		{"4294967300", 0, `"4294967300" is more than 4294967295`},
	}
	for _, tt := range tests {
		t.Run(tt.agree, func(t *testing.T) {
			d, err := survey.Kind.ReadAll(kind.Body{CSV: true, R: strings.NewReader("org,year,question,group,strongly_disagree,disagree,neutral,agree,strongly_agree,n\n" +
				"E06000001,2026,Q2.1,manager,0,0,0,\"" + tt.agree + "\",0,\"" + tt.agree + "\"\n")})
			if err != nil {
				t.Fatal(err)
			}
			errs := d.Rejected
			if tt.why == "" {
				if len(errs) != 0 || len(d.Rows) != 1 || d.Rows[0].Value.Agree != tt.want || d.Rows[0].Value.N != tt.want {
					t.Fatalf("agree %q read as %+v, %v; want %d", tt.agree, d.Rows, errs, tt.want)
				}
				return
			}
			if len(errs) != 2 || errs[0].Field != "agree" || errs[0].Row != 2 || !strings.Contains(errs[0].Reason, tt.why) {
				t.Fatalf("agree %q: errors = %+v; want agree and n refused: %s", tt.agree, errs, tt.why)
			}
		})
	}
}
