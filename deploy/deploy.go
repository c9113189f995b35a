// Package deploy checks what runs the hub: docker-compose.yml at the repository root and the
// Helm chart in charts/partnership-hub. Its tests read the settings each service takes from the
// services' own configuration types, so a new setting that compose or the chart must give
// breaks them.
package deploy

import (
	"reflect"
	"strings"

	"github.com/partnership-hub/hub/pkg/config"
)

// Setting is one HUB_* variable a service reads.
type Setting struct {
	Name    string // HUB_…
	Default string
	HasDef  bool
}

// Settings lists the variables a configuration struct (one config.Parse fills) reads, following
// nested structs and their envPrefix as caarlos0/env does.
func Settings(cfg any) []Setting {
	var out []Setting
	walk(reflect.TypeOf(cfg), config.Prefix, &out)
	return out
}

func walk(t reflect.Type, prefix string, out *[]Setting) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, ok := f.Tag.Lookup("env")
		name, _, _ = strings.Cut(name, ",")
		if ok && name != "" && name != "-" {
			def, has := f.Tag.Lookup("envDefault")
			*out = append(*out, Setting{Name: prefix + name, Default: def, HasDef: has})
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() != "time" {
			walk(ft, prefix+f.Tag.Get("envPrefix"), out)
		}
	}
}

// NeedsSetting reports whether a deployment must set s: it has no default, or its default only
// makes sense on a developer's machine (a loopback address).
func NeedsSetting(s Setting) bool {
	return !s.HasDef || strings.Contains(s.Default, "127.0.0.1") || strings.Contains(s.Default, "localhost")
}
