// Command hub-cli sends data to Partnership Hub and reads it back (see package cli).
//
//	hub-cli login --api URL --client-id ID     store client credentials (secret on standard input)
//	hub-cli submit KIND FILE                    submit CSV or JSON and follow it to the end
//	hub-cli status ID [--wait]                  a submission's outcome
//	hub-cli get benchmarks|trend|rows …         read tables as CSV or JSON
//
// Exit codes: 0 accepted, 1 partially accepted, 2 rejected, 3 refused or unreachable, 4 pending.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/partnership-hub/hub/pkg/version"
	"github.com/partnership-hub/hub/services/cli"
)

func main() {
	if version.Requested(os.Args[1:]) {
		fmt.Println(version.String("hub-cli"))
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Progress: term.IsTerminal(int(os.Stderr.Fd()))})
	stop()
	os.Exit(code)
}
