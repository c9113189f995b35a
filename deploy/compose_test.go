package deploy_test

import (
	"cmp"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/partnership-hub/hub/deploy"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/dashboard"
	"github.com/partnership-hub/hub/services/ingest"
)

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Restart  string   `yaml:"restart"`
	ReadOnly bool     `yaml:"read_only"`
	User     string   `yaml:"user"`
	CapDrop  []string `yaml:"cap_drop"`
	Volumes  []string `yaml:"volumes"`
	Tmpfs    []string `yaml:"tmpfs"`
}

// interpolation is compose's ${VAR}, ${VAR:-default} and ${VAR:?error}.
var interpolation = regexp.MustCompile(`\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}`)

// resolve fills variables as compose would with an empty environment: defaults are used, and a
// required variable becomes a placeholder.
func resolve(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		g := interpolation.FindStringSubmatch(m)
		switch g[2] {
		case ":-", "-":
			return g[3]
		case ":?", "?":
			return "<" + g[1] + ">"
		}
		return ""
	})
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// pinned is an image with an explicit version tag: not latest, not a bare name.
var pinned = regexp.MustCompile(`^[a-z0-9./_-]+:(v?[0-9]+\.[0-9]+[A-Za-z0-9._-]*)(@sha256:[0-9a-f]{64})?$`)

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"nats", "clickhouse", "keycloak", "migrate", "api", "ingest", "benchmark", "dashboard"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			if s.Image == "" && s.Build == nil {
				t.Error("neither image nor build")
			}
			if img := resolve(s.Image); img != "" && (!pinned.MatchString(img) || strings.Contains(img, ":latest")) {
				t.Errorf("image %q is not pinned to a version", img)
			}
			oneShot := s.Restart == "no"
			if !oneShot && (s.Healthcheck == nil || len(s.Healthcheck.Test) == 0) {
				t.Error("a long-running service without a health check")
			}
			for dep, d := range s.DependsOn {
				if _, ok := c.Services[dep]; !ok {
					t.Errorf("depends on unknown service %s", dep)
				}
				if d.Condition == "" || d.Condition == "service_started" {
					t.Errorf("depends on %s without waiting for it to be healthy or done", dep)
				}
			}
			for _, v := range s.Volumes {
				src, _, _ := strings.Cut(v, ":")
				if strings.HasPrefix(src, "./") {
					if _, err := os.Stat("../" + src); err != nil {
						t.Errorf("mounts %s: %v", src, err)
					}
				}
			}
		})
	}
}

func TestComposeStartOrder(t *testing.T) {
	c := loadCompose(t)
	want := map[string]map[string]string{
		"migrate":   {"clickhouse": "service_healthy"},
		"api":       {"migrate": "service_completed_successfully", "nats": "service_healthy", "keycloak": "service_healthy"},
		"ingest":    {"migrate": "service_completed_successfully", "nats": "service_healthy"},
		"benchmark": {"migrate": "service_completed_successfully", "nats": "service_healthy"},
		"dashboard": {"api": "service_healthy", "keycloak": "service_healthy"},
	}
	for svc, deps := range want {
		for dep, cond := range deps {
			if got := c.Services[svc].DependsOn[dep].Condition; got != cond {
				t.Errorf("%s depends on %s with %q, want %q", svc, dep, got, cond)
			}
		}
	}
	if cmd := c.Services["migrate"].Command; !slices.Equal(cmd, []string{"migrate"}) {
		t.Errorf("migrate runs %v, want [migrate]", cmd)
	}
	for _, svc := range []string{"migrate", "api", "ingest", "benchmark", "dashboard"} {
		s := c.Services[svc]
		if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") || s.User == "" || strings.HasPrefix(s.User, "0") {
			t.Errorf("%s: want a read-only, non-root container with every capability dropped", svc)
		}
	}
}

// TestComposeSettings checks that each hub service is given every setting it reads that has no
// usable default in a container, and nothing it does not read. The lists come from the services'
// configuration types, so a new setting breaks this test until compose sets it.
func TestComposeSettings(t *testing.T) {
	c := loadCompose(t)
	reads := map[string][]deploy.Setting{
		"api":       deploy.Settings(api.RunConfig{}),
		"ingest":    deploy.Settings(ingest.RunConfig{}),
		"benchmark": deploy.Settings(benchmark.RunConfig{}),
		"migrate":   deploy.Settings(config.Common{}), // hub migrate reads only the ClickHouse and log settings
		"dashboard": deploy.Settings(dashboard.Config{}),
	}
	// Beyond the loopback defaults: what a deployment must decide for itself.
	always := []string{"HUB_CLICKHOUSE_DATABASE", "HUB_CLICKHOUSE_USER", "HUB_CLICKHOUSE_PASSWORD",
		"HUB_OIDC_AUDIENCE", "HUB_OIDC_CLAIM_ORG", "HUB_OIDC_CLAIM_ROLES", "HUB_OIDC_CLAIM_ALLIANCES"}
	for svc, settings := range reads {
		env := c.Services[svc].Environment
		known := map[string]bool{}
		for _, s := range settings {
			known[s.Name] = true
			if (deploy.NeedsSetting(s) || slices.Contains(always, s.Name)) && resolve(env[s.Name]) == "" {
				t.Errorf("%s: %s is not set (default %q)", svc, s.Name, s.Default)
			}
			if v := resolve(env[s.Name]); strings.Contains(v, "127.0.0.1") && !strings.HasSuffix(s.Name, "_ADDR") {
				t.Errorf("%s: %s=%s points at the container itself", svc, s.Name, v)
			}
		}
		for name := range env {
			if strings.HasPrefix(name, "HUB_") && !known[name] {
				t.Errorf("%s: sets %s, which it does not read", svc, name)
			}
		}
	}
	// The API sets a large upload's chunks aside in TMPDIR; its root file system is read-only.
	if api := c.Services["api"]; !slices.ContainsFunc(api.Tmpfs, func(m string) bool { return strings.HasPrefix(m, "/tmp:") }) {
		t.Errorf("api: no tmpfs at /tmp (tmpfs %v)", api.Tmpfs)
	}
	if got := c.Services["api"].Environment["HUB_HTTP_ADDR"]; got != "0.0.0.0:8080" {
		t.Errorf("api listens on %q, want 0.0.0.0:8080 inside its container", got)
	}
	if got := c.Services["ingest"].Environment["HUB_INGEST_HEALTH_ADDR"]; got != "0.0.0.0:8081" {
		t.Errorf("ingest health on %q, want 0.0.0.0:8081 inside its container", got)
	}
	if got := c.Services["benchmark"].Environment["HUB_BENCHMARK_HEALTH_ADDR"]; got != "0.0.0.0:8082" {
		t.Errorf("benchmark health on %q, want 0.0.0.0:8082 inside its container", got)
	}
	if got := c.Services["dashboard"].Environment["HUB_DASHBOARD_API_URL"]; got != "http://api:8080" {
		t.Errorf("dashboard reads the API at %q, want http://api:8080", got)
	}
	if got := resolve(c.Services["dashboard"].Environment["HUB_OIDC_ISSUER"]); got != resolve(c.Services["api"].Environment["HUB_OIDC_ISSUER"]) {
		t.Errorf("dashboard signs people in at %q, the API verifies tokens of %q", got, resolve(c.Services["api"].Environment["HUB_OIDC_ISSUER"]))
	}
	if hc := c.Services["benchmark"].Healthcheck; hc == nil || !slices.Equal(hc.Test, []string{"CMD", "/usr/local/bin/service", "healthcheck", "http://127.0.0.1:8082/readyz"}) {
		t.Errorf("benchmark health check %v, want the binary's healthcheck of /readyz on 8082", hc)
	}
}

// TestSettingsFollowTheCode guards the reflection itself: it must find settings in embedded
// structs and under envPrefix.
func TestSettingsFollowTheCode(t *testing.T) {
	for svc, c := range map[string]struct {
		cfg  any
		want []string
	}{
		"ingest":    {ingest.RunConfig{}, []string{"HUB_NATS_URL", "HUB_CLICKHOUSE_PASSWORD", "HUB_INGEST_WORKERS", "HUB_INGEST_HEALTH_ADDR"}},
		"benchmark": {benchmark.RunConfig{}, []string{"HUB_NATS_URL", "HUB_CLICKHOUSE_PASSWORD", "HUB_BENCHMARK_BATCH_MESSAGES", "HUB_BENCHMARK_HEALTH_ADDR"}},
	} {
		var names []string
		for _, s := range deploy.Settings(c.cfg) {
			names = append(names, s.Name)
		}
		for _, want := range c.want {
			if !slices.Contains(names, want) {
				t.Errorf("%s settings %v lack %s", svc, names, want)
			}
		}
	}
}

// TestKeycloakDashboardClient checks that the realm compose imports lets people sign in to the
// dashboard as the development provider does: a public client with PKCE S256 sent back to the
// dashboard's callback, and tokens carrying the hub's audience and claims.
func TestKeycloakDashboardClient(t *testing.T) {
	b, err := os.ReadFile("keycloak/partnership-hub-realm.json")
	if err != nil {
		t.Fatal(err)
	}
	var realm struct {
		Clients []struct {
			ClientID     string            `json:"clientId"`
			Scopes       []string          `json:"defaultClientScopes"`
			Optional     []string          `json:"optionalClientScopes"`
			Public       bool              `json:"publicClient"`
			Standard     bool              `json:"standardFlowEnabled"`
			RedirectURIs []string          `json:"redirectUris"`
			Attributes   map[string]string `json:"attributes"`
			Mappers      []struct {
				Name   string            `json:"name"`
				Config map[string]string `json:"config"`
			} `json:"protocolMappers"`
		} `json:"clients"`
	}
	if err := json.Unmarshal(b, &realm); err != nil {
		t.Fatal(err)
	}
	for _, c := range realm.Clients {
		if c.ClientID != "hub-dashboard" {
			continue
		}
		if !c.Public || !c.Standard || c.Attributes["pkce.code.challenge.method"] != "S256" {
			t.Errorf("hub-dashboard: public %v, code flow %v, PKCE %q: want a public client with the code flow and S256", c.Public, c.Standard, c.Attributes["pkce.code.challenge.method"])
		}
		if !slices.Contains(c.RedirectURIs, "http://localhost:3000/callback") {
			t.Errorf("hub-dashboard redirects %v lack http://localhost:3000/callback", c.RedirectURIs)
		}
		claims := map[string]bool{}
		for _, m := range c.Mappers {
			claims[cmp.Or(m.Config["claim.name"], m.Config["included.custom.audience"])] = true
		}
		for _, want := range []string{"partnership-hub", "roles", "org", "alliances"} {
			if !claims[want] {
				t.Errorf("hub-dashboard tokens lack %s", want)
			}
		}
		// Keycloak refuses a sign-in that asks for a scope the client lacks (invalid_scope): every
		// scope the dashboard asks for by default is the client's, offline_access (its refresh
		// token) included.
		var dash dashboard.Config
		if err := config.Defaults(&dash); err != nil {
			t.Fatal(err)
		}
		for _, sc := range dash.Scopes {
			if sc != "openid" && !slices.Contains(c.Scopes, sc) && !slices.Contains(c.Optional, sc) {
				t.Errorf("the dashboard asks for scope %s, which hub-dashboard has neither as a default (%v) nor as an optional scope (%v)", sc, c.Scopes, c.Optional)
			}
		}
		return
	}
	t.Error("the realm has no hub-dashboard client")
}

// TestDockerfileBuildsDashboardAssets checks that the images embed the dashboard's assets: built
// from the lockfile in a Node stage and copied where the Go build embeds them.
func TestDockerfileBuildsDashboardAssets(t *testing.T) {
	b, err := os.ReadFile("docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"AS assets", "npm ci", "npm run build", "package-lock.json",
		"COPY --from=assets /src/services/dashboard/web/static/dist/ services/dashboard/web/static/dist/"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
