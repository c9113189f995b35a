// Command hub runs Partnership Hub.
//
//	hub [run]    every service in one process, with embedded NATS and the development OpenID provider
//	hub migrate  create the ClickHouse database, apply migrations, load reference data
//	hub rebuild  recompute every benchmark from the stored returns
//	hub openapi  print the OpenAPI document
//	hub backtest print the projection backtest on the DfE workforce figures (the README's table)
//	hub schemas DIR  write the JSON Schemas of the data kinds into DIR
//	hub --version    print the release and commit it was built from
//	hub healthcheck URL  exit 0 when URL answers 200 (the container health check)
//
// Configuration comes from HUB_* environment variables (see README.md).
package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/version"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/hub"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if version.Requested(args) {
		fmt.Println(version.String("hub"))
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := "run"
	if len(args) > 0 {
		cmd = args[0]
	}
	if cmd == "healthcheck" && len(args) == 2 {
		return lifecycle.Probe(args[1])
	}
	if cmd == "openapi" {
		b, err := api.OpenAPIDocument()
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(b)
		return err
	}
	if cmd == "backtest" {
		rows, _, err := projection.DfEBacktest()
		if err != nil {
			return err
		}
		_, err = fmt.Print(projection.Markdown(rows))
		return err
	}
	if cmd == "schemas" && len(args) == 2 {
		docs, err := api.SchemaDocuments()
		if err != nil {
			return err
		}
		for name, b := range docs {
			if err := os.WriteFile(filepath.Join(args[1], name), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	cfg, log, err := lifecycle.Start[hub.Config]("hub")
	if err != nil {
		return err
	}
	switch cmd {
	case "migrate":
		return hub.Migrate(ctx, cfg.API.ClickHouse(), log)
	case "rebuild":
		return benchmark.Rebuild(ctx, cfg.API.ClickHouse(), log)
	case "run":
		return hub.Run(ctx, cfg, log, func(s hub.Started) { fmt.Fprint(os.Stderr, banner(s)) })
	}
	return fmt.Errorf("unknown command %q: want run, migrate, rebuild, openapi, backtest or schemas DIR", cmd)
}

func banner(s hub.Started) string {
	return fmt.Sprintf(`
Partnership Hub is running. Press Ctrl-C to stop.

  Dashboard        %[5]s   (sign in as a demo person: steward, council, analyst, university, trust, survey)
  API              %[1]s   (docs: %[1]s/docs, OpenAPI: %[1]s/openapi.json)
  OpenID provider  %[2]s   (token endpoint: %[2]s/token)
  NATS JetStream   %[3]s
  ClickHouse       %[4]s

  Demo clients (secret demo-secret): demo-steward, demo-council (Hartlepool E06000001), demo-analyst

  TOKEN=$(curl -s -u demo-council:demo-secret -d grant_type=client_credentials %[2]s/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  curl -s -H "Authorization: Bearer $TOKEN" '%[1]s/v1/workforce-returns?period=2025'

`, s.APIURL, s.Issuer, s.NATSURL, s.ClickHouse, cmp.Or(s.DashboardURL, "off (HUB_DASHBOARD_ADDR is empty)"))
}
