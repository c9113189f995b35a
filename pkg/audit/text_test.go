package audit_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/submission"
)

// submitEvidence sends evidence in an audit submission as a client would (JSON, or CSV written
// by a CSV writer), and follows it as the hub does: decoded and tidied at the API, carried to
// ingest in the wire form, read and checked there. It returns the evidence that would be stored,
// or the errors on the row.
func submitEvidence(t *testing.T, evidence string, asCSV bool) (string, []submission.RowError) {
	t.Helper()
	body := kind.Body{R: strings.NewReader(`{"items": [{"org": "E06000001", "cycle": "2026", "item": "S2.1", "rating": "AMBER", "priority": "HIGH", "evidence": ` + jsonQuote(evidence) + `}]}`)}
	if asCSV {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"org", "cycle", "item", "rating", "evidence", "priority"})
		_ = w.Write([]string{"E06000001", "2026", "S2.1", "AMBER", evidence, "HIGH"})
		w.Flush()
		body = kind.Body{R: &b, CSV: true}
	}
	// Read as the API does; ReadAll carries the rows through the wire form to ingest.
	d, err := audit.Kind.ReadAll(body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(d.Rejected) > 0 {
		return "", d.Rejected
	}
	if len(d.Rows) != 1 {
		t.Fatalf("wire form: %d rows", len(d.Rows))
	}
	c, errs := audit.Validate(d.Rows[0].Value, framework(t), today)
	return c.Evidence, errs
}

// jsonQuote writes text as a JSON string the way a careless client might: only the quote, the
// backslash and bytes below 0x20 escaped, every other byte as it is (invalid UTF-8 included).
func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// The free-text rule written a second way, for the fuzz test to check the hub against.
func freeTextAllowed(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	if t := strings.TrimLeft(s, " \t\n"); t != "" && (t[0] == '=' || t[0] == '+' || t[0] == '@') {
		return false
	}
	for _, r := range s {
		bidi := (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
		if r == '<' || r == '>' || bidi || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			return false
		}
	}
	return true
}

// Evidence is stored exactly as sent or refused with its row, field and reason: a carriage
// return is refused (it used to be removed, by trimming or by the CSV reader), and spaces and new
// lines around the text are kept.
func TestEvidenceIsRefusedNotAltered(t *testing.T) {
	tests := []struct {
		name, evidence string
		refused        bool
	}{
		{"plain", "Caseloads reviewed monthly.", false},
		{"new lines", "Caseloads reviewed monthly.\nSee the dashboard.", false},
		{"spaces and new lines around", "  Caseloads reviewed monthly.\n", false},
		{"tab", "Team\tA", false},
		{"carriage return at the end", "Caseloads reviewed monthly.\r", true},
		{"carriage return at the start", "\rCaseloads", true},
		{"CR LF inside", "Caseloads reviewed monthly.\r\nSee the dashboard.", true},
		{"lone CR inside", "Caseloads\rreviewed", true},
		{"formula after spaces", "  =HYPERLINK(\"x\")", true},
		{"only spaces", "   ", true},
		{"not UTF-8", "caf\xe9", true},
	}
	for _, tt := range tests {
		for _, asCSV := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/csv=%v", tt.name, asCSV), func(t *testing.T) {
				got, errs := submitEvidence(t, tt.evidence, asCSV)
				if tt.refused {
					if len(errs) == 0 || errs[0].Field != "evidence" || errs[0].Reason == "" {
						t.Fatalf("evidence %q stored as %q (errors %+v); want it refused on evidence", tt.evidence, got, errs)
					}
					if strings.Contains(tt.evidence, "\r") && !strings.Contains(errs[0].Reason, "carriage return") {
						t.Errorf("reason %q does not name the carriage return", errs[0].Reason)
					}
					return
				}
				if len(errs) != 0 || got != tt.evidence {
					t.Fatalf("evidence %q stored as %q (errors %+v)", tt.evidence, got, errs)
				}
			})
		}
	}
}

// Whatever evidence is taken, through JSON or CSV, the API and the wire form to ingest, is
// stored exactly as sent; whatever breaks the free-text rule is refused on the evidence field.
func FuzzFreeText(f *testing.F) {
	for _, s := range []string{"Caseloads reviewed monthly.", "a\r\nb", "x\r", "  lead", "=1+1", " @x", "<b>", "tab\there",
		"\u202eevil", "caf\xe9", "\x00", "line\nfeed", "é", "\ud7ff", "-1", strings.Repeat("a", 2001)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		allowed := freeTextAllowed(s, audit.MaxEvidence)
		if err := audit.CheckText(s, audit.MaxEvidence); (err == nil) != allowed {
			t.Fatalf("CheckText(%q) = %v; the rule says allowed=%v", s, err, allowed)
		}
		allowed = allowed && strings.TrimSpace(s) != "" // evidence must be given
		for _, asCSV := range []bool{false, true} {
			got, errs := submitEvidence(t, s, asCSV)
			if len(errs) == 0 {
				if !allowed {
					t.Fatalf("evidence %q (csv %v) taken as %q, but the rule refuses it", s, asCSV, got)
				}
				if got != s {
					t.Fatalf("evidence %q (csv %v) stored as %q", s, asCSV, got)
				}
				continue
			}
			if allowed {
				t.Fatalf("evidence %q (csv %v) refused: %+v", s, asCSV, errs)
			}
			if errs[0].Field != "evidence" || errs[0].Reason == "" {
				t.Fatalf("evidence %q (csv %v): errors %+v, want one on evidence with a reason", s, asCSV, errs)
			}
		}
	})
}

// TestOldFormsAreRead: a rating and a priority in any letter case (RED and HIGH, as version
// 1.0.0 documented them) and a cycle as a JSON string (as 1.0.0 took it) are read as the values
// of the contract, red and high and the number 2026, in JSON and CSV alike.
func TestOldFormsAreRead(t *testing.T) {
	for name, body := range map[string]kind.Body{
		"JSON of 1.1.0":             {R: strings.NewReader(`{"items": [{"org": "E06000001", "cycle": 2026, "item": "S2.1", "rating": "red", "priority": "high", "evidence": "Gaps"}]}`)},
		"JSON of 1.0.0":             {R: strings.NewReader(`{"items": [{"org": "E06000001", "cycle": "2026", "item": "S2.1", "rating": "RED", "priority": "HIGH", "evidence": "Gaps"}]}`)},
		"CSV of 1.0.0":              {R: strings.NewReader("org,cycle,item,rating,evidence,priority\nE06000001,2026,S2.1,RED,Gaps,HIGH\n"), CSV: true},
		"CSV in a person's letters": {R: strings.NewReader("org,cycle,item,rating,evidence,priority\nE06000001,2026,S2.1,Red,Gaps,High\n"), CSV: true},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := audit.Kind.ReadAll(body)
			if err != nil || len(d.Rejected) > 0 || len(d.Rows) != 1 {
				t.Fatalf("%v, refused %+v, %d rows", err, d.Rejected, len(d.Rows))
			}
			r := d.Rows[0].Value
			if r.Cycle != 2026 || r.Rating != audit.Red || r.Priority != audit.High {
				t.Errorf("read %+v, want cycle 2026, rating red, priority high", r)
			}
			if _, errs := audit.Validate(r, framework(t), today); len(errs) > 0 {
				t.Errorf("refused %+v", errs)
			}
		})
	}
}
