// Package version holds the release and commit a binary was built from. Both are set at build
// time with -ldflags, as the Dockerfiles and `make build` do:
//
//	go build -ldflags "-X github.com/partnership-hub/hub/pkg/version.Version=1.2.0 -X github.com/partnership-hub/hub/pkg/version.Commit=$(git rev-parse --short HEAD)"
package version

import (
	"fmt"
	"runtime"
)

// Set with -ldflags -X; a plain `go build` leaves the defaults.
var (
	Version = "dev"
	Commit  = "unknown"
)

// String is what `--version` prints: name, release, commit and Go version.
func String(name string) string {
	return fmt.Sprintf("%s %s (commit %s, %s)", name, Version, Commit, runtime.Version())
}

// Requested reports whether the command line asks only for the version.
func Requested(args []string) bool {
	return len(args) == 1 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version")
}
