package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStoredLogin(t *testing.T) {
	env := Env{ConfigDir: filepath.Join(t.TempDir(), "hub")}
	want := Login{API: "https://hub.example.org", TokenURL: "https://id.example.org/token", ClientID: "council", ClientSecret: "s3cret"}
	path, err := env.save(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := env.load()
	if err != nil || got != want {
		t.Fatalf("load: %+v, %v; want %+v", got, err, want)
	}
	t.Run("refused when others may read it", func(t *testing.T) {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := env.load()
		if e, ok := err.(*exitError); !ok || e.code != ExitUsage || !strings.Contains(e.msg, "chmod 600") {
			t.Errorf("load of a 0644 login: %v", err)
		}
	})
	t.Run("not logged in", func(t *testing.T) {
		_, err := Env{ConfigDir: t.TempDir()}.load()
		if e, ok := err.(*exitError); !ok || !strings.Contains(e.msg, "hub-cli login") {
			t.Errorf("load without a login: %v", err)
		}
	})
}

func TestFileKey(t *testing.T) {
	a := FileKey("workforce-returns", []byte("org,period\n"))
	for _, tc := range []struct {
		name, kind, body string
		same             bool
	}{
		{"same kind and content", "workforce-returns", "org,period\n", true},
		{"other content", "workforce-returns", "org,period\r\n", false},
		{"other kind", "placements", "org,period\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FileKey(tc.kind, []byte(tc.body)); (got == a) != tc.same || len(got) > 200 {
				t.Errorf("FileKey = %s beside %s", got, a)
			}
		})
	}
}

func TestJSONRowsToCSV(t *testing.T) {
	got, err := jsonRowsToCSV([]byte(`{"org":"E06000001","returns":[{"org":"E06000001","period":"2025","inpost_fte":152.3,"vacancy_fte":null,"reason":"=cmd"},{"org":"E06000001","period":"2024","cases":-4}]}`), "*")
	if err != nil {
		t.Fatal(err)
	}
	want := "org,period,inpost_fte,vacancy_fte,reason,cases\r\nE06000001,2025,152.3,,'=cmd,\r\nE06000001,2024,,,,-4\r\n"
	if string(got) != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--help"}, 0, "Exit codes"},
		{[]string{"submit"}, ExitUsage, "expected"},
		{[]string{"status", "x"}, ExitUsage, "hub-cli login"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(context.Background(), append([]string{"--config", t.TempDir()}, tc.args...), Env{Stdout: &out, Stderr: &errOut})
			if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.out) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s%s", code, tc.code, tc.out, out.String(), errOut.String())
			}
		})
	}
}
