package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// devOIDCOff tells whether a HUB_DEV_OIDC value leaves the development OpenID provider off.
func devOIDCOff(v string) bool { return v == "" || strings.EqualFold(v, "false") || v == "0" }

// Every image built from deploy/docker/Dockerfile turns the development OpenID provider off.
func TestImageDevOIDCOff(t *testing.T) {
	b, err := os.ReadFile("docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages := strings.Split(string(b), "\nFROM ")
	final := stages[len(stages)-1]
	if !strings.Contains(final, "\nENV HUB_DEV_OIDC=false\n") {
		t.Errorf("the final stage of the Dockerfile does not set ENV HUB_DEV_OIDC=false:\n%s", final)
	}
	if strings.Count(string(b), "HUB_DEV_OIDC=") != 1 {
		t.Error("the Dockerfile sets HUB_DEV_OIDC more than once")
	}
}

// No service of docker-compose.yml turns the development OpenID provider on, and the hub image
// runs only `hub migrate` there.
func TestComposeDevOIDCOff(t *testing.T) {
	c := loadCompose(t)
	for name, svc := range c.Services {
		if v := resolve(svc.Environment["HUB_DEV_OIDC"]); !devOIDCOff(v) {
			t.Errorf("%s: HUB_DEV_OIDC=%s", name, v)
		}
		if strings.Contains(svc.Image, "partnership-hub/hub:") && !slices.Equal(svc.Command, []string{"migrate"}) {
			t.Errorf("%s runs the hub image with %v: only migrate may run it", name, svc.Command)
		}
	}
}

// However the chart is configured (each values file), nothing it renders turns the development
// OpenID provider on, and the hub image runs only `hub migrate`.
func TestChartDevOIDCOff(t *testing.T) {
	bin := helm(t)
	for _, values := range []string{"", "values-single.yaml", "values-production.yaml"} {
		t.Run("values "+values, func(t *testing.T) {
			args := []string{"template", "hub", chartDir, "--kube-version", "1.30.0", "--set", "clickhouse.password=test"}
			if values != "" {
				args = append(args, "-f", filepath.Join(chartDir, values))
			}
			out := run(t, bin, args...)
			dec := yaml.NewDecoder(bytes.NewReader(out))
			for {
				var doc any
				err := dec.Decode(&doc)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				walkDevOIDC(t, doc)
			}
		})
	}
}

// walkDevOIDC looks through a rendered object for HUB_DEV_OIDC, as a ConfigMap key or a
// container's env entry, and for containers of the hub image.
func walkDevOIDC(t *testing.T, v any) {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v["HUB_DEV_OIDC"].(string); ok && !devOIDCOff(s) {
			t.Errorf("HUB_DEV_OIDC: %s", s)
		}
		if v["name"] == "HUB_DEV_OIDC" && !devOIDCOff(strings.TrimSpace(yamlString(v["value"]))) {
			t.Errorf("env HUB_DEV_OIDC=%v", v["value"])
		}
		if img, ok := v["image"].(string); ok && strings.Contains(img, "partnership-hub/hub:") {
			if args := yamlString(v["args"]); args != "[migrate]" {
				t.Errorf("a container runs the hub image %s with args %s: only migrate may run it", img, args)
			}
		}
		for _, x := range v {
			walkDevOIDC(t, x)
		}
	case []any:
		for _, x := range v {
			walkDevOIDC(t, x)
		}
	}
}

func yamlString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = yamlString(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
}
