// Command benchmark runs the Partnership Hub benchmark service on its own: it recomputes the
// benchmark tables as returns are stored. Configuration comes from HUB_* environment variables
// (see README.md).
package main

import (
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/services/benchmark"
)

func main() {
	lifecycle.Main("benchmark", benchmark.Run)
}
