package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
)

// workforceCSV is a workforce-return upload of n rows (a steward's bulk load: one row per
// organisation and period), about 70 bytes a row.
func workforceCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("org,period,inpost_fte,inpost_headcount,starters_fte,leavers_fte,agency_fte,vacancy_fte,case_holders_fte,cases,working_days_lost_fte,agency_cover_fte,starters_headcount\n")
	for i := range n {
		fmt.Fprintf(&b, "E%08d,%d,%d.5,%d,%d.5,%d.5,%d.2,%d.2,%d.5,%d,%d.5,%d.5,%d\n", 6000000+i/25, 2000+i%25, 100+i%50, 110+i%50, 10+i%9, 11+i%8, i%13, i%7, 80+i%40, 1000+i%500, 300+i%90, i%5, 10+i%9)
	}
	return b.Bytes()
}

// BenchmarkSubmit200kRows measures the submit path for a 200,000-row CSV body (about 14 MB):
// reading, checking, chunking and publishing to a real embedded JetStream, through the HTTP
// handler, with allocations (the embedded NATS server runs in the same process and is counted).
//
//	go test -run '^$' -bench Submit200kRows -benchmem -benchtime 3x ./services/api
func BenchmarkSubmit200kRows(b *testing.B) {
	ns := bustest.New(b)
	ctx := context.Background()
	status, err := submission.NewStore(ctx, ns.JS)
	if err != nil {
		b.Fatal(err)
	}
	steward := trustAs{Subject: "demo-steward", Roles: []string{"steward"}}
	srv := httptest.NewServer(api.Handler(&api.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), JS: ns.JS, Status: status,
		Verifier: steward, Limits: defaultLimits, Ready: func(context.Context) error { return nil }}))
	b.Cleanup(srv.Close)
	body := workforceCSV(200000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/workforce-returns", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer any")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		ans, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("%d %s", resp.StatusCode, ans)
		}
	}
}

// trustAs is authentication switched off: every request is the principal given, token or not.
type trustAs auth.Principal

func (t trustAs) Verify(context.Context, string) (auth.Principal, error) {
	return auth.Principal(t), nil
}
