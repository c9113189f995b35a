package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// DemoSecret is the secret of every demo client of the development OpenID provider.
const DemoSecret = "demo-secret"

// LoadDemo sends the DfE local-authority workforce figures 2017–2025 through the API as the
// demo steward, the way any client would, and waits until ingest has stored them.
func LoadDemo(ctx context.Context, s Started, log *slog.Logger) error {
	cc := clientcredentials.Config{ClientID: "demo-steward", ClientSecret: DemoSecret, TokenURL: s.Issuer + "/token"}
	client := cc.Client(ctx)
	client.Timeout = time.Minute
	if err := putDemoAlliance(ctx, client, s, log); err != nil {
		return err
	}

	f, err := reference.DfEWorkforce()
	if err != nil {
		return err
	}
	defer f.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.APIURL+"/v1/workforce-returns", f)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Idempotency-Key", "demo-dfe-csww-la-2017-2025")
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
		return err
	}
	log.Info("demo data submitted", "submission", ref.ID)

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
			log.Info("demo data stored", "submission", st.ID, "status", st.Status, "rows", st.Rows, "accepted", st.Accepted, "rejected", st.Rejected, "warnings", len(st.Warnings))
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
