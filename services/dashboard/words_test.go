package dashboard

import (
	"strings"
	"testing"
)

// TestLocalPath keeps the sign-in's return address on the dashboard: an address elsewhere
// would make the sign-in an open redirect.
func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "/",
		"/standards/2?org=E06000001":       "/standards/2?org=E06000001",
		"https://evil.example/":            "/",
		"//evil.example/path":              "/",
		`/\evil.example`:                   "/",
		"javascript:alert(1)":              "/",
		"indicators/vacancy_rate":          "/",
		"/indicators/vacancy_rate#compare": "/indicators/vacancy_rate",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMissingWords: a figure that is not shown always says why, in words.
func TestMissingWords(t *testing.T) {
	for _, c := range []struct{ reason, withheld, want string }{
		{"", "fewer_than_threshold", "fewer than 10 responses"},
		{"", "secondary", "withheld so that a withheld figure cannot be worked out"},
		{"vacancy_fte unknown (x)", "", "vacancy fte not available (DfE symbol x)"},
		{"agency_fte unknown (c)", "", "confidential"},
		{"leavers_fte unknown (not reported)", "", "leavers fte not reported"},
		{"zero denominator", "", "nothing to divide by"},
		{"only areas have a value: the organisation adds what it reports to their sums", "", "an area figure only"},
		{"", "", "not reported"},
	} {
		if got := missingWords(c.reason, c.withheld); !strings.Contains(got, c.want) || got == "" {
			t.Errorf("missingWords(%q, %q) = %q, want it to say %q", c.reason, c.withheld, got, c.want)
		}
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 112: "112th"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestCellSafe: a CSV cell that a spreadsheet would run as a formula is quoted; numbers,
// negative ones too, are left as they are.
func TestCellSafe(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1+1": "'+1+1", "@SUM(A1)": "'@SUM(A1)",
		"-3.5": "-3.5", "-2+3": "'-2+3", "12.5": "12.5", "Hartlepool": "Hartlepool"} {
		if got := cellSafe(in); got != want {
			t.Errorf("cellSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
