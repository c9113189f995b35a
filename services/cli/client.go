package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/oauth2"
)

// hubClient calls the hub's API with a bearer token.
type hubClient struct {
	api  string
	http *http.Client
}

// answer is a successful answer: its body and content type.
type answer struct {
	status      int
	contentType string
	body        []byte
	header      http.Header
}

// problem is an RFC 9457 problem details body, as the hub answers every error.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
	} `json:"errors"`
}

// do sends a request and reads the whole answer; an answer other than 2xx is a refusal, told
// with the hub's problem details.
func (c *hubClient) do(req *http.Request) (answer, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return answer{}, exitWith(ExitRefused, "the OpenID provider refused the client credentials: %s %s", re.ErrorCode, re.ErrorDescription)
		}
		return answer{}, exitWith(ExitRefused, "the hub cannot be reached: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, exitWith(ExitRefused, "reading the hub's answer: %v", err)
	}
	if resp.StatusCode/100 != 2 {
		return answer{}, refusal(req, resp, b)
	}
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b, header: resp.Header}, nil
}

// refusal turns a 4xx or 5xx answer into an exit with what the hub said.
func refusal(req *http.Request, resp *http.Response, body []byte) error {
	var p problem
	msg := fmt.Sprintf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	if json.Unmarshal(body, &p) == nil && (p.Title != "" || p.Detail != "") {
		if p.Title != "" && p.Title != http.StatusText(resp.StatusCode) {
			msg += ": " + p.Title
		}
		if p.Detail != "" {
			msg += ": " + p.Detail
		}
		for i, e := range p.Errors {
			if i == 20 {
				msg += fmt.Sprintf("\n  … and %d more", len(p.Errors)-i)
				break
			}
			msg += "\n  " + strings.TrimSpace(e.Location+": "+e.Message)
		}
	} else if len(body) > 0 {
		msg += ": " + strings.TrimSpace(string(body[:min(len(body), 500)]))
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		msg += fmt.Sprintf(" (try again after %s s)", ra)
	}
	return exitWith(ExitRefused, "%s", msg)
}

func (c *hubClient) get(ctx context.Context, path, accept string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api+path, nil)
	if err != nil {
		return answer{}, exitWith(ExitUsage, "%v", err)
	}
	req.Header.Set("Accept", accept)
	return c.do(req)
}

// query writes params (name → value, empty values left out) as a query string.
func query(params map[string]string) string {
	v := url.Values{}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if params[k] != "" {
			v.Set(k, params[k])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// contract is the part of the hub's OpenAPI document hub-cli reads: which kinds it takes and
// where its tokens come from.
type contract struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			OpenIDConnectURL string `json:"openIdConnectUrl"`
			Flows            struct {
				ClientCredentials *struct {
					TokenURL string `json:"tokenUrl"`
				} `json:"clientCredentials"`
			} `json:"flows"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

func readContract(ctx context.Context, api string) (contract, error) {
	var doc contract
	err := getJSON(ctx, strings.TrimRight(api, "/")+"/openapi.json", &doc)
	return doc, err
}

// kinds lists the data kinds the hub takes: each POST /v1/{kind} of its contract that takes CSV.
func (doc contract) kinds() []string {
	var out []string
	for path, ops := range doc.Paths {
		kind, ok := strings.CutPrefix(path, "/v1/")
		if !ok || strings.Contains(kind, "/") || ops["post"] == nil {
			continue
		}
		var op struct {
			RequestBody struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"requestBody"`
		}
		if json.Unmarshal(ops["post"], &op) == nil && op.RequestBody.Content["text/csv"] != nil {
			out = append(out, kind)
		}
	}
	sort.Strings(out)
	return out
}
