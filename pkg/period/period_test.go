package period

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		end  string
		ok   bool
	}{
		{"2024", Year, "2024-09-30", true},
		{"2024-Q1", Quarter, "2024-03-31", true},
		{"2024-Q4", Quarter, "2024-12-31", true},
		{"2024/25", AcademicYear, "2025-08-31", true},
		{"1999/00", 0, "", false},
		{"2099/00", AcademicYear, "2100-08-31", true},
		{"2024/26", 0, "", false},
		{"2024-Q5", 0, "", false},
		{"24", 0, "", false},
		{"1999", 0, "", false},
		{"", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse(%q) = %+v, %v; want ErrInvalid", tt.in, p, err)
				}
				return
			}
			if err != nil || p.Kind != tt.kind || p.End.Format(time.DateOnly) != tt.end {
				t.Fatalf("Parse(%q) = %+v, %v; want kind %v ending %s", tt.in, p, err, tt.kind, tt.end)
			}
		})
	}
}

func TestNotAfterAndKind(t *testing.T) {
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for s, ok := range map[string]bool{"2026": true, "2027": false, "2026-Q3": true, "2026-Q4": false} {
		p, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.NotAfter(today) == nil; got != ok {
			t.Errorf("%s NotAfter(%s) ok = %v, want %v", s, today.Format(time.DateOnly), got, ok)
		}
	}
	if _, err := ParseKind("2024/25", Year, Quarter); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseKind academic year as year: error = %v, want ErrInvalid", err)
	}
}
