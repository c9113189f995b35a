package sheet_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/sheet"
)

func TestCell(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"Hartlepool", "Hartlepool"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+1", "'+1+1"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tnote", "'\tnote"},
		{"\rnote", "'\rnote"},
		{"- see the plan", "'- see the plan"},
		{"-", "'-"},
		{"-4", "-4"},
		{"-4.25", "-4.25"},
		{"12.5", "12.5"},
		{"0", "0"},
		{"-.5", "'-.5"},
		{"-4.", "'-4."},
		{"-1e5", "'-1e5"},
		{"-0x10", "'-0x10"},
		{"a=b", "a=b"},
		{" =1", " =1"},
	} {
		if got := sheet.Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// What Writer writes reads back as CSV with CRLF line ends, every risky text cell behind an
// apostrophe, numbers untouched, and the caller's record unchanged.
func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := sheet.NewWriter(&b)
	rec := []string{"E06000001", "=1+1", "-4", "line one\nline two", "@x"}
	orig := slices.Clone(rec)
	if err := w.Write([]string{"org", "evidence", "value", "note", "owner"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec, orig) {
		t.Errorf("the record passed was changed to %q", rec)
	}
	if !strings.HasSuffix(b.String(), "\r\n") || !strings.Contains(b.String(), "owner\r\n") {
		t.Errorf("lines do not end with CRLF: %q", b.String())
	}
	got, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"E06000001", "'=1+1", "-4", "line one\nline two", "'@x"}
	if len(got) != 2 || !slices.Equal(got[1], want) {
		t.Errorf("read back %q, want %q", got, want)
	}
}

// Whatever the text, the cell a spreadsheet reads never begins with a formula character unless
// it is a number, and taking the apostrophe off gives the text back.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "=1", "-4", "-4.5", "-x", "\t", "\r=1", "+", "@", "text", "-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := sheet.Cell(s)
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !sheet.IsNumber(c) {
			t.Fatalf("Cell(%q) = %q begins with a formula character", s, c)
		}
		if c != s && c != "'"+s {
			t.Fatalf("Cell(%q) = %q is neither the text nor the text behind an apostrophe", s, c)
		}
	})
}
