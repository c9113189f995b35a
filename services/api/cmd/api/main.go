// Command api serves the Partnership Hub API on its own. Configuration comes from HUB_*
// environment variables (see README.md).
package main

import (
	"context"
	"log/slog"

	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/services/api"
)

func main() {
	lifecycle.Main("api", func(ctx context.Context, cfg api.RunConfig, log *slog.Logger) error {
		return api.Run(ctx, cfg, log, nil)
	})
}
