package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// The hub API's answers, as its OpenAPI document describes them. The dashboard reads the API as
// any client does: these are its contract, not the hub's internal types.

type metricDef struct {
	ID             string `json:"id"`
	Label          string `json:"label"`
	Unit           string `json:"unit"`
	HigherIsBetter bool   `json:"higher_is_better"`
	Formula        string `json:"formula"`
	Source         string `json:"source"`
	Standard       int    `json:"standard"`
	AreaOnly       bool   `json:"area_only"`
	Disclosure     bool   `json:"disclosure_control"`
}

type areaRef struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

type orgFigure struct {
	Code        string   `json:"org"`
	Name        string   `json:"name"`
	Value       *float64 `json:"value"`
	Reason      string   `json:"reason"`
	Withheld    string   `json:"withheld"`
	Respondents int      `json:"respondents"`
	Rank        int      `json:"rank"`
	RankOf      int      `json:"rank_of"`
	SNMedian    *float64 `json:"stat_neighbour_median"`
	SNKnown     int      `json:"stat_neighbours_known"`
}

type neighbour struct {
	OldCode string   `json:"old_la_code"`
	Code    string   `json:"org"`
	Name    string   `json:"name"`
	Value   *float64 `json:"value"`
}

type position struct {
	orgFigure
	Neighbours []neighbour `json:"neighbours"`
}

type metricBenchmark struct {
	Metric          metricDef   `json:"metric"`
	RegionValue     *float64    `json:"region_value"`
	RegionWithheld  string      `json:"region_withheld"`
	EnglandValue    *float64    `json:"england_value"`
	EnglandWithheld string      `json:"england_withheld"`
	Median          *float64    `json:"median"`
	P25             *float64    `json:"p25"`
	P75             *float64    `json:"p75"`
	Contributors    int         `json:"contributors"`
	Excluded        int         `json:"excluded"`
	Orgs            []orgFigure `json:"orgs"`
	Position        *position   `json:"position"`
}

type standardBenchmarks struct {
	Standard   int               `json:"standard"`
	Region     areaRef           `json:"region"`
	Period     string            `json:"period"`
	ComputedAt *time.Time        `json:"computed_at"`
	Metrics    []metricBenchmark `json:"metrics"`
}

type trendPoint struct {
	Period          string   `json:"period"`
	Value           *float64 `json:"value"`
	Reason          string   `json:"reason"`
	Withheld        string   `json:"withheld"`
	SNMedian        *float64 `json:"stat_neighbour_median"`
	RegionValue     *float64 `json:"region_value"`
	RegionWithheld  string   `json:"region_withheld"`
	Median          *float64 `json:"median"`
	P25             *float64 `json:"p25"`
	P75             *float64 `json:"p75"`
	Contributors    int      `json:"contributors"`
	EnglandValue    *float64 `json:"england_value"`
	EnglandWithheld string   `json:"england_withheld"`
}

type trend struct {
	Metric metricDef    `json:"metric"`
	Org    string       `json:"org"`
	Name   string       `json:"name"`
	Region areaRef      `json:"region"`
	Points []trendPoint `json:"points"`
}

type rowError struct {
	Row    int    `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// submissionStatus is a submission's status: its counts, and the first errors and warnings
// (the API lists them all at errors_url).
type submissionStatus struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Status       string     `json:"status"`
	ReceivedAt   time.Time  `json:"received_at"`
	Rows         int        `json:"rows"`
	Accepted     int        `json:"accepted"`
	Rejected     int        `json:"rejected"`
	ErrorCount   int        `json:"error_count"`
	WarningCount int        `json:"warning_count"`
	Errors       []rowError `json:"errors"`
	Warnings     []rowError `json:"warnings"`
}

// rowProblem is one line of a submission's errors list: an error of a refused row or a
// warning on a stored one.
type rowProblem struct {
	rowError
	Severity string `json:"severity"`
}

// errorsPage is a page of GET /v1/submissions/{id}/errors.
type errorsPage struct {
	ID         string       `json:"id"`
	Errors     []rowProblem `json:"errors"`
	NextCursor string       `json:"next_cursor"`
}

type submissionRef struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	StatusURL string `json:"status_url"`
	Rows      int    `json:"rows"`
	Repeat    bool   `json:"repeat"`
}

type allianceDef struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Members   []string  `json:"members"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// apiProblem is an RFC 9457 problem the API answered with.
type apiProblem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

func (p *apiProblem) Error() string {
	if p.Detail != "" {
		return fmt.Sprintf("%d %s", p.Status, p.Detail)
	}
	return fmt.Sprintf("%d %s", p.Status, p.Title)
}

// statusOf is the API's status behind err, or 0.
func statusOf(err error) int {
	var p *apiProblem
	if errors.As(err, &p) {
		return p.Status
	}
	return 0
}

// visit is one request of a signed-in person: what the dashboard asks the API on their behalf,
// with their own token, and how many calls that took.
type visit struct {
	app    *app
	person Person
	token  *oauth2.Token
	r      *http.Request

	calls   atomic.Int32
	apiTime atomic.Int64 // nanoseconds
	metrics sync.Once
	catalog []metricDef
	catErr  error
}

func (v *visit) ctx() context.Context { return v.r.Context() }

// call sends one request to the API as the person and decodes a JSON answer into out (when not
// nil); an answer that is not 2xx is an *apiProblem.
func (v *visit) call(method, path string, q url.Values, contentType string, body io.Reader, header http.Header, out any) error {
	_, err := v.answer(method, path, q, contentType, body, header, out)
	return err
}

// answer is call, and also returns when the API answered (its Date header): for an answer the
// API works out at each request, when its figures were computed.
func (v *visit) answer(method, path string, q url.Values, contentType string, body io.Reader, header http.Header, out any) (time.Time, error) {
	resp, err := v.do(method, path, q, contentType, body, header)
	if err != nil {
		return time.Time{}, err
	}
	defer resp.Body.Close()
	at, _ := http.ParseTime(resp.Header.Get("Date"))
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return at, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return at, fmt.Errorf("%s %s: decode: %w", method, path, err)
	}
	return at, nil
}

// raw asks for path with Accept: accept and returns the body as it came.
func (v *visit) raw(path string, q url.Values, accept string) ([]byte, error) {
	resp, err := v.do(http.MethodGet, path, q, "", nil, http.Header{"Accept": {accept}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

func (v *visit) do(method, path string, q url.Values, contentType string, body io.Reader, header http.Header) (*http.Response, error) {
	u := v.app.cfg.APIURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(v.ctx(), method, u, body)
		if err != nil {
			return nil, err
		}
		for k, vs := range header {
			req.Header[k] = vs
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+v.token.AccessToken)
		start := time.Now()
		resp, err := v.app.api.Do(req)
		v.calls.Add(1)
		v.apiTime.Add(int64(time.Since(start)))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		// A page makes many reads at once, all on the person's rate limit: wait as the API
		// asks, a few times, before giving up. Only a read can be sent again.
		if resp.StatusCode == http.StatusTooManyRequests && body == nil && attempt < 4 {
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			resp.Body.Close()
			select {
			case <-v.ctx().Done():
				return nil, v.ctx().Err()
			case <-time.After(time.Duration(min(max(wait, 1), 2)) * time.Second):
			}
			continue
		}
		if resp.StatusCode/100 != 2 {
			defer resp.Body.Close()
			p := &apiProblem{Status: resp.StatusCode}
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			_ = json.Unmarshal(b, p)
			p.Status = resp.StatusCode
			if p.Title == "" {
				p.Title = http.StatusText(resp.StatusCode)
			}
			return nil, p
		}
		return resp, nil
	}
}

func (v *visit) get(path string, q url.Values, out any) error {
	return v.call(http.MethodGet, path, q, "", nil, nil, out)
}

// metricCatalog is GET /v1/metrics, read once per visit. The catalogue is the same for every
// reader the API answers, so the dashboard keeps the last answer for a while.
func (v *visit) metricCatalog() ([]metricDef, error) {
	v.metrics.Do(func() {
		c := &v.app.catalog
		c.mu.Lock()
		if time.Since(c.read) < catalogTTL {
			v.catalog = c.metrics
		}
		c.mu.Unlock()
		if v.catalog != nil {
			return
		}
		var out struct {
			Metrics []metricDef `json:"metrics"`
		}
		if v.catErr = v.get("/v1/metrics", nil, &out); v.catErr == nil {
			c.mu.Lock()
			c.metrics, c.read = out.Metrics, time.Now()
			c.mu.Unlock()
		}
		v.catalog = out.Metrics
	})
	return v.catalog, v.catErr
}

// catalogTTL is how long the dashboard keeps the metric catalogue.
const catalogTTL = 10 * time.Minute

type catalogCache struct {
	mu      sync.Mutex
	read    time.Time
	metrics []metricDef
}

func (v *visit) metricsOf(std int) ([]metricDef, error) {
	all, err := v.metricCatalog()
	var out []metricDef
	for _, m := range all {
		if m.Standard == std {
			out = append(out, m)
		}
	}
	return out, err
}

func (v *visit) metric(id string) (metricDef, bool, error) {
	all, err := v.metricCatalog()
	for _, m := range all {
		if m.ID == id {
			return m, true, err
		}
	}
	return metricDef{}, false, err
}

// serverTiming tells the browser's developer tools how much of the page was the API's.
func (v *visit) serverTiming() string {
	return fmt.Sprintf(`api;desc="%d calls";dur=%.1f`, v.calls.Load(), float64(v.apiTime.Load())/1e6)
}

// maxPageRows is the most stored rows the API answers a page (kind.MaxPageRows): a page asks for
// them all at once, as the dashboard shows an organisation's rows on one page.
const maxPageRows = "10000"

// query builds url.Values from pairs, leaving out empty values.
func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.TrimSpace(kv[i+1]) != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}
