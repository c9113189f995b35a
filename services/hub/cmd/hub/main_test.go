package main

import (
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/services/hub"
)

// The banner of `make demo` names every demo client and every demo person of the development
// provider, from its own lists: one added there appears without a change here.
func TestBannerListsEveryDemoClientAndPerson(t *testing.T) {
	clients := append(devoidc.DemoClients(), devoidc.Client{ID: "demo-newcomer", Secret: "s3", Org: "E06000047", Roles: []string{"submitter"}})
	users := append(devoidc.DemoUsers(), devoidc.User{Username: "newcomer", Name: "New Comer"})
	s := hub.Started{APIURL: "http://127.0.0.1:8080", Issuer: "http://127.0.0.1:5556", NATSURL: "nats://127.0.0.1:4222",
		ClickHouse: "127.0.0.1:19000", DashboardURL: "http://127.0.0.1:3000", DemoClients: clients, DemoUsers: users}
	got := banner(s)
	if len(devoidc.DemoClients()) < 6 || len(devoidc.DemoUsers()) < 6 {
		t.Fatalf("the demo has %d clients and %d people, want at least six of each", len(devoidc.DemoClients()), len(devoidc.DemoUsers()))
	}
	for _, c := range clients {
		line := ""
		for _, l := range strings.Split(got, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), c.ID+" ") {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, "secret "+c.Secret) || !strings.Contains(line, c.Roles[0]) || !strings.Contains(line, c.Org) {
			t.Errorf("banner line for %s = %q; want its secret, role and organisation\n%s", c.ID, line, got)
		}
	}
	for _, u := range users {
		if !strings.Contains(got, u.Username) {
			t.Errorf("banner does not offer the demo person %s\n%s", u.Username, got)
		}
	}
	for _, want := range []string{"E06000001 Hartlepool", "10007799 Newcastle University", "alliances north-east", "curl -s -u demo-council:demo-secret"} {
		if !strings.Contains(got, want) {
			t.Errorf("banner lacks %q\n%s", want, got)
		}
	}
}

// Without the development provider there are no demo clients to offer.
func TestBannerWithoutTheDevelopmentProvider(t *testing.T) {
	got := banner(hub.Started{APIURL: "http://127.0.0.1:8080", Issuer: "https://login.example.org", DashboardURL: "http://127.0.0.1:3000"})
	if strings.Contains(got, "demo-secret") || strings.Contains(got, "Demo clients") || !strings.Contains(got, "https://login.example.org") {
		t.Errorf("banner without the development provider:\n%s", got)
	}
}
