// Package cli is hub-cli, the command-line client for the systems and people that send data to
// Partnership Hub and read it back: log in once with the client credentials the hub's OpenID
// provider issued, submit a CSV or JSON file and follow it until every row is checked, read
// benchmarks, trends, open data and stored rows.
//
// Its exit codes are for schedulers: 0 accepted, 1 partially accepted, 2 rejected, 3 refused by
// the hub or the hub (or its OpenID provider) unreachable, 4 still pending (status without
// --wait), 64 a command line that cannot be read.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

// Exit codes.
const (
	ExitAccepted          = 0
	ExitPartiallyAccepted = 1
	ExitRejected          = 2
	ExitRefused           = 3 // refused by the hub (4xx, 5xx) or unreachable
	ExitPending           = 4
	ExitUsage             = 64
)

// Env is what a command reads and writes besides its arguments.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// ConfigDir holds the stored login; empty: the user's configuration directory.
	ConfigDir string
	// Progress shows progress bars on Stderr; Main turns it on when Stderr is a terminal.
	Progress bool
}

// app is the command line.
type app struct {
	Config string `help:"Directory of the stored login (default: your configuration directory, partnership-hub/)" type:"path" env:"HUB_CLI_CONFIG_DIR"`

	Login  loginCmd  `cmd:"" help:"Store the client credentials the hub's OpenID provider gave your system, after checking them."`
	Submit submitCmd `cmd:"" help:"Submit a CSV or JSON file and follow it until every row is checked."`
	Status statusCmd `cmd:"" help:"Show a submission's outcome, and with --wait follow it to the end."`
	Get    getCmd    `cmd:"" help:"Read benchmarks, trends, open data or stored rows as CSV or JSON."`
}

// run is what every command does with the shared state.
type run struct {
	ctx context.Context
	env Env
}

// Main runs hub-cli with args (without the program name) and returns its exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	var a app
	exited := -1
	parser, err := kong.New(&a,
		kong.Name("hub-cli"),
		kong.Description("Send data to Partnership Hub and read it back. Exit codes: 0 accepted, 1 partially accepted, 2 rejected, 3 refused or unreachable, 4 still pending."),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(code int) { exited = code }),
		kong.UsageOnError(),
	)
	if err != nil {
		fmt.Fprintln(env.Stderr, "hub-cli:", err)
		return ExitUsage
	}
	kctx, err := parser.Parse(args)
	if exited >= 0 {
		// --help: kong has written the help.
		return exited
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "hub-cli:", err)
		return ExitUsage
	}
	if a.Config != "" {
		env.ConfigDir = a.Config
	}
	r := &run{ctx: ctx, env: env}
	err = kctx.Run(r)
	var c *exitError
	switch {
	case errors.As(err, &c):
		if c.msg != "" {
			fmt.Fprintln(env.Stderr, "hub-cli:", c.msg)
		}
		return c.code
	case err != nil:
		fmt.Fprintln(env.Stderr, "hub-cli:", err)
		return ExitRefused
	}
	return ExitAccepted
}

// exitError ends a command with an exit code other than 0, and says why unless msg is empty.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitWith(code int, format string, a ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}
