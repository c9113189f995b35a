package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/services/hub"
)

// browser starts headless Chromium for a test, as a closed network needs it: no background
// networking, no component updates, no sync, a fresh profile. Without Chromium the test is
// skipped, unless HUB_REQUIRE_BROWSER is set (make test sets it and installs Chromium).
func browser(t *testing.T) context.Context {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromiumOptions(t)...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// chromiumOptions finds Debian's Chromium (or HUB_CHROMIUM) and gives the flags a closed network
// needs; it skips the test without Chromium unless HUB_REQUIRE_BROWSER is set.
func chromiumOptions(t *testing.T) []chromedp.ExecAllocatorOption {
	t.Helper()
	path := os.Getenv("HUB_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("HUB_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed (apt-get install chromium)")
		}
		t.Skip("chromium is not installed")
	}
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1024),
	}
}

// requests records every URL the page asks for.
type requests struct {
	mu   sync.Mutex
	urls []string
	auth map[string]string // URL → Authorization header sent
}

func (rq *requests) listen(t *testing.T, ctx context.Context) {
	rq.auth = map[string]string{}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			rq.mu.Lock()
			defer rq.mu.Unlock()
			rq.urls = append(rq.urls, e.Request.URL)
			if a, ok := e.Request.Headers["Authorization"].(string); ok {
				rq.auth[e.Request.URL] = a
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// foreign lists the requests to another origin than the hub's.
func (rq *requests) foreign(hubURL string) []string {
	rq.mu.Lock()
	defer rq.mu.Unlock()
	own, _ := url.Parse(hubURL)
	var out []string
	for _, raw := range rq.urls {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "data" || u.Scheme == "blob" {
			continue
		}
		if u.Scheme != own.Scheme || u.Host != own.Host {
			out = append(out, raw)
		}
	}
	return out
}

// TestDocsWorkOffline opens /docs in Chromium: the reference renders every operation of the
// hub's OpenAPI document with nothing loaded from another origin, and "Try it out" with a
// bearer token calls the hub and shows its answer.
func TestDocsWorkOffline(t *testing.T) {
	ctx := browser(t)
	r := startHubWith(t, func(cfg *hub.Config, _ chstore.Config) { cfg.Demo = false })

	// The operations the contract has.
	resp, err := http.Get(r.s.APIURL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, ops := range doc.Paths {
		for _, op := range ops {
			if op.OperationID != "" {
				want = append(want, op.OperationID)
			}
		}
	}
	slices.Sort(want)
	if len(want) < 10 {
		t.Fatalf("the document has only %d operations", len(want))
	}

	var rq requests
	rq.listen(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(r.s.APIURL+"/docs"), chromedp.WaitVisible(chromedp.CSS(".opblock"))); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('.opblock .opblock-summary-operation-id')].map(e => e.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(shown)
	shown = slices.Compact(shown)
	if !slices.Equal(shown, want) {
		t.Errorf("the reference shows the operations\n%v\nwant every operation of the document\n%v", shown, want)
	}
	if f := rq.foreign(r.s.APIURL); len(f) > 0 {
		t.Errorf("the reference asked another origin for %v", f)
	}

	t.Run("try it out", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: "demo-analyst", ClientSecret: hub.DemoSecret, TokenURL: r.s.Issuer + "/token"}
		tok, err := cc.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		op := `[id$="-list-metrics"]`
		if err := chromedp.Do(ctx,
			// Authorize with the bearer token, as a person pasting it would.
			chromedp.Click(chromedp.CSS(`.auth-wrapper .authorize`)),
			chromedp.WaitVisible(chromedp.CSS(`.modal-ux input`)),
			// The bearer scheme's box, beside the OAuth2 flows'.
			chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.modal-ux .auth-container')]
				.find(c => c.querySelector('h4').textContent.trim().startsWith('bearer')).id = 'bearer-box'`),
			chromedp.SendKeys(chromedp.CSS(`#bearer-box input`), tok.AccessToken),
			chromedp.Click(chromedp.CSS(`#bearer-box .auth-btn-wrapper .authorize`)),
			chromedp.Click(chromedp.CSS(`.modal-ux .btn-done`)),
			chromedp.WaitNotPresent(chromedp.CSS(`.modal-ux`)),
			// Open the metrics catalogue, try it out, execute.
			chromedp.Click(chromedp.CSS(op+` .opblock-summary`)),
			chromedp.Click(chromedp.CSS(op+` .try-out__btn`)),
			chromedp.Click(chromedp.CSS(op+` .execute`)),
			chromedp.WaitVisible(chromedp.CSS(op+` .live-responses-table tbody .response-col_status`)),
		); err != nil {
			t.Fatal(err)
		}
		status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(op+` .live-responses-table tbody .response-col_status`)))
		if err != nil {
			t.Fatal(err)
		}
		body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(op+` .live-responses-table tbody .response-col_description`)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(status) != "200" || !strings.Contains(body, "vacancy_rate") {
			t.Errorf("try it out answered %q: %.300s", status, body)
		}
		rq.mu.Lock()
		sent := rq.auth[r.s.APIURL+"/v1/metrics"]
		rq.mu.Unlock()
		if sent != "Bearer "+tok.AccessToken {
			t.Errorf("try it out sent Authorization %q to %s/v1/metrics, want the bearer token", sent, r.s.APIURL)
		}
		if f := rq.foreign(r.s.APIURL); len(f) > 0 {
			t.Errorf("the reference asked another origin for %v", f)
		}
	})
}
