package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/hub"
)

type running struct {
	t     testing.TB
	s     hub.Started
	ch    driver.Conn
	chcfg chstore.Config // its database
	orgs  []string
	http  map[string]*http.Client
	log   *syncBuffer // what the hub logged
}

// syncBuffer is a buffer the hub's goroutines may log to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startHub runs the all-in-one hub as `make demo` does, on free ports, with its own database
// and the DfE demo data loaded.
func startHub(t testing.TB) *running {
	t.Helper()
	return startHubWith(t, nil)
}

// startHubWith lets a test change the configuration before the hub starts.
func startHubWith(t testing.TB, tweak func(cfg *hub.Config, ch chstore.Config)) *running {
	t.Helper()
	conn, chcfg := chtest.New(t)
	orgs := seedOrganisations(t, conn, 1500)
	var cfg hub.Config
	if _, err := config.Parse(&cfg); err != nil {
		t.Fatal(err)
	}
	cfg.API.ClickHouseAddr, cfg.API.ClickHouseDatabase = chcfg.Addr, chcfg.Database
	cfg.API.HTTPAddr = "127.0.0.1:0"
	cfg.NATSPort, cfg.NATSStoreDir = -1, t.TempDir()
	cfg.DevOIDC, cfg.DevOIDCAddr, cfg.DevOIDCKeyFile = true, "127.0.0.1:0", filepath.Join(t.TempDir(), "dev-oidc-key.pem")
	cfg.Dashboard.Addr = "127.0.0.1:0"
	cfg.Ingest.HealthAddr = "127.0.0.1:0"
	cfg.Benchmark.HealthAddr = "127.0.0.1:0"
	cfg.Demo = true
	if tweak != nil {
		tweak(&cfg, chcfg)
	}

	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan hub.Started, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	var logTo io.Writer = logs
	if os.Getenv("HUB_TEST_LOG") != "" {
		logTo = io.MultiWriter(logs, os.Stderr) // HUB_TEST_LOG=1 shows the hub's log
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	go func() { done <- hub.Run(ctx, cfg, log, func(s hub.Started) { started <- s }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub stopped with %v", err)
		}
	})
	var s hub.Started
	select {
	case s = <-started:
	case err := <-done:
		t.Fatalf("hub stopped: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("hub did not start")
	}
	r := &running{t: t, s: s, ch: conn, chcfg: chcfg, orgs: orgs, http: map[string]*http.Client{}, log: logs}
	for _, c := range []string{"demo-steward", "demo-council", "demo-analyst"} {
		cc := clientcredentials.Config{ClientID: c, ClientSecret: hub.DemoSecret, TokenURL: s.Issuer + "/token"}
		r.http[c] = cc.Client(context.Background())
	}
	return r
}

func (r *running) do(client, method, path, contentType string, body io.Reader, v any, header ...string) int {
	r.t.Helper()
	req, err := http.NewRequest(method, r.s.APIURL+path, body)
	if err != nil {
		r.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.http[client].Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil && json.Unmarshal(b, v) != nil {
		r.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

func (r *running) submit(client, contentType, body string) api.SubmissionRef {
	r.t.Helper()
	return r.submitWithKey(client, contentType, body, "")
}

func (r *running) submitWithKey(client, contentType, body, key string) api.SubmissionRef {
	r.t.Helper()
	var ref api.SubmissionRef
	if code := r.do(client, "POST", "/v1/workforce-returns", contentType, strings.NewReader(body), &ref, "Idempotency-Key", key); code != http.StatusAccepted {
		r.t.Fatalf("submit: %d %+v", code, ref)
	}
	return ref
}

// wait polls a submission until ingest has finished with it.
func (r *running) wait(client string, ref api.SubmissionRef) submission.Status {
	r.t.Helper()
	var st submission.Status
	poll.Until(r.t, 5*time.Minute, func() error {
		st = submission.Status{}
		if code := r.do(client, "GET", ref.StatusURL, "", nil, &st); code != http.StatusOK {
			r.t.Fatalf("status: %d", code)
		}
		if st.Status == submission.StatusPending {
			return fmt.Errorf("submission %s still pending", ref.ID)
		}
		return nil
	})
	return st
}

func (r *running) count(query string, args ...any) uint64 {
	r.t.Helper()
	var n uint64
	if err := r.ch.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

func TestAllInOne(t *testing.T) {
	r := startHub(t)

	t.Run("demo data is the DfE file, symbols kept", func(t *testing.T) {
		if n := r.count("SELECT count() FROM workforce_returns FINAL"); n != 1355 {
			t.Errorf("demo rows = %d, want 1355", n)
		}
		if n := r.count("SELECT count() FROM workforce_returns FINAL WHERE vacancy_fte IS NULL AND vacancy_fte_reason != ''"); n == 0 {
			t.Error("no DfE symbol kept beside an unknown vacancy figure")
		}
		if n := r.count("SELECT count() FROM workforce_returns FINAL WHERE org_code = 'E09000021_E09000027'"); n != 9 {
			t.Errorf("joint return rows = %d, want 9", n)
		}
	})

	t.Run("a council submits JSON and CSV and reads its rows back", func(t *testing.T) {
		st := r.wait("demo-council", r.submit("demo-council", "application/json", `{"returns": [
			{"org": "E06000001", "period": "2026-Q1", "inpost_fte": 150.5, "vacancy_fte": 12, "agency_fte": "c"},
			{"org": "E06000001", "period": "2026-Q2", "inpost_fte": -1},
			{"org": "E06000001", "period": "2026-Q3", "inpost_fte": 151, "cases": 1.5}
		]}`))
		if st.Status != submission.StatusPartiallyAccepted || st.Accepted != 1 || st.Rejected != 2 || st.Errors[0].Row != 2 || st.Errors[1].Field != "cases" {
			t.Fatalf("status = %+v", st)
		}
		st = r.wait("demo-council", r.submit("demo-council", "text/csv", "org,period,inpost_fte,vacancy_fte\nE06000001,2026-Q1,152,13\n"))
		if st.Status != submission.StatusAccepted {
			t.Fatalf("status = %+v", st)
		}
		var out struct {
			Returns []struct {
				Period     string `json:"period"`
				InpostFTE  any    `json:"inpost_fte"`
				AgencyFTE  any    `json:"agency_fte"`
				VacancyFTE any    `json:"vacancy_fte"`
			} `json:"returns"`
		}
		if code := r.do("demo-council", "GET", "/v1/workforce-returns?period=2026-Q1", "", nil, &out); code != 200 || len(out.Returns) != 1 {
			t.Fatalf("read back: %d %+v", code, out)
		}
		got := out.Returns[0]
		if got.InpostFTE != 152.0 || got.VacancyFTE != 13.0 || got.AgencyFTE != nil {
			t.Errorf("read back %+v: want the resubmitted figures, agency not reported", got)
		}
		if code := r.do("demo-council", "GET", "/v1/workforce-returns?org=E06000002", "", nil, &struct{}{}); code != http.StatusForbidden {
			t.Errorf("reading another council's rows: %d, want 403", code)
		}
	})

	t.Run("the demo analyst sees its alliance", func(t *testing.T) {
		var a struct {
			ID      string   `json:"id"`
			Members []string `json:"members"`
		}
		if code := r.do("demo-analyst", "GET", "/v1/alliances/"+hub.DemoAlliance, "", nil, &a); code != 200 || len(a.Members) != 12 {
			t.Errorf("alliance: %d %+v, want the 12 North East councils", code, a)
		}
	})

	t.Run("the access trail shows stewards who did what", func(t *testing.T) {
		var out struct {
			Entries []struct {
				Subject, Operation, TargetOrg, Outcome, SubmissionID string
				Status                                               int
			} `json:"entries"`
		}
		poll.Until(t, 30*time.Second, func() error {
			if code := r.do("demo-steward", "GET", "/v1/access-trail?org=E06000002&outcome=refused", "", nil, &out); code != 200 {
				t.Fatalf("steward reading the trail: %d", code)
			}
			if len(out.Entries) == 0 {
				return errors.New("no refusal concerning E06000002 on the access trail")
			}
			return nil
		})
		if len(out.Entries) != 1 || out.Entries[0].Subject != "demo-council" || out.Entries[0].Status != 403 || out.Entries[0].Operation != "list-workforce-returns" {
			t.Errorf("refusals concerning E06000002 = %+v, want the council's one refused read", out.Entries)
		}
		if code := r.do("demo-council", "GET", "/v1/access-trail", "", nil, &struct{}{}); code != 403 {
			t.Errorf("council reading the trail: %d, want 403", code)
		}
	})

	t.Run("the same submission twice is stored once", func(t *testing.T) {
		body := "org,period,cases\nE06000001,2025-Q4,1300\n"
		a := r.submit("demo-council", "text/csv", body)
		b := r.submit("demo-council", "text/csv", body)
		if a.ID != b.ID || !b.Repeat {
			t.Errorf("ids %s and %s (repeat %v), want one submission", a.ID, b.ID, b.Repeat)
		}
		r.wait("demo-council", a)
		if n := r.count("SELECT count() FROM workforce_returns WHERE org_code = 'E06000001' AND period = '2025-Q4'"); n != 1 {
			t.Errorf("stored %d times, want once", n)
		}
	})

	t.Run("a file over 10 MB with some bad rows", func(t *testing.T) {
		body, bad := syntheticCSV(r.orgs, 150000, 2500)
		rows := 150000
		if len(body) < 10<<20 {
			t.Fatalf("file is %d bytes, want over 10 MB", len(body))
		}
		t.Logf("%d rows, %.1f MB, %d bad", rows, float64(len(body))/(1<<20), len(bad))
		st := r.wait("demo-steward", r.submit("demo-steward", "text/csv", body))
		if st.Status != submission.StatusPartiallyAccepted || st.Rejected != len(bad) || st.Accepted != rows-len(bad) {
			t.Fatalf("status %s accepted %d rejected %d; want %d and %d", st.Status, st.Accepted, st.Rejected, rows-len(bad), len(bad))
		}
		for _, e := range st.Errors {
			if !bad[e.Row] || e.Field == "" {
				t.Errorf("unexpected error %+v", e)
			}
		}
		want := uint64(rows - len(bad))
		if n := r.count("SELECT count() FROM workforce_returns FINAL WHERE submission_id = ?", st.ID); n != want {
			t.Errorf("stored %d rows, want %d", n, want)
		}
	})
}

// ClickHouse stops for 30 s while a council submits: the API accepts every submission (it
// needs only NATS), they wait in JetStream, and all are stored, once, when ClickHouse is back.
func TestClickHouseOutageThroughTheAPI(t *testing.T) {
	outage := 30 * time.Second
	if testing.Short() {
		outage = 3 * time.Second
	}
	var proxy *chtest.Proxy
	r := startHubWith(t, func(cfg *hub.Config, ch chstore.Config) {
		proxy = chtest.NewProxy(t, ch.Addr)
		cfg.API.ClickHouseAddr = proxy.Addr()
		cfg.Demo = false
	})
	proxy.Down()
	var refs []api.SubmissionRef
	for q := 1; q <= 4; q++ {
		refs = append(refs, r.submit("demo-council", "text/csv", fmt.Sprintf("org,period,inpost_fte,cases\nE06000001,2024-Q%d,100,1200\n", q)))
	}
	time.Sleep(outage) // the outage itself: nothing to poll for
	for _, ref := range refs {
		var st submission.Status
		if code := r.do("demo-council", "GET", ref.StatusURL, "", nil, &st); code != 200 || st.Status != submission.StatusPending {
			t.Fatalf("during the outage: %d %+v, want pending", code, st)
		}
	}
	proxy.Up()
	for _, ref := range refs {
		if st := r.wait("demo-council", ref); st.Status != submission.StatusAccepted {
			t.Errorf("after the outage: %+v, want accepted", st)
		}
	}
	if n := r.count("SELECT count() FROM workforce_returns FINAL WHERE org_code = 'E06000001' AND period LIKE '2024-Q%'"); n != 4 {
		t.Errorf("stored %d rows, want 4", n)
	}
}
