package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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
	// The chart itself, as it is: no dependency to download, plain helm.
	dir := chartDir
	cases := map[string][]string{
		"default":    {"--set", "clickhouse.password=test"},
		"single":     {"-f", filepath.Join(dir, "values-single.yaml"), "--set", "clickhouse.password=test"},
		"production": {"-f", filepath.Join(dir, "values-production.yaml")},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out := run(t, bin, append([]string{"template", "hub", dir, "--namespace", "hub", "--kube-version", "1.30.0"}, args...)...)
			objs := parseManifests(t, out)
			checkManifests(t, name, objs)
			config := configOf(objs)
			if got := config["HUB_NATS_URL"]; got != "nats://nats:4222" {
				t.Errorf("HUB_NATS_URL %q, want nats://nats:4222 (the NATS release of nats-values.yaml)", got)
			}
			if got, want := config["HUB_CLICKHOUSE_CLUSTER"], map[string]string{"production": "hub"}[name]; got != want {
				t.Errorf("HUB_CLICKHOUSE_CLUSTER %q, want %q", got, want)
			}
		})
	}
	// The command that failed while the NATS chart was a dependency: plain helm, defaults only.
	t.Run("offline, as in the issue", func(t *testing.T) {
		out := run(t, bin, "template", chartDir, "--set", "nats.enabled=false")
		if len(parseManifests(t, out)) == 0 {
			t.Error("helm template rendered nothing")
		}
	})
	// More than one benchmark pod would only repeat the work: the chart refuses.
	for _, set := range []string{"benchmark.replicas=2", "benchmark.autoscaling.enabled=true"} {
		args := []string{"template", "hub", dir, "--kube-version", "1.30.0", "--set", "clickhouse.password=test", "--set", set}
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

// configOf returns the data of the hub's ConfigMap.
func configOf(objs []object) map[string]string {
	for _, o := range objs {
		if o.Kind == "ConfigMap" && o.Metadata.Labels["app.kubernetes.io/name"] == "partnership-hub" {
			return o.Data
		}
	}
	return nil
}

// TestChartWithNATS checks the in-one-release path: charts/partnership-hub-with-nats depends on
// this chart and on the official NATS chart with the very values of nats-values.yaml (the values
// of the NATS release of the default path), and renders the hub pointed at that NATS. The NATS
// chart cannot be downloaded here, so the test renders a copy without that dependency (the hub
// chart, a file:// dependency, is built from the working tree): the NATS chart's own objects are
// not rendered.
func TestChartWithNATS(t *testing.T) {
	bin := helm(t)
	const umbrella = "../charts/partnership-hub-with-nats"
	run(t, bin, "lint", umbrella)

	var chart struct {
		Dependencies []struct{ Name, Version, Repository string } `yaml:"dependencies"`
	}
	readYAML(t, filepath.Join(umbrella, "Chart.yaml"), &chart)
	deps := map[string]string{}
	for _, d := range chart.Dependencies {
		deps[d.Name] = d.Repository
	}
	if deps["partnership-hub"] != "file://../partnership-hub" || deps["nats"] != "https://nats-io.github.io/k8s/helm/charts/" {
		t.Errorf("dependencies %v, want partnership-hub from file://../partnership-hub and the official nats chart", deps)
	}
	var values map[string]any
	var standalone map[string]any
	readYAML(t, filepath.Join(umbrella, "values.yaml"), &values)
	readYAML(t, filepath.Join(chartDir, "nats-values.yaml"), &standalone)
	if !reflect.DeepEqual(values["nats"], standalone) {
		t.Errorf("the NATS values of partnership-hub-with-nats differ from nats-values.yaml:\n%v\n%v", values["nats"], standalone)
	}
	if standalone["fullnameOverride"] != "nats" {
		t.Errorf("nats-values.yaml names the NATS Service %v, want nats (the hub's default hub.natsURL)", standalone["fullnameOverride"])
	}

	dir := filepath.Join(t.TempDir(), "partnership-hub-with-nats")
	if err := os.CopyFS(dir, os.DirFS(umbrella)); err != nil {
		t.Fatal(err)
	}
	hubChart, err := filepath.Abs(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	offline := "apiVersion: v2\nname: partnership-hub-with-nats\nversion: 0.1.0\ndependencies:\n" +
		"  - {name: partnership-hub, version: 0.1.0, repository: \"file://" + hubChart + "\"}\n"
	if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte(offline), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, bin, "dependency", "build", dir)
	out := run(t, bin, "template", "hub", dir, "--namespace", "hub", "--kube-version", "1.30.0", "--set", "partnership-hub.clickhouse.password=test")
	objs := parseManifests(t, out)
	checkManifests(t, "default", objs)
	if got := configOf(objs)["HUB_NATS_URL"]; got != "nats://nats:4222" {
		t.Errorf("HUB_NATS_URL %q, want nats://nats:4222, the Service of the NATS dependency", got)
	}
}

// TestClickHouseInstallation checks the replicated ClickHouse example against the production
// values: the cluster the migrations are laid out on, the Service the hub connects to, one shard
// of three replicas, and Keeper for the replicated tables.
func TestClickHouseInstallation(t *testing.T) {
	b, err := os.ReadFile("clickhouse/installation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var chi, chk map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		switch doc["kind"] {
		case "ClickHouseInstallation":
			chi = doc
		case "ClickHouseKeeperInstallation":
			chk = doc
		}
	}
	if chi == nil || chk == nil {
		t.Fatal("installation.yaml wants a ClickHouseKeeperInstallation and a ClickHouseInstallation")
	}
	var prod struct {
		ClickHouse struct{ Addr, Cluster string } `yaml:"clickhouse"`
	}
	readYAML(t, filepath.Join(chartDir, "values-production.yaml"), &prod)
	name := dig(chi, "metadata", "name")
	ns := dig(chi, "metadata", "namespace")
	if want := fmt.Sprintf("clickhouse-%v.%v.svc:9000", name, ns); prod.ClickHouse.Addr != want {
		t.Errorf("values-production.yaml clickhouse.addr %q, want the installation's Service %s", prod.ClickHouse.Addr, want)
	}
	cluster := dig(chi, "spec", "configuration", "clusters").([]any)[0].(map[string]any)
	if cluster["name"] != prod.ClickHouse.Cluster || prod.ClickHouse.Cluster == "" {
		t.Errorf("the installation's cluster %v, values-production.yaml clickhouse.cluster %q: want the same", cluster["name"], prod.ClickHouse.Cluster)
	}
	layout := cluster["layout"].(map[string]any)
	if layout["shardsCount"] != 1 || layout["replicasCount"] != 3 {
		t.Errorf("layout %v, want one shard of three replicas (the hub does not shard)", layout)
	}
	keeper := dig(chi, "spec", "configuration", "zookeeper", "nodes").([]any)[0].(map[string]any)
	if want := fmt.Sprintf("keeper-%v.%v.svc", dig(chk, "metadata", "name"), dig(chk, "metadata", "namespace")); keeper["host"] != want {
		t.Errorf("Keeper host %v, want the keeper installation's Service %s", keeper["host"], want)
	}
}

// dig walks nested YAML maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestChartFiles checks that the chart is where the tests look.
func TestChartFiles(t *testing.T) {
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
