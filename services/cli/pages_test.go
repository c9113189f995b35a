package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestReadPages follows a list of stored rows over its pages, as the hub answers them (limit=,
// next_cursor), and gives every row in one body.
func TestReadPages(t *testing.T) {
	pages := map[string]string{
		"":   `{"org":"E06000001","returns":[{"period":"2023"},{"period":"2024"}],"next_cursor":"p2"}`,
		"p2": `{"org":"E06000001","returns":[{"period":"2025"}]}`,
	}
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pages[r.URL.Query().Get("cursor")]))
	}))
	defer srv.Close()
	ans, err := readPages(t.Context(), &hubClient{api: srv.URL, http: srv.Client()}, "/v1/workforce-returns", map[string]string{"period": ""})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Org        string              `json:"org"`
		Returns    []map[string]string `json:"returns"`
		NextCursor *string             `json:"next_cursor"`
	}
	if err := json.Unmarshal(ans.body, &got); err != nil || got.Org != "E06000001" || len(got.Returns) != 3 || got.Returns[2]["period"] != "2025" || got.NextCursor != nil {
		t.Errorf("%s (%v)", ans.body, err)
	}
	if len(asked) != 2 || asked[0] != "limit=10000" || asked[1] != "cursor=p2&limit=10000" {
		t.Errorf("asked %q", asked)
	}
}
