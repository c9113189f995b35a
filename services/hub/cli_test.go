package hub_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/workforce"
	"github.com/partnership-hub/hub/services/cli"
	"github.com/partnership-hub/hub/services/hub"
)

// cliRun runs hub-cli in the test process with its login in dir.
type cliRun struct {
	t   *testing.T
	dir string
}

func (c cliRun) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(context.Background(), append([]string{"--config", c.dir}, args...),
		cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Progress: true})
	return code, out.String(), errOut.String()
}

func (c cliRun) file(name, content string) string {
	c.t.Helper()
	p := filepath.Join(c.t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// TestCLIAgainstTheHub runs hub-cli against the all-in-one hub as a council's scheduled job
// would: log in, submit files whose outcome is each exit code, follow a submission, read stored
// rows and benchmarks back.
func TestCLIAgainstTheHub(t *testing.T) {
	r := startHubWith(t, func(cfg *hub.Config, _ chstore.Config) { cfg.Demo = false })
	c := cliRun{t: t, dir: filepath.Join(t.TempDir(), "config")}

	t.Run("login", func(t *testing.T) {
		if code, _, errOut := c.run("wrong-secret\n", "login", "--api", r.s.APIURL, "--client-id", "demo-council", "--issuer", r.s.Issuer); code != cli.ExitRefused {
			t.Fatalf("a wrong secret: exit %d, want %d (%s)", code, cli.ExitRefused, errOut)
		}
		if _, err := os.Stat(filepath.Join(c.dir, "login.json")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a refused login was stored: %v", err)
		}
		// The token endpoint is the one the hub's contract names.
		code, out, errOut := c.run(hub.DemoSecret+"\n", "login", "--api", r.s.APIURL, "--client-id", "demo-council")
		if code != 0 || !strings.Contains(out, "Logged in") {
			t.Fatalf("login: exit %d: %s %s", code, out, errOut)
		}
		for path, want := range map[string]os.FileMode{c.dir: 0o700, filepath.Join(c.dir, "login.json"): 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
			}
		}
	})

	header := "org,period,inpost_fte,inpost_headcount,agency_fte,vacancy_fte,case_holders_fte,cases\n"
	var acceptedID string
	for _, tc := range []struct {
		name, file, body string
		code             int
		out              []string
	}{
		{"accepted", "good.csv", header + "E06000001,2025,152.3,158,6.5,x,95.2,1290\n", cli.ExitAccepted, []string{"accepted", "accepted: 1, rejected: 0"}},
		{"partially accepted", "partial.csv", header + "E06000001,2024,150,158,6,10,90,1200\nE06000001,2023,-4,150,5,12,90,1200\n",
			cli.ExitPartiallyAccepted, []string{"partially accepted", "Refused:", "3    inpost_fte"}},
		{"rejected", "rejected.json", `{"returns": [{"org": "E06000001", "period": "2022", "inpost_fte": -1}]}`, cli.ExitRejected, []string{"rejected", "must be zero or more"}},
		{"refused: another organisation", "foreign.csv", header + "E06000002,2025,1,1,1,1,1,1\n", cli.ExitRefused, nil},
		{"refused: not CSV", "bad.csv", "org,period,nonsense\nE06000001,2025,1\n", cli.ExitRefused, nil},
	} {
		t.Run("submit "+tc.name, func(t *testing.T) {
			errorsCSV := filepath.Join(t.TempDir(), "errors.csv")
			code, out, errOut := c.run("", "submit", "workforce-returns", c.file(tc.file, tc.body), "--errors-csv", errorsCSV)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out, errOut)
			}
			for _, want := range tc.out {
				if !strings.Contains(out, want) {
					t.Errorf("the report lacks %q:\n%s", want, out)
				}
			}
			if tc.code == cli.ExitRefused {
				if !strings.Contains(errOut, "403") && !strings.Contains(errOut, "422") {
					t.Errorf("the refusal does not say what the hub answered: %s", errOut)
				}
				return
			}
			if tc.code == cli.ExitAccepted {
				acceptedID = strings.Fields(strings.TrimPrefix(errOut[strings.Index(errOut, "Submission "):], "Submission "))[0]
				acceptedID = strings.TrimSuffix(acceptedID, ":")
			}
			if tc.code == cli.ExitPartiallyAccepted {
				b, err := os.ReadFile(errorsCSV)
				if err != nil {
					t.Fatal(err)
				}
				recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
				if err != nil || len(recs) != 2 || strings.Join(recs[1][:2], ",") != "3,inpost_fte" || recs[1][3] != "error" {
					t.Errorf("errors CSV %q (%v), want the header and row 3 inpost_fte", recs, err)
				}
			}
		})
	}

	t.Run("the same file again stores nothing twice", func(t *testing.T) {
		path := c.file("good.csv", header+"E06000001,2025,152.3,158,6.5,x,95.2,1290\n")
		code, _, errOut := c.run("", "submit", "workforce-returns", path)
		if code != 0 || !strings.Contains(errOut, "Submission "+acceptedID) || !strings.Contains(errOut, "sent before") {
			t.Errorf("exit %d: %s; want the first submission %s again", code, errOut, acceptedID)
		}
	})

	t.Run("status", func(t *testing.T) {
		code, out, errOut := c.run("", "status", acceptedID, "--json")
		var st struct {
			Status   string `json:"status"`
			Accepted int    `json:"accepted"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Status != "accepted" || st.Accepted != 1 {
			t.Errorf("exit %d: %s %s", code, out, errOut)
		}
		if code, _, _ := c.run("", "status", "00000000-0000-0000-0000-000000000000", "--wait"); code != cli.ExitRefused {
			t.Errorf("an unknown submission: exit %d, want %d", code, cli.ExitRefused)
		}
	})

	t.Run("get stored rows", func(t *testing.T) {
		code, out, errOut := c.run("", "get", "rows", "workforce-returns", "-p", "period=2025")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("%q: %v", out, err)
		}
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = recs[1][i]
		}
		if row["org"] != "E06000001" || row["period"] != "2025" || !strings.Contains(row["inpost_fte"], "152.3") {
			t.Errorf("stored row %v", row)
		}
		code, out, _ = c.run("", "get", "rows", "workforce-returns", "-f", "json")
		if code != 0 || !json.Valid([]byte(out)) || !strings.Contains(out, `"returns"`) {
			t.Errorf("JSON: exit %d: %.300s", code, out)
		}
	})

	t.Run("get benchmarks", func(t *testing.T) {
		// The benchmark service recomputes the period in the background.
		poll.UntilEvery(t, time.Minute, 500*time.Millisecond, func() error {
			code, out, errOut := c.run("", "get", "benchmarks", "--region", "E12000001", "--period", "2025", "-o", filepath.Join(t.TempDir(), "s2.csv"))
			if code == 0 && out == "" {
				return nil
			}
			return fmt.Errorf("exit %d: %s", code, errOut)
		})
		// An organisation is org in the answer, and code, its old name, for one more version.
		code, out, errOut := c.run("", "get", "benchmarks", "--region", "E12000001", "--period", "2025", "-f", "json")
		var sb struct {
			Metrics []struct {
				Orgs []struct{ Org, Code string } `json:"orgs"`
			} `json:"metrics"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &sb) != nil || len(sb.Metrics) == 0 || len(sb.Metrics[0].Orgs) != 1 ||
			sb.Metrics[0].Orgs[0].Org != "E06000001" || sb.Metrics[0].Orgs[0].Code != "E06000001" {
			t.Errorf("benchmarks as JSON: exit %d: %.400s %s", code, out, errOut)
		}
		code, out, errOut = c.run("", "get", "trend", "vacancy_rate", "--org", "E06000001")
		if code != 0 || !strings.HasPrefix(out, "period,metric") || !strings.Contains(out, "E06000001") {
			t.Errorf("trend: exit %d: %.300s %s", code, out, errOut)
		}
	})

	t.Run("get open data", func(t *testing.T) {
		code, out, errOut := c.run("", "get", "open-data", "workforce")
		got, err := workforce.Kind.ReadAll(kind.Body{R: strings.NewReader(out), CSV: true})
		if code != 0 || err != nil || len(got.Rows) != 2 || got.Rows[0].Value.Org != "E06000001" {
			t.Fatalf("exit %d (%v): %s %s", code, err, out, errOut)
		}
		code, out, errOut = c.run("", "get", "open-data", "workforce", "--meta")
		if code != 0 || !strings.HasPrefix(out, "col_name,col_type,label") || !strings.Contains(out, "inpost_fte,Indicator") {
			t.Errorf("meta: exit %d: %s %s", code, out, errOut)
		}
	})

	t.Run("the hub unreachable", func(t *testing.T) {
		other := cliRun{t: t, dir: t.TempDir()}
		code, _, errOut := other.run(hub.DemoSecret+"\n", "login", "--api", "http://127.0.0.1:1", "--client-id", "demo-council", "--token-url", r.s.Issuer+"/token")
		if code != cli.ExitRefused || !strings.Contains(errOut, "cannot be reached") {
			t.Errorf("exit %d, want %d: %s", code, cli.ExitRefused, errOut)
		}
	})

	t.Run("the binary's exit code", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "hub-cli")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/partnership-hub/hub/services/cli/cmd/hub-cli").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		cmd := exec.Command(bin, "--config", c.dir, "submit", "workforce-returns",
			c.file("rejected.csv", header+"E06000001,2021,-1,1,1,1,1,1\n"))
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != cli.ExitRejected {
			t.Errorf("hub-cli submit of a rejected file: %v, want exit %d\n%s", err, cli.ExitRejected, out)
		}
	})
}
