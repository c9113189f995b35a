package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/submission"
)

// DemoSecret is the secret of every demo client of the development OpenID provider.
const DemoSecret = "demo-secret"

// LoadDemo puts the demo alliance, then sends every registered kind's demo data (kinds.All, in
// order; each kind's Demo says what it is) through the API as the demo client each upload names,
// the way any client would: the DfE local-authority workforce figures 2017–2025 as the demo
// steward, say, or the demo university's own placements. It waits until ingest has stored each.
func LoadDemo(ctx context.Context, s Started, log *slog.Logger) error {
	if err := putDemoAlliance(ctx, s, log); err != nil {
		return err
	}
	for _, k := range kinds.All {
		uploads, err := k.Uploads()
		if err != nil {
			return fmt.Errorf("%s demo: %w", k.About().Name, err)
		}
		for _, u := range uploads {
			if err := submitDemo(ctx, s, log, u.Client, k.About().Docs.Path, u.Key, bytes.NewReader(u.Body)); err != nil {
				return err
			}
		}
	}
	return nil
}

// submitDemo posts a CSV body as a demo client and polls its status until ingest is done.
func submitDemo(ctx context.Context, s Started, log *slog.Logger, clientID, path, key string, body io.Reader) error {
	cc := clientcredentials.Config{ClientID: clientID, ClientSecret: DemoSecret, TokenURL: s.Issuer + "/token"}
	client := cc.Client(ctx)
	client.Timeout = time.Minute

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.APIURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	var ref struct {
		ID        string `json:"id"`
		StatusURL string `json:"status_url"`
	}
	err = decode(resp, http.StatusAccepted, &ref)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	log.Info("demo data submitted", "path", path, "submission", ref.ID)

	for {
		resp, err := client.Get(s.APIURL + ref.StatusURL)
		if err != nil {
			return err
		}
		var st submission.Status
		if err := decode(resp, http.StatusOK, &st); err != nil {
			return err
		}
		if st.Status != submission.StatusPending {
			log.Info("demo data stored", "path", path, "submission", st.ID, "status", st.Status, "rows", st.Rows, "accepted", st.Accepted, "rejected", st.Rejected, "warnings", len(st.Warnings))
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func decode(resp *http.Response, want int, v any) error {
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
