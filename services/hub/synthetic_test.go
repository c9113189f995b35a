package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
)

// seedOrganisations adds n synthetic organisations (X000001 …) to the reference data, so that
// large synthetic files have enough distinct organisation × period pairs.
func seedOrganisations(tb testing.TB, conn driver.Conn, n int) []string {
	tb.Helper()
	ctx := context.Background()
	b, err := conn.PrepareBatch(chstore.BatchContext(ctx), "INSERT INTO organisations (code, old_code, name, type, region_code, updated_at, version)")
	if err != nil {
		tb.Fatal(err)
	}
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("X%06d", i+1)
		if err := b.Append(codes[i], "", "Synthetic employer "+codes[i], "other", "E12000001", time.Now(), uint64(1)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		tb.Fatal(err)
	}
	return codes
}

// periods lists every quarter and reporting year from 2000 to the third quarter of 2026.
func periods() []string {
	var p []string
	for y := 2000; y <= 2026; y++ {
		p = append(p, fmt.Sprint(y))
		for q := 1; q <= 4 && !(y == 2026 && q == 4); q++ {
			p = append(p, fmt.Sprintf("%d-Q%d", y, q))
		}
	}
	return p
}

const syntheticHeader = "org,period,inpost_fte,inpost_headcount,starters_fte,starters_headcount,leavers_fte,leavers_headcount,agency_fte,agency_headcount,agency_cover_fte,vacancy_fte,case_holders_fte,cases,working_days_lost_fte\n"

// syntheticCSV writes rows workforce returns over orgs; every badEvery-th row (when badEvery > 0)
// has a bad cell or breaks a rule, and its spreadsheet row number is in the returned set.
func syntheticCSV(orgs []string, rows, badEvery int) (string, map[int]bool) {
	var b strings.Builder
	b.WriteString(syntheticHeader)
	ps := periods()
	bad := map[int]bool{}
	for i := range rows {
		org, period := orgs[i%len(orgs)], ps[i/len(orgs)]
		switch {
		case badEvery > 0 && i%badEvery == badEvery/2:
			fmt.Fprintf(&b, "%s,%s,12x,,,,,,,,,,,,\n", org, period)
			bad[i+2] = true
		case badEvery > 0 && i%badEvery == badEvery-1:
			fmt.Fprintf(&b, "%s,%s,100,100,1,1,1,1,1,1,1,1,500,1,1\n", org, period)
			bad[i+2] = true
		default:
			fmt.Fprintf(&b, "%s,%s,%.1f,%d,10.2,11,9.1,10,5.5,6,3.2,12.5,90.2,%d,%d\n", org, period, 100+float64(i%50)/10, 110+i%50, 1500+i%300, 900+i%500)
		}
	}
	return b.String(), bad
}
