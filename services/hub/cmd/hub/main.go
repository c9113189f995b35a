// Command hub runs Partnership Hub.
//
//	hub [run]    every service in one process, with embedded NATS and the development OpenID provider
//	hub migrate  create the ClickHouse database, apply migrations, load reference data
//	hub rebuild  recompute every benchmark from the stored returns
//	hub openapi  print the OpenAPI document
//	hub backtest print the projection backtest on the DfE workforce figures (the README's table)
//	hub schemas DIR  write the JSON Schemas of the data kinds into DIR (made if missing)
//	hub --version    print the release and commit it was built from
//	hub healthcheck URL  exit 0 when URL answers 200 (the container health check)
//
// Configuration comes from HUB_* environment variables (see README.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
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
		if err := os.MkdirAll(args[1], 0o755); err != nil {
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
	var b strings.Builder
	fmt.Fprintf(&b, `
Partnership Hub is running. Press Ctrl-C to stop.

  Dashboard        %s
  API              %[2]s   (docs: %[2]s/docs, OpenAPI: %[2]s/openapi.json)
  OpenID provider  %[3]s
  NATS JetStream   %[4]s
  ClickHouse       %[5]s
`, dashboardLine(s), s.APIURL, providerLine(s), s.NATSURL, s.ClickHouse)
	if len(s.DemoClients) > 0 {
		b.WriteString(demoClients(s.DemoClients))
		c := s.DemoClients[0]
		for _, d := range s.DemoClients {
			if d.Org != "" {
				c = d
				break
			}
		}
		fmt.Fprintf(&b, `
  TOKEN=$(curl -s -u %s:%s -d grant_type=client_credentials %s/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  curl -s -H "Authorization: Bearer $TOKEN" '%s/v1/workforce-returns?period=2025'
`, c.ID, c.Secret, s.Issuer, s.APIURL)
	}
	b.WriteString("\n")
	return b.String()
}

func dashboardLine(s hub.Started) string {
	if s.DashboardURL == "" {
		return "off (HUB_DASHBOARD_ADDR is empty)"
	}
	if len(s.DemoUsers) == 0 {
		return s.DashboardURL
	}
	names := make([]string, len(s.DemoUsers))
	for i, u := range s.DemoUsers {
		names[i] = u.Username
	}
	return fmt.Sprintf("%s   (sign in as a demo person: %s)", s.DashboardURL, strings.Join(names, ", "))
}

func providerLine(s hub.Started) string {
	if len(s.DemoClients) == 0 {
		return s.Issuer + "   (HUB_OIDC_ISSUER: the development provider is off)"
	}
	return fmt.Sprintf("%[1]s   (development provider; token endpoint: %[1]s/token)", s.Issuer)
}

// demoClients lists the development provider's demo clients with their secret, roles and the
// organisation or alliances in their tokens, named from the reference data where it knows them.
func demoClients(clients []devoidc.Client) string {
	names := map[string]string{}
	if orgs, err := reference.Organisations(); err == nil {
		for _, o := range orgs {
			names[o.Code] = o.Name
		}
	}
	width := 0
	for _, c := range clients {
		width = max(width, len(c.ID))
	}
	var b strings.Builder
	b.WriteString("\n  Demo clients (OAuth2 client credentials):\n")
	for _, c := range clients {
		what := strings.Join(c.Roles, ", ")
		if c.Org != "" {
			what += " for " + strings.TrimSpace(c.Org+" "+names[c.Org])
		}
		if len(c.Alliances) > 0 {
			what += ", alliances " + strings.Join(c.Alliances, ", ")
		}
		fmt.Fprintf(&b, "    %-*s  secret %s  %s\n", width, c.ID, c.Secret, what)
	}
	return b.String()
}
