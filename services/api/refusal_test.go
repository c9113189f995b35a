package api_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/services/api"
)

// rawPost sends a request as Python's http.client does: the headers and then the whole body,
// with no Expect: 100-continue, and only then reads the answer. It returns the answer, or the
// error the client met (a broken pipe or a reset while it was still sending the body).
//
// With expectContinue it sends Expect: 100-continue and waits for the hub's word before the
// body, as curl does for large bodies: refused, the body is never sent.
func rawPost(t *testing.T, base, path string, header http.Header, body []byte, expectContinue bool) (*http.Response, []byte, error) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", path, u.Host, len(body))
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	if expectContinue {
		head.WriteString("Expect: 100-continue\r\n")
	}
	head.WriteString("\r\n")
	if _, err := conn.Write(head.Bytes()); err != nil {
		return nil, nil, fmt.Errorf("sending the headers: %w", err)
	}
	if expectContinue {
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the answer to Expect: %w", err)
		}
		if resp.StatusCode != http.StatusContinue {
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return resp, b, err
		}
		t.Fatal("the hub asked for the body of a request it refuses")
	}
	// In pieces, as a client reading a file does; far more than the socket buffers hold.
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 64<<10)
		if _, err := conn.Write(rest[:n]); err != nil {
			return nil, nil, fmt.Errorf("sending the body, %d of %d bytes sent: %w", len(body)-len(rest), len(body), err)
		}
		rest = rest[n:]
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer's body: %w", err)
	}
	return resp, b, nil
}

// A large upload refused before its body is read — no token (401), the rate limit (429), a body
// over the upload limit (413) — is answered in a way every client can read: the hub reads (and
// drops) the rest of the body instead of closing the connection on a client still sending it,
// which then saw a broken pipe instead of the answer.
func TestEarlyRefusalsOfLargeUploadsAreReadable(t *testing.T) {
	limits := defaultLimits
	limits.MaxUploadBytes = 8 << 20
	e := newEnvWith(t, envOptions{limits: limits, rate: api.RateLimit{PerSecond: 0.001, Burst: 1}})
	csv := func(size int) []byte {
		var b bytes.Buffer
		b.WriteString("org,period,cases\n")
		for b.Len() < size {
			b.WriteString("E06000001,2025,1290\n")
		}
		return b.Bytes()
	}
	header := func(client string) http.Header {
		h := http.Header{"Content-Type": {"text/csv"}}
		if client != "" {
			h.Set("Authorization", "Bearer "+e.tokens[client])
		}
		return h
	}
	// demo-analyst's one request in the burst, so that its next one is over the limit.
	if resp, _ := e.do("GET", "/v1/metrics", "demo-analyst", "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("first request: %d", resp.StatusCode)
	}
	tests := []struct {
		name   string
		client string
		size   int
		status int
		detail string
	}{
		{"no token", "", 7 << 20, http.StatusUnauthorized, "a bearer token is required"},
		{"rate limit", "demo-analyst", 7 << 20, http.StatusTooManyRequests, "too many requests"},
		{"over the upload limit", "demo-council", 15 << 20, http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b, err := rawPost(t, e.url, "/v1/workforce-returns", header(tt.client), csv(tt.size), false)
			if err != nil {
				t.Fatalf("a client sending %d bytes did not get the answer: %v", tt.size, err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.detail) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("answer %d %s %s; want %d with %q", resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.status, tt.detail)
			}
			if tt.status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		})
	}
	t.Run("Expect: 100-continue", func(t *testing.T) {
		resp, b, err := rawPost(t, e.url, "/v1/workforce-returns", header(""), csv(7<<20), true)
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("answer %v %s, %v; want 401 before the body is sent", resp, b, err)
		}
	})
	t.Run("accepted after a refusal on the same connection", func(t *testing.T) {
		// The refused body was read to its end, so the connection serves the next request.
		tr := &http.Transport{MaxIdleConnsPerHost: 1}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		for i, client := range []string{"", "durham"} {
			body := csv(3 << 20)
			if i == 1 {
				body = []byte("org,period,cases\nE06000047,2025,1290\n")
			}
			req, _ := http.NewRequest("POST", e.url+"/v1/workforce-returns", bytes.NewReader(body))
			req.Header = header(client)
			reused := false
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(c httptrace.GotConnInfo) { reused = c.Reused }}))
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if want := []int{http.StatusUnauthorized, http.StatusAccepted}[i]; resp.StatusCode != want {
				t.Fatalf("request %d: %d, want %d", i, resp.StatusCode, want)
			}
			if i == 1 && !reused {
				t.Error("the connection of the refused request was not kept for the next one")
			}
		}
	})
}
