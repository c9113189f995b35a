package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/metrics/metricstest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/hub"
)

// TestGracefulShutdownUnderLoad builds the hub binary, sends it submissions from several clients,
// stops it with SIGTERM half-way, starts it again on the same JetStream store, and checks that
// every submission answered 202 is stored, each row exactly once, and nothing is left pending.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	conn, chcfg := chtest.New(t)
	orgs := seedOrganisations(t, conn, 100)

	bin := filepath.Join(t.TempDir(), "hub")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/hub").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	httpAddr, oidcAddr, healthAddr, benchmarkHealthAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	_, natsPort, _ := net.SplitHostPort(freeAddr(t))
	env := append(os.Environ(),
		"HUB_CLICKHOUSE_ADDR="+chcfg.Addr, "HUB_CLICKHOUSE_DATABASE="+chcfg.Database,
		"HUB_HTTP_ADDR="+httpAddr, "HUB_DEV_OIDC=true", "HUB_DEV_OIDC_ADDR="+oidcAddr, "HUB_DEV_OIDC_KEY_FILE="+filepath.Join(t.TempDir(), "dev-oidc-key.pem"), "HUB_INGEST_HEALTH_ADDR="+healthAddr,
		"HUB_BENCHMARK_HEALTH_ADDR="+benchmarkHealthAddr, "HUB_DASHBOARD_ADDR=127.0.0.1:0",
		"HUB_NATS_HOST=127.0.0.1", "HUB_NATS_PORT="+natsPort, "HUB_NATS_STORE_DIR="+t.TempDir(),
		"HUB_DEMO=false", "HUB_RATE_LIMIT=0", "HUB_LOG_FORMAT=text", "HUB_LOG_LEVEL=info",
	)
	base := "http://" + httpAddr

	// The first run: four clients submit until the hub stops answering; SIGTERM comes after 40.
	first := startBinary(t, bin, env, base)
	client := stewardClient("http://" + oidcAddr)
	type sent struct {
		ref  api.SubmissionRef
		rows int
	}
	var (
		mu       sync.Mutex
		accepted []sent
		wg       sync.WaitGroup
		next     = make(chan int)
		stopped  = make(chan struct{})
	)
	const perSubmission = 5
	ps := periods()
	go func() {
		defer close(next)
		for i := 0; ; i++ {
			select {
			case next <- i:
			case <-stopped:
				return
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				body := loadSubmission(orgs, ps, i, perSubmission)
				ref, code := post(client, base, body, fmt.Sprintf("shutdown-%d", i))
				if code != http.StatusAccepted {
					return // the hub stopped taking requests
				}
				mu.Lock()
				accepted = append(accepted, sent{ref, perSubmission})
				n := len(accepted)
				mu.Unlock()
				if n == 40 {
					if err := first.Process.Signal(syscall.SIGTERM); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	waitExit(t, first, 2*time.Minute)
	close(stopped)
	wg.Wait()
	if len(accepted) < 40 {
		t.Fatalf("only %d submissions accepted before the hub stopped", len(accepted))
	}
	t.Logf("%d submissions accepted before and during shutdown", len(accepted))

	// The second run finishes whatever the first left in JetStream.
	second := startBinary(t, bin, env, base)
	client = stewardClient("http://" + oidcAddr) // a new signing key: a new token
	want := 0
	for _, s := range accepted {
		st := waitStatus(t, client, base, s.ref)
		if st.Status != submission.StatusAccepted || st.Accepted != s.rows {
			t.Errorf("submission %s: %+v", s.ref.ID, st)
		}
		want += s.rows
	}
	var stored, keys uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), uniqExact(org_code, period) FROM workforce_returns FINAL WHERE org_code LIKE 'X%'").Scan(&stored, &keys); err != nil {
		t.Fatal(err)
	}
	if stored != uint64(want) || keys != uint64(want) {
		t.Errorf("stored %d rows with %d distinct keys, want %d", stored, keys, want)
	}
	poll.Until(t, 30*time.Second, func() error {
		m := metricstest.Scrape(t, "http://"+healthAddr+"/metrics")
		const waiting, unacknowledged = `hub_consumer_pending_messages{consumer="ingest-workforce",stream="SUBMISSIONS"}`,
			`hub_consumer_ack_pending_messages{consumer="ingest-workforce",stream="SUBMISSIONS"}`
		if _, ok := m[unacknowledged]; ok && m[waiting] == 0 && m[unacknowledged] == 0 {
			return nil
		}
		return fmt.Errorf("still pending in JetStream: %v waiting, %v unacknowledged", m[waiting], m[unacknowledged])
	})
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit(t, second, time.Minute)
}

// freeAddr returns a local address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type process struct {
	*exec.Cmd
	done chan error
	log  *bytes.Buffer
}

// startBinary runs the hub and waits until its API answers /healthz.
func startBinary(t *testing.T, bin string, env []string, base string) *process {
	t.Helper()
	p := &process{Cmd: exec.Command(bin, "run"), done: make(chan error, 1), log: &bytes.Buffer{}}
	p.Env, p.Stdout, p.Stderr = env, p.log, p.log
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.Wait() }()
	t.Cleanup(func() {
		if p.ProcessState == nil {
			_ = p.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("hub output:\n%s", p.log)
		}
	})
	poll.Until(t, 2*time.Minute, func() error {
		select {
		case err := <-p.done:
			t.Fatalf("hub exited at start: %v\n%s", err, p.log)
		default:
		}
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return fmt.Errorf("hub did not start: %v", err) // its output is logged when the test ends
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("hub did not start: /healthz %d", resp.StatusCode)
		}
		return nil
	})
	return p
}

// waitExit waits for the hub to stop by itself and checks it stopped cleanly.
func waitExit(t *testing.T, p *process, within time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("hub exited with %v\n%s", err, p.log)
		}
	case <-time.After(within):
		t.Fatalf("hub did not stop within %s\n%s", within, p.log)
	}
}

func stewardClient(issuer string) *http.Client {
	cc := clientcredentials.Config{ClientID: "demo-steward", ClientSecret: hub.DemoSecret, TokenURL: issuer + "/token"}
	return cc.Client(context.Background())
}

// post sends one CSV submission; a transport error (the hub has stopped) counts as no answer.
func post(client *http.Client, base, body, key string) (api.SubmissionRef, int) {
	var ref api.SubmissionRef
	req, _ := http.NewRequest("POST", base+"/v1/workforce-returns", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return ref, 0
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&ref); err != nil {
		return ref, 0
	}
	return ref, resp.StatusCode
}

// waitStatus polls a submission until ingest has finished with it.
func waitStatus(t *testing.T, client *http.Client, base string, ref api.SubmissionRef) submission.Status {
	t.Helper()
	var st submission.Status
	poll.Until(t, 2*time.Minute, func() error {
		resp, err := client.Get(base + ref.StatusURL)
		if err != nil {
			t.Fatal(err)
		}
		st = submission.Status{}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status of %s: %d %v", ref.ID, resp.StatusCode, err)
		}
		if st.Status == submission.StatusPending {
			return fmt.Errorf("submission %s still pending", ref.ID)
		}
		return nil
	})
	return st
}

// loadSubmission is the i-th submission of a load test: perSubmission workforce returns of one
// organisation, each for another period, so that no two submissions share a key.
func loadSubmission(orgs, periods []string, i, perSubmission int) string {
	var b strings.Builder
	b.WriteString("org,period,inpost_fte,vacancy_fte\n")
	org, from := orgs[i%len(orgs)], (i/len(orgs))*perSubmission
	for _, p := range periods[from : from+perSubmission] {
		fmt.Fprintf(&b, "%s,%s,%d,%d\n", org, p, 100+i%7, i%5)
	}
	return b.String()
}
