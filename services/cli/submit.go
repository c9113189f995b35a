package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/partnership-hub/hub/pkg/sheet"
)

// ref is the hub's answer to a submission (SubmissionRef in the contract).
type ref struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	StatusURL string `json:"status_url"`
	Rows      int    `json:"rows"`
	Repeat    bool   `json:"repeat"`
}

// rowError is one refused (or doubtful) row of a submission's status.
type rowError struct {
	Row    int    `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// status is a submission's outcome (Status in the contract).
type status struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	Status   string     `json:"status"`
	Rows     int        `json:"rows"`
	Accepted int        `json:"accepted"`
	Rejected int        `json:"rejected"`
	Errors   []rowError `json:"errors"`
	Warnings []rowError `json:"warnings"`
	// The status lists the first errors and warnings; the errors list has them all.
	ErrorCount   int    `json:"error_count"`
	WarningCount int    `json:"warning_count"`
	ErrorsURL    string `json:"errors_url"`
}

// followFlags are how submit and status follow a submission and report it.
type followFlags struct {
	Timeout   time.Duration `help:"Longest time to wait for the outcome" default:"30m"`
	ErrorsCSV string        `help:"Write every refused row and warning to this CSV file (row, field, reason, severity)" type:"path" name:"errors-csv"`
	JSON      bool          `help:"Print the final status as JSON instead of a summary and table" name:"json"`
	MaxShown  int           `help:"Refused rows shown in the table (the CSV file has them all)" default:"50"`
}

type submitCmd struct {
	Kind   string `arg:"" help:"What the file holds, as the hub names it: workforce-returns, placements, placement-capacity, practice-educators, survey-results, audit-submissions, …"`
	File   string `arg:"" help:"The CSV or JSON file (- for standard input)" type:"path"`
	Format string `help:"csv or json (default: from the file name)" enum:",csv,json" default:""`
	Key    string `help:"Idempotency-Key (default: derived from the kind and the file's content, so sending the same file again stores nothing twice)"`
	NoWait bool   `help:"Do not wait for the outcome: print the submission id and exit 0 once the hub has taken the file"`
	followFlags
}

func (c *submitCmd) Run(r *run) error {
	l, err := r.env.load()
	if err != nil {
		return err
	}
	doc, err := readContract(r.ctx, l.API)
	if err != nil {
		return err
	}
	if kinds := doc.kinds(); !slices.Contains(kinds, c.Kind) {
		return exitWith(ExitUsage, "the hub takes no kind %q: it takes %s", c.Kind, strings.Join(kinds, ", "))
	}
	body, err := c.read(r)
	if err != nil {
		return err
	}
	contentType, err := c.contentType()
	if err != nil {
		return err
	}
	key := c.Key
	if key == "" {
		key = FileKey(c.Kind, body)
	}

	hc := l.client(r.ctx)
	var upload io.Reader = bytes.NewReader(body)
	bar := r.bar(int64(len(body)), "uploading", true)
	if bar != nil {
		upload = io.TeeReader(upload, bar)
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, l.API+"/v1/"+c.Kind, upload)
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("Accept", "application/json")
	ans, err := hc.do(req)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	var sub ref
	if err := json.Unmarshal(ans.body, &sub); err != nil {
		return exitWith(ExitRefused, "the hub's answer cannot be read: %v", err)
	}
	note := ""
	if sub.Repeat {
		note = " (sent before: the first submission is returned and nothing is stored twice)"
	}
	fmt.Fprintf(r.env.Stderr, "Submission %s: rows taken: %d%s.\n", sub.ID, sub.Rows, note)
	if c.NoWait {
		fmt.Fprintln(r.env.Stdout, sub.ID)
		return nil
	}
	return r.follow(hc, sub.ID, true, c.followFlags)
}

func (c *submitCmd) read(r *run) ([]byte, error) {
	if c.File == "-" {
		return io.ReadAll(r.env.Stdin)
	}
	b, err := os.ReadFile(c.File)
	if err != nil {
		return nil, exitWith(ExitUsage, "%v", err)
	}
	return b, nil
}

func (c *submitCmd) contentType() (string, error) {
	format := c.Format
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(c.File)), ".")
	}
	switch format {
	case "csv":
		return "text/csv", nil
	case "json":
		return "application/json", nil
	}
	return "", exitWith(ExitUsage, "say whether %s is CSV or JSON with --format", c.File)
}

// FileKey is the Idempotency-Key hub-cli sends for a file unless given one: the same kind and
// content always give the same key, so a scheduler sending a file twice stores it once.
func FileKey(kind string, content []byte) string {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(content)
	return "hub-cli-sha256-" + hex.EncodeToString(h.Sum(nil))
}

type statusCmd struct {
	ID   string `arg:"" help:"Submission id"`
	Wait bool   `help:"Follow the submission until every row is checked"`
	followFlags
}

func (c *statusCmd) Run(r *run) error {
	l, err := r.env.load()
	if err != nil {
		return err
	}
	return r.follow(l.client(r.ctx), c.ID, c.Wait, c.followFlags)
}

// follow reads a submission's status, with wait until it is no longer pending, shows its rows
// checked on a progress bar, reports the outcome and ends with its exit code.
func (r *run) follow(hc *hubClient, id string, wait bool, f followFlags) error {
	deadline := time.Now().Add(f.Timeout)
	var bar *progressbar.ProgressBar
	delay := 200 * time.Millisecond
	var st status
	for {
		ans, err := hc.get(r.ctx, "/v1/submissions/"+id, "application/json")
		if err != nil {
			return err
		}
		if err := json.Unmarshal(ans.body, &st); err != nil {
			return exitWith(ExitRefused, "the hub's answer cannot be read: %v", err)
		}
		if wait && bar == nil {
			bar = r.bar(int64(st.Rows), "checking rows", false)
		}
		if bar != nil {
			_ = bar.Set(st.Accepted + st.Rejected)
		}
		if st.Status != "pending" || !wait || time.Now().After(deadline) {
			break
		}
		select {
		case <-r.ctx.Done():
			return exitWith(ExitPending, "stopped while submission %s was pending", id)
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
	if bar != nil {
		_ = bar.Finish()
	}
	if err := r.report(hc, st, f); err != nil {
		return err
	}
	switch st.Status {
	case "accepted":
		return nil
	case "partially_accepted":
		return &exitError{code: ExitPartiallyAccepted}
	case "rejected":
		return &exitError{code: ExitRejected}
	case "pending":
		return &exitError{code: ExitPending, msg: fmt.Sprintf("submission %s is still pending", id)}
	}
	return exitWith(ExitRefused, "submission %s has an unknown status %q", id, st.Status)
}

// report prints the outcome and the first refused rows, and writes them all to the errors file.
func (r *run) report(hc *hubClient, st status, f followFlags) error {
	if f.ErrorsCSV != "" {
		if err := r.writeRowErrors(hc, f.ErrorsCSV, st); err != nil {
			return err
		}
	}
	if f.JSON {
		enc := json.NewEncoder(r.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	out := r.env.Stdout
	fmt.Fprintf(out, "%s %s: %s — rows: %d, accepted: %d, rejected: %d, warnings: %d\n",
		st.Kind, st.ID, strings.ReplaceAll(st.Status, "_", " "), st.Rows, st.Accepted, st.Rejected, max(st.WarningCount, len(st.Warnings)))
	for _, list := range []struct {
		title string
		rows  []rowError
		total int
	}{{"Refused", st.Errors, st.ErrorCount}, {"Warnings", st.Warnings, st.WarningCount}} {
		if len(list.rows) == 0 {
			continue
		}
		fmt.Fprintf(out, "\n%s:\n", list.title)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ROW\tFIELD\tREASON")
		shown := min(len(list.rows), max(f.MaxShown, 0))
		for _, e := range list.rows[:shown] {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", e.Row, e.Field, e.Reason)
		}
		if more := max(list.total, len(list.rows)) - shown; more > 0 {
			fmt.Fprintf(tw, "…\t\t%d more%s\n", more, moreHint(f))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func moreHint(f followFlags) string {
	if f.ErrorsCSV != "" {
		return " in " + f.ErrorsCSV
	}
	return " (--errors-csv FILE writes them all)"
}

// writeRowErrors writes every refused row and warning as CSV for a spreadsheet: the hub's
// errors report (row, field, reason, severity), or, from a hub without one, those the status
// lists.
func (r *run) writeRowErrors(hc *hubClient, path string, st status) error {
	if st.ErrorsURL != "" {
		ans, err := hc.get(r.ctx, st.ErrorsURL, "text/csv")
		if err != nil {
			return err
		}
		return os.WriteFile(path, ans.body, 0o644)
	}
	var b bytes.Buffer
	w := sheet.NewWriter(&b)
	_ = w.Write([]string{"row", "field", "reason", "severity"})
	for _, list := range []struct {
		severity string
		rows     []rowError
	}{{"error", st.Errors}, {"warning", st.Warnings}} {
		for _, e := range list.rows {
			_ = w.Write([]string{strconv.Itoa(e.Row), e.Field, e.Reason, list.severity})
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// bar is a progress bar on Stderr, or nil when progress is not shown.
func (r *run) bar(total int64, what string, bytes bool) *progressbar.ProgressBar {
	if !r.env.Progress || total <= 0 {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(r.env.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(r.env.Stderr) }),
		progressbar.OptionThrottle(100 * time.Millisecond),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	}
	return progressbar.NewOptions64(total, opts...)
}
