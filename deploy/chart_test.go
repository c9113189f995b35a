package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/partnership-hub/hub/deploy"
	"github.com/partnership-hub/hub/services/api"
	"github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/dashboard"
	"github.com/partnership-hub/hub/services/ingest"
)

const chartDir = "../charts/partnership-hub"

// helm finds the helm binary: on PATH or where `go install` puts it. scripts/test.sh installs
// it and sets HUB_REQUIRE_HELM=1, so that `make test` never skips these tests.
func helm(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "helm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("HUB_REQUIRE_HELM") != "" {
		t.Fatal("helm not found and HUB_REQUIRE_HELM is set")
	}
	t.Skip("helm not found: `go install helm.sh/helm/v3/cmd/helm@v3.22.0` (make test does)")
	return ""
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var out, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, out.String(), stderr.String())
	}
	return out.Bytes()
}

// renderable returns a chart directory helm can template, and the extra arguments it needs.
// With the nats dependency downloaded (`helm dependency update`) that is the chart itself. Without
// it helm refuses to render at all, even with the dependency's condition false, so the test
// renders a copy whose Chart.yaml lists no dependency, with nats.enabled=false and an external
// NATS address: everything of the chart's own is still rendered and checked.
func renderable(t *testing.T) (string, []string) {
	t.Helper()
	if tgz, _ := filepath.Glob(filepath.Join(chartDir, "charts", "nats-*.tgz")); len(tgz) > 0 {
		t.Logf("rendering with the nats dependency %s", filepath.Base(tgz[0]))
		return chartDir, nil
	}
	t.Log("nats dependency not downloaded (helm dependency update): rendering without it, nats.enabled=false")
	dir := filepath.Join(t.TempDir(), "partnership-hub")
	if err := os.CopyFS(dir, os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	var chart map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &chart); err != nil {
		t.Fatal(err)
	}
	delete(chart, "dependencies")
	if b, err = yaml.Marshal(chart); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, []string{"--set", "nats.enabled=false", "--set", "hub.natsURL=nats://nats.messaging:4222"}
}

type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	SecurityContext struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
}

type container struct {
	Name            string `yaml:"name"`
	Image           string `yaml:"image"`
	SecurityContext struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	LivenessProbe  map[string]any `yaml:"livenessProbe"`
	ReadinessProbe map[string]any `yaml:"readinessProbe"`
	Env            []struct {
		Name string `yaml:"name"`
	} `yaml:"env"`
}

func parseManifests(t *testing.T, b []byte) []object {
	t.Helper()
	var objs []object
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("rendered manifests: %v", err)
		}
		if o.Kind != "" {
			objs = append(objs, o)
		}
	}
}

func TestChart(t *testing.T) {
	bin := helm(t)
	for _, values := range []string{"", "values-single.yaml", "values-production.yaml"} {
		args := []string{"lint", chartDir}
		if values != "" {
			args = append(args, "-f", filepath.Join(chartDir, values))
		}
		run(t, bin, args...)
	}
	dir, extra := renderable(t)
	cases := map[string][]string{
		"default":    {"--set", "clickhouse.password=test"},
		"single":     {"-f", filepath.Join(dir, "values-single.yaml"), "--set", "clickhouse.password=test"},
		"production": {"-f", filepath.Join(dir, "values-production.yaml")},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out := run(t, bin, append(append([]string{"template", "hub", dir, "--namespace", "hub", "--kube-version", "1.30.0"}, args...), extra...)...)
			checkManifests(t, name, parseManifests(t, out))
		})
	}
	// More than one benchmark pod would only repeat the work: the chart refuses.
	for _, set := range []string{"benchmark.replicas=2", "benchmark.autoscaling.enabled=true"} {
		args := append([]string{"template", "hub", dir, "--kube-version", "1.30.0", "--set", "clickhouse.password=test", "--set", set}, extra...)
		if out, err := exec.Command(bin, args...).CombinedOutput(); err == nil || !strings.Contains(string(out), "benchmark: run one replica") {
			t.Errorf("--set %s: rendered (err %v):\n%.300s", set, err, out)
		}
	}
}

func checkManifests(t *testing.T, name string, objs []object) {
	kinds := map[string][]string{}
	var config map[string]string
	for _, o := range objs {
		if o.Metadata.Labels["app.kubernetes.io/name"] != "partnership-hub" {
			continue // the nats dependency's own objects
		}
		kinds[o.Kind] = append(kinds[o.Kind], o.Metadata.Labels["app.kubernetes.io/component"])
		if o.Kind == "ConfigMap" {
			config = o.Data
		}
		if o.Kind != "Deployment" && o.Kind != "Job" {
			continue
		}
		pod := o.Spec.Template.Spec
		if len(pod.Containers) == 0 {
			t.Errorf("%s %s: no containers", o.Kind, o.Metadata.Name)
		}
		if o.Kind == "Job" && o.Metadata.Annotations["helm.sh/hook"] == "" {
			t.Errorf("job %s is not a Helm hook", o.Metadata.Name)
		}
		for _, c := range pod.Containers {
			where := o.Kind + " " + o.Metadata.Name + "/" + c.Name
			nonRoot := (c.SecurityContext.RunAsNonRoot != nil && *c.SecurityContext.RunAsNonRoot) ||
				(pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot)
			if !nonRoot || (pod.SecurityContext.RunAsUser != nil && *pod.SecurityContext.RunAsUser == 0) {
				t.Errorf("%s: may run as root", where)
			}
			if !c.SecurityContext.ReadOnlyRootFilesystem {
				t.Errorf("%s: root filesystem is writable", where)
			}
			if c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
				t.Errorf("%s: privilege escalation allowed", where)
			}
			if !slices.Contains(c.SecurityContext.Capabilities.Drop, "ALL") {
				t.Errorf("%s: capabilities not all dropped", where)
			}
			for _, k := range []string{"cpu", "memory"} {
				if c.Resources.Requests[k] == "" || c.Resources.Limits[k] == "" {
					t.Errorf("%s: no %s request and limit", where, k)
				}
			}
			if o.Kind == "Deployment" && (c.LivenessProbe == nil || c.ReadinessProbe == nil) {
				t.Errorf("%s: no liveness or readiness probe", where)
			}
			_, tag, ok := strings.Cut(c.Image[strings.LastIndex(c.Image, "/")+1:], ":")
			if !ok || tag == "" || tag == "latest" {
				t.Errorf("%s: image %q has no pinned tag", where, c.Image)
			}
			env := map[string]bool{}
			for k := range config {
				env[k] = true
			}
			for _, e := range c.Env {
				env[e.Name] = true
			}
			switch o.Metadata.Labels["app.kubernetes.io/component"] {
			case "api":
				requireSettings(t, where, env, deploy.Settings(api.RunConfig{}))
			case "benchmark":
				requireSettings(t, where, env, deploy.Settings(benchmark.RunConfig{}))
			case "dashboard":
				requireSettings(t, where, env, deploy.Settings(dashboard.Config{}))
			default:
				requireSettings(t, where, env, deploy.Settings(ingest.RunConfig{}))
			}
		}
		// Benchmark recomputes whole periods: one pod, never autoscaled.
		if o.Kind == "Deployment" && o.Metadata.Labels["app.kubernetes.io/component"] == "benchmark" &&
			(o.Spec.Replicas == nil || *o.Spec.Replicas != 1) {
			t.Errorf("benchmark Deployment: replicas %v, want 1", o.Spec.Replicas)
		}
	}
	if got := config["HUB_BENCHMARK_HEALTH_ADDR"]; got != "0.0.0.0:8082" {
		t.Errorf("HUB_BENCHMARK_HEALTH_ADDR %q, want 0.0.0.0:8082", got)
	}
	want := map[string][]string{
		"Deployment": {"api", "ingest", "benchmark", "dashboard"}, "Job": {"migrate"}, "Service": {"api", "ingest", "benchmark", "dashboard"},
		"NetworkPolicy": {"api", "ingest", "benchmark", "dashboard"}, "ConfigMap": {""},
	}
	if name != "single" {
		want["PodDisruptionBudget"] = []string{"api", "ingest"}
		want["HorizontalPodAutoscaler"] = []string{"api", "ingest"}
	}
	if name == "production" {
		want["ServiceMonitor"] = []string{"api", "ingest", "benchmark"}
	} else {
		want["Secret"] = []string{""}
	}
	for _, kind := range []string{"PodDisruptionBudget", "HorizontalPodAutoscaler"} {
		if slices.Contains(kinds[kind], "benchmark") {
			t.Errorf("a %s for benchmark, which runs one replica", kind)
		}
	}
	for kind, components := range want {
		for _, c := range components {
			if !slices.Contains(kinds[kind], c) {
				t.Errorf("no %s for %q (have %v)", kind, c, kinds[kind])
			}
		}
	}
}

// requireSettings checks that a container gets every setting without a usable default.
func requireSettings(t *testing.T, where string, env map[string]bool, settings []deploy.Setting) {
	t.Helper()
	for _, s := range settings {
		if deploy.NeedsSetting(s) && !env[s.Name] {
			t.Errorf("%s: %s is not set (default %q)", where, s.Name, s.Default)
		}
	}
}

// TestChartFilesCopied keeps renderable's copy honest: every file of the chart is in it.
func TestChartFilesCopied(t *testing.T) {
	n := 0
	err := fs.WalkDir(os.DirFS(chartDir), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil || n < 8 {
		t.Fatalf("chart %s: %d files, %v", chartDir, n, err)
	}
}
