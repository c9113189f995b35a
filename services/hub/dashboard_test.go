package hub_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/poll"
)

// person is a browser without JavaScript: a cookie jar that follows redirects, signed in to the
// dashboard as a demo person through the development provider's real sign-in page.
type person struct {
	t      testing.TB
	client *http.Client
	base   string
}

// signIn opens the dashboard, is sent to the provider, picks the demo user and comes back
// through the callback, as a person in a browser does.
func (r *running) signIn(t testing.TB, user string) *person {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	p := &person{t: t, client: &http.Client{Jar: jar}, base: r.s.DashboardURL}
	code, body, final := p.get("/")
	if code != http.StatusOK || !strings.HasPrefix(final, r.s.Issuer+"/authorize") {
		t.Fatalf("opening the dashboard signed out: %d at %s, want the provider's sign-in page", code, final)
	}
	if !strings.Contains(body, `value="`+user+`"`) {
		t.Fatalf("the sign-in page does not offer %s", user)
	}
	code, body, final = p.getURL(final + "&user=" + url.QueryEscape(user))
	if code != http.StatusOK || final != r.s.DashboardURL+"/" {
		t.Fatalf("signing in as %s: %d at %s\n%.500s", user, code, final, body)
	}
	return p
}

func (p *person) get(path string) (int, string, string) {
	p.t.Helper()
	return p.getURL(p.base + path)
}

func (p *person) getURL(u string) (int, string, string) {
	p.t.Helper()
	resp, err := p.client.Get(u)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Request.URL.String()
}

func (p *person) post(path string, form url.Values, header ...string) (int, string) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitForBenchmarks waits until the benchmark service has computed the demo data's Standard 2
// and 8 periods, which it does in the background once ingest has stored them.
func (r *running) waitForBenchmarks(t testing.TB) {
	t.Helper()
	poll.Until(t, 2*time.Minute, func() error {
		for _, m := range []string{"vacancy_rate", "placement_days_completed", "practice_educators_per_100_fte", "audit_green_s8", "survey_agreement_s8"} {
			var tr struct {
				Points []any `json:"points"`
			}
			if code := r.do("demo-steward", "GET", "/v1/benchmarks/"+m+"/trend?region=E92000001", "", nil, &tr); code != http.StatusOK || len(tr.Points) == 0 {
				return fmt.Errorf("no England benchmarks for %s yet (%d)", m, code)
			}
		}
		return nil
	})
}

var otherOrigin = regexp.MustCompile(`(?i)(src|href|action)\s*=\s*"(https?:)?//`)

// TestDashboardSecurity: the sign-in is bound to the browser that started it, the session
// cookie cannot be used from another origin, pages carry a policy with no inline script and
// cannot be framed, a council's person sees only what the API lets its token see, and signing
// out ends the session.
func TestDashboardSecurity(t *testing.T) {
	r := startHub(t)
	r.waitForBenchmarks(t)
	council := r.signIn(t, "council")

	t.Run("headers", func(t *testing.T) {
		resp, err := council.client.Get(r.s.DashboardURL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("Content-Security-Policy allows inline script or style: %q", csp)
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("X-Frame-Options %q, want DENY", got)
		}
		u, _ := url.Parse(r.s.DashboardURL)
		for _, c := range council.client.Jar.Cookies(u) {
			if c.Name == "hub_session" && c.Value == "" {
				t.Error("empty session cookie")
			}
		}
	})

	t.Run("session cookie", func(t *testing.T) {
		// Sign in again by hand to see the Set-Cookie header itself.
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(r.s.DashboardURL + "/sign-in")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		set := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
		if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") {
			t.Errorf("session cookie %q: want HttpOnly and SameSite=Lax", set)
		}
		if strings.Contains(set, "Secure") {
			t.Errorf("session cookie %q is Secure over plain HTTP: browsers would drop it", set)
		}
	})

	t.Run("sign-in state", func(t *testing.T) {
		// A callback this browser did not start, or with another state, signs nobody in.
		jar, _ := cookiejar.New(nil)
		stranger := &person{t: t, client: &http.Client{Jar: jar}, base: r.s.DashboardURL}
		code, _, _ := stranger.get("/callback?code=made-up&state=made-up")
		if code != http.StatusBadRequest {
			t.Errorf("a callback nobody started: %d, want 400", code)
		}
		// Start a sign-in, then come back with the provider's code but another state.
		noFollow := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(r.s.DashboardURL + "/sign-in")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		auth, _ := resp.Location()
		if auth.Query().Get("code_challenge_method") != "S256" || auth.Query().Get("code_challenge") == "" {
			t.Fatalf("sign-in without PKCE S256: %s", auth)
		}
		resp, err = noFollow.Get(auth.String() + "&user=council")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, _ := resp.Location()
		q := back.Query()
		q.Set("state", "another-state-entirely")
		code, _, _ = stranger.getURL(r.s.DashboardURL + "/callback?" + q.Encode())
		if code != http.StatusBadRequest {
			t.Errorf("a callback with another state: %d, want 400", code)
		}
		if code, _, final := stranger.get("/"); !strings.HasPrefix(final, r.s.Issuer) {
			t.Errorf("after refused callbacks the stranger sees %s (%d), want the sign-in page", final, code)
		}
		// The code itself cannot be used from another browser either: its PKCE verifier stayed
		// in the session that asked for it.
		jar2, _ := cookiejar.New(nil)
		other := &person{t: t, client: &http.Client{Jar: jar2}, base: r.s.DashboardURL}
		if code, _, _ := other.getURL(back.String()); code != http.StatusBadRequest {
			t.Errorf("a code replayed in another browser: %d, want 400", code)
		}
	})

	t.Run("cross-origin form", func(t *testing.T) {
		code, _ := council.post("/sign-out", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if code != http.StatusForbidden {
			t.Errorf("sign-out posted from another origin: %d, want 403", code)
		}
		if code, _, final := council.get("/"); code != http.StatusOK || final != r.s.DashboardURL+"/" {
			t.Errorf("the cross-origin post ended the session: %d at %s", code, final)
		}
	})

	t.Run("another council by URL", func(t *testing.T) {
		for _, path := range []string{"/?org=E06000002", "/indicators/vacancy_rate?org=E06000002", "/standards/2?org=E06000002", "/partnerships?org=E06000002"} {
			code, body, _ := council.get(path)
			if code != http.StatusForbidden || !strings.Contains(body, "You cannot see these figures") {
				t.Errorf("%s as Hartlepool's person: %d, want 403 from the API", path, code)
			}
			if strings.Contains(body, "Middlesbrough") && !strings.Contains(body, "You cannot see") {
				t.Errorf("%s shows Middlesbrough's figures to Hartlepool", path)
			}
		}
		// Steward pages are the API's to refuse too.
		if code, _, _ := council.get("/access-trail"); code != http.StatusForbidden {
			t.Errorf("/access-trail as a council: %d, want 403", code)
		}
	})

	t.Run("period and when computed", func(t *testing.T) {
		for _, path := range []string{"/", "/indicators/vacancy_rate", "/standards/2", "/partnerships", "/health-check?year=2026", "/projections?demand=flat"} {
			_, body, _ := council.get(path)
			if !strings.Contains(body, ">Period</dt>") || !strings.Contains(body, ">Figures computed</dt>") {
				t.Errorf("%s does not say its period and when its figures were computed", path)
			}
		}
	})

	t.Run("no other origin", func(t *testing.T) {
		for _, path := range []string{"/", "/indicators/vacancy_rate", "/standards/2", "/standards/8", "/partnerships", "/health-check", "/submit"} {
			code, body, _ := council.get(path)
			if code != http.StatusOK {
				t.Errorf("%s: %d\n%.2000s", path, code, body)
				continue
			}
			if m := otherOrigin.FindString(body); m != "" {
				t.Errorf("%s references another origin: %s", path, m)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
				t.Errorf("%s has inline script or style", path)
			}
		}
	})

	t.Run("sign out", func(t *testing.T) {
		if code, body := council.post("/sign-out", nil); code != http.StatusOK || !strings.Contains(body, "You have signed out") {
			t.Fatalf("sign out: %d", code)
		}
		if _, _, final := council.get("/"); !strings.HasPrefix(final, r.s.Issuer+"/authorize") {
			t.Errorf("after signing out the dashboard shows %s, want the sign-in page", final)
		}
	})
}

// TestDashboardStewardPages: a steward creates an alliance, changes its members and deletes it
// through the dashboard's forms, and each change is the API's; a code the hub does not know is
// refused with the API's reason; the access trail's filters say what is wrong with a date; a
// council's person posting the same form gets the API's refusal.
func TestDashboardStewardPages(t *testing.T) {
	r := startHub(t)
	steward := r.signIn(t, "steward")
	members := func() []string {
		var a struct {
			Members []string `json:"members"`
		}
		if code := r.do("demo-steward", "GET", "/v1/alliances/tees-valley", "", nil, &a); code != http.StatusOK {
			return nil
		}
		return a.Members
	}

	code, body := steward.post("/alliances", url.Values{"id": {"tees-valley"}, "name": {"Tees Valley"}, "members": {"E06000001\nE06000002, e06000003"}})
	if code != http.StatusOK || !strings.Contains(body, "The alliance was saved") {
		t.Fatalf("create: %d", code)
	}
	if got := strings.Join(members(), ","); got != "E06000001,E06000002,E06000003" {
		t.Errorf("the API has members %s, want the three entered", got)
	}
	if code, _ := steward.post("/alliances/tees-valley", url.Values{"name": {"Tees Valley"}, "members": {"E06000004"}}); code != http.StatusOK {
		t.Fatalf("edit: %d", code)
	}
	if got := strings.Join(members(), ","); got != "E06000004" {
		t.Errorf("after the edit the API has members %s, want E06000004", got)
	}
	code, body = steward.post("/alliances/tees-valley", url.Values{"name": {"Tees Valley"}, "members": {"E99999999"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "There is a problem") || !strings.Contains(body, "E99999999") {
		t.Errorf("an unknown member: %d, want the API's refusal in the error summary", code)
	}
	code, body = steward.post("/alliances", url.Values{"id": {"Bad Id"}, "name": {""}, "members": {""}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Enter the alliance") || !strings.Contains(body, `href="#id"`) {
		t.Errorf("an empty form: %d, want every field's error", code)
	}
	if code, _ := steward.post("/alliances/tees-valley/delete", nil); code != http.StatusOK || members() != nil {
		t.Errorf("delete: %d, the API still has %v", code, members())
	}

	if code, body, _ := steward.get("/access-trail?from=31-03-2026"); code != http.StatusBadRequest || !strings.Contains(body, "year-month-day") {
		t.Errorf("a date the wrong way round: %d", code)
	}
	if code, body, _ := steward.get("/access-trail?outcome=refused"); code != http.StatusOK || !strings.Contains(body, "Requests to the hub API") {
		t.Errorf("access trail: %d", code)
	}

	council := r.signIn(t, "council")
	if code, body := council.post("/alliances", url.Values{"id": {"mine"}, "name": {"Mine"}, "members": {"E06000001"}}); code != http.StatusForbidden || !strings.Contains(body, "You cannot") {
		t.Errorf("a council creating an alliance: %d, want the API's 403", code)
	}
}
