package lifecycle

import (
	"fmt"
	"net/http"
	"time"
)

// Probe asks url (a /healthz or /readyz endpoint) once and reports whether it answered 200. It
// is the `healthcheck URL` command of every binary: the images have no shell, curl or wget for
// a container health check to call.
func Probe(url string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// probeRequested reports whether the command line is `healthcheck URL`, and the URL.
func probeRequested(args []string) (string, bool) {
	if len(args) == 2 && args[0] == "healthcheck" {
		return args[1], true
	}
	return "", false
}
