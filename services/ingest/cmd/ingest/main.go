// Command ingest runs the Partnership Hub ingest service on its own: it stores what the API
// queues. Configuration comes from HUB_* environment variables (see README.md).
package main

import (
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/services/ingest"
)

func main() {
	lifecycle.Main("ingest", ingest.Run)
}
