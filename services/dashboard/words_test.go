package dashboard

import (
	"net/http/httptest"
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

// TestCSVCellsAreSafe: the dashboard's CSV downloads go through the hub's formula guard (package
// sheet): a text cell a spreadsheet would run as a formula is quoted, the header too; numbers the
// hub writes, negative ones too, are left as they are; a sign before what is not such a number
// (+Inf, -0x1p4) is quoted.
func TestCSVCellsAreSafe(t *testing.T) {
	tbl := &Table{ID: "t", Head: []Head{{Text: "=org"}, {Text: "value"}}}
	for _, v := range []string{"=HYPERLINK(\"x\")", "+1+1", "@SUM(A1)", "-3.5", "-2+3", "12.5", "Hartlepool", "+Inf", "-0x1p4"} {
		tbl.Rows = append(tbl.Rows, []Cell{{Text: v}, {Text: v}})
	}
	rec := httptest.NewRecorder()
	writeCSV(rec, tbl)
	want := "'=org,value\r\n\"'=HYPERLINK(\"\"x\"\")\",\"'=HYPERLINK(\"\"x\"\")\"\r\n'+1+1,'+1+1\r\n'@SUM(A1),'@SUM(A1)\r\n-3.5,-3.5\r\n" +
		"'-2+3,'-2+3\r\n12.5,12.5\r\nHartlepool,Hartlepool\r\n'+Inf,'+Inf\r\n'-0x1p4,'-0x1p4\r\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("CSV:\n%q\nwant\n%q", got, want)
	}
}

// TestAssumption: the projection form reads its what-ifs with the hub's number grammar, as the
// API does, and says what is wrong in the grammar's words.
func TestAssumption(t *testing.T) {
	leaver, caseload := projectionFields[0], projectionFields[3]
	for _, c := range []struct {
		fd            projectionField
		typed, param  string
		problemPrefix string
	}{
		{caseload, "16", "16", ""},
		{caseload, " 1,234.5 ", "1234.5", ""},
		{leaver, "-2", "-2", ""},
		{leaver, "-2.50", "-2.5", ""},
		{caseload, "many", "", "Target caseload is not a number"},
		{caseload, "1e3", "", "Target caseload is written with an exponent"},
		{leaver, "+5", "", "Change in the leaver rate has a plus sign"},
		{caseload, "0x10", "", "Target caseload is not a number"},
		{caseload, "NaN", "", "Target caseload is not a number"},
		{caseload, "Inf", "", "Target caseload is not a number"},
		{caseload, "12,5", "", "Target caseload has a comma that does not group thousands"},
		{caseload, "-3", "", "Target caseload must be zero or more"},
		{leaver, "-101", "", "Change in the leaver rate must be between -100 and 100 points"},
	} {
		param, problem := assumption(c.fd, c.typed)
		if param != c.param || !strings.HasPrefix(problem, c.problemPrefix) || (c.problemPrefix == "") != (problem == "") {
			t.Errorf("%s %q: %q, %q; want %q, %q…", c.fd.Name, c.typed, param, problem, c.param, c.problemPrefix)
		}
	}
}

// TestWholeFileError words the API's reasons for refusing a file whole by row and column.
func TestWholeFileError(t *testing.T) {
	for _, c := range []struct{ loc, msg, want string }{
		{"row 1 colour", `unknown column 4 "colour"`, `Row 1, colour: unknown column 4 "colour"`},
		{"row 7", "has 3 cells, the header 8", "Row 7: has 3 cells, the header 8"},
		{"body", "is empty", "Is empty"},
		{"body org", "names another organisation", "org: names another organisation"},
		{"", "", ""},
	} {
		if got := wholeFileError(c.loc, c.msg); got != c.want {
			t.Errorf("%q %q: %q, want %q", c.loc, c.msg, got, c.want)
		}
	}
}

func TestSourceHeading(t *testing.T) {
	for source, want := range map[string]string{"workforce_profile": "Workforce profile: representation by level", "survey": "Health check",
		"caseload_review": "Caseload review", "": "Other metrics"} {
		if got := sourceHeading(source); got != want {
			t.Errorf("sourceHeading(%q) = %q, want %q", source, got, want)
		}
	}
}
