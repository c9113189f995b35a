package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/partnership-hub/hub/pkg/reference"
)

// DemoAlliance is the alliance the demo analyst's token names: the North East's councils.
const DemoAlliance = "north-east"

// putDemoAlliance makes the North East alliance through the API, as the demo steward.
func putDemoAlliance(ctx context.Context, s Started, log *slog.Logger) error {
	cc := clientcredentials.Config{ClientID: "demo-steward", ClientSecret: DemoSecret, TokenURL: s.Issuer + "/token"}
	client := cc.Client(ctx)
	client.Timeout = time.Minute
	orgs, err := reference.Organisations()
	if err != nil {
		return err
	}
	var members []string
	for _, o := range orgs {
		if o.Region == "E12000001" && o.Type == reference.TypeLocalAuthority {
			members = append(members, o.Code)
		}
	}
	body, err := json.Marshal(map[string]any{"name": "North East Social Work Alliance", "members": members})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.APIURL+"/v1/alliances/"+DemoAlliance, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	var a struct{ Members []string }
	if err := decode(resp, http.StatusOK, &a); err != nil {
		return fmt.Errorf("alliance %s: %w", DemoAlliance, err)
	}
	log.Info("demo alliance ready", "alliance", DemoAlliance, "members", len(a.Members))
	return nil
}
