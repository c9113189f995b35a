// Command dashboard serves the Partnership Hub dashboard on its own: the web front end that
// signs people in and reads every figure through the hub API with their own token.
// Configuration comes from HUB_* environment variables (see README.md).
package main

import (
	"context"
	"log/slog"

	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/services/dashboard"
)

func main() {
	lifecycle.Main("dashboard", func(ctx context.Context, cfg dashboard.Config, log *slog.Logger) error {
		return dashboard.Run(ctx, cfg, log)
	})
}
