package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerStep is one instruction of the Dockerfile's Go build stage.
type dockerStep struct {
	op   string // ENV, COPY, RUN, WORKDIR, ARG
	args string
}

// buildStage reads the instructions of the stage that builds the Go binary (FROM golang…), with
// continuation lines joined.
func buildStage(t *testing.T) []dockerStep {
	t.Helper()
	b, err := os.ReadFile("docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var (
		steps   []dockerStep
		inStage bool
	)
	joined := strings.ReplaceAll(string(b), "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, args, _ := strings.Cut(line, " ")
		if op == "FROM" {
			inStage = strings.HasPrefix(args, "golang:")
			continue
		}
		if inStage {
			steps = append(steps, dockerStep{op, strings.TrimSpace(args)})
		}
	}
	if len(steps) == 0 {
		t.Fatal("docker/Dockerfile has no FROM golang:… stage")
	}
	return steps
}

var (
	mountFlag = regexp.MustCompile(`--mount=\S+\s*`)
	buildArg  = regexp.MustCompile(`\$\{(SERVICE|VERSION|COMMIT)\}`)
)

// Every image builds: the Go build stage of deploy/docker/Dockerfile is played here for every
// SERVICE, with its own COPY lines into an empty directory, its ENV (GOWORK=off: each module
// alone, through its replace directives) and its RUN commands, so that a module that needs a
// go.sum line, or a go.mod the stage does not copy before `go mod download`, fails here rather
// than on the first `docker build` (there is no Docker engine on the build machines). The
// stage's COPY --from lines take what the Node stages build from the work tree, where
// scripts/test.sh builds it first (the docs UI, the dashboard's assets).
func TestImageBuildStage(t *testing.T) {
	steps := buildStage(t)
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// Every service an image can be built for: the stage builds services/$SERVICE/cmd/$SERVICE.
	mains, err := filepath.Glob(filepath.Join(repo, "services", "*", "cmd", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var services []string
	for _, m := range mains {
		if name := filepath.Base(m); name == filepath.Base(filepath.Dir(filepath.Dir(m))) {
			services = append(services, name)
		}
	}
	if len(services) < 4 {
		t.Fatalf("found only the services %v", services)
	}
	for _, service := range services {
		t.Run(service, func(t *testing.T) {
			src := t.TempDir()
			out := filepath.Join(t.TempDir(), "out") + "/"
			env := append(os.Environ(), "SERVICE="+service, "VERSION=test", "COMMIT=test", "GOWORK=")
			expand := func(s string) string {
				s = buildArg.ReplaceAllStringFunc(s, func(m string) string {
					return map[string]string{"${SERVICE}": service, "${VERSION}": "test", "${COMMIT}": "test"}[m]
				})
				return strings.ReplaceAll(s, "/out/", out)
			}
			for _, st := range steps {
				args := expand(st.args)
				switch st.op {
				case "ENV":
					for _, kv := range strings.Fields(args) {
						env = append(env, kv)
					}
				case "COPY":
					f := strings.Fields(args)
					from := f[:len(f)-1]
					if strings.HasPrefix(f[0], "--from=") {
						from = []string{strings.TrimPrefix(f[1], "/src/")}
						if _, err := os.Stat(filepath.Join(repo, from[0])); err != nil {
							t.Fatalf("COPY %s: the work tree has no %s: build it as scripts/test.sh does", args, from[0])
						}
					}
					for _, p := range from {
						copyPath(t, filepath.Join(repo, p), filepath.Join(src, f[len(f)-1]), strings.HasSuffix(f[len(f)-1], "/"))
					}
				case "RUN":
					cmd := exec.Command("bash", "-c", mountFlag.ReplaceAllString(args, ""))
					cmd.Dir, cmd.Env = src, env
					if b, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("RUN %s\n%s\n%v", args, b, err)
					}
				case "ARG", "WORKDIR":
				default:
					t.Fatalf("the test does not know the instruction %s %s: teach it", st.op, st.args)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "service")); err != nil {
				t.Fatalf("the stage built no /out/service: %v", err)
			}
		})
	}
}

// copyPath copies a file or a directory tree as COPY does: into dst when dst ends in "/".
func copyPath(t *testing.T, from, dst string, intoDir bool) {
	t.Helper()
	info, err := os.Stat(from)
	if err != nil {
		t.Fatalf("COPY %s: %v", from, err)
	}
	if !info.IsDir() {
		if intoDir {
			dst = filepath.Join(dst, filepath.Base(from))
		}
		copyFile(t, from, dst)
		return
	}
	err = filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if strings.Contains(rel, "node_modules") || strings.HasSuffix(rel, "_test.go") || strings.HasSuffix(rel, ".test") {
			return nil // never in the build context (.dockerignore)
		}
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
