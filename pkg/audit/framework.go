package audit

import (
	"embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"sync"
)

// The audit framework, embedded: the eight standards, their items in each version, and how the
// items of one version map to the next. Titles are the hub's own short wording.
//
//go:embed framework/*.csv
var frameworkFiles embed.FS

// Standard is one of the eight standards.
type Standard struct {
	Number int    `json:"standard"`
	Title  string `json:"title"`
}

// Item is one item of a standard in one version of the framework. Its id (S2.1: standard 2,
// item 1) is stable: an item whose id is in two versions is the same item.
type Item struct {
	Version  string `json:"version"`
	ID       string `json:"item"`
	Standard int    `json:"standard"`
	Title    string `json:"title"`
}

// Version is a version of the framework and the first audit cycle that uses it.
type Version struct {
	Version     string `json:"version"`
	FirstCycle  int    `json:"first_cycle"`
	Description string `json:"description"`
}

// Mapping says that an item of one version became (all or part of) an item of another. Items
// whose id is in both versions and that are not listed map to themselves.
type Mapping struct {
	FromVersion string `json:"from_version"`
	FromItem    string `json:"from_item"`
	ToVersion   string `json:"to_version"`
	ToItem      string `json:"to_item"`
	Note        string `json:"note"`
}

// Framework is the whole reference: standards, versions, items and mappings.
type Framework struct {
	Standards []Standard
	Versions  []Version // by first cycle
	Items     []Item
	Mappings  []Mapping
	items     map[[2]string]Item // by version and id
}

var loadFramework = sync.OnceValues(func() (*Framework, error) {
	f := &Framework{items: map[[2]string]Item{}}
	recs, err := readFrameworkCSV("standards.csv", 2)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		n, err := strconv.Atoi(r[0])
		if err != nil {
			return nil, fmt.Errorf("standards.csv: %w", err)
		}
		f.Standards = append(f.Standards, Standard{Number: n, Title: r[1]})
	}
	if recs, err = readFrameworkCSV("versions.csv", 3); err != nil {
		return nil, err
	}
	for _, r := range recs {
		c, err := strconv.Atoi(r[1])
		if err != nil {
			return nil, fmt.Errorf("versions.csv: %w", err)
		}
		f.Versions = append(f.Versions, Version{Version: r[0], FirstCycle: c, Description: r[2]})
	}
	sort.Slice(f.Versions, func(i, j int) bool { return f.Versions[i].FirstCycle < f.Versions[j].FirstCycle })
	if recs, err = readFrameworkCSV("items.csv", 4); err != nil {
		return nil, err
	}
	for _, r := range recs {
		s, err := strconv.Atoi(r[2])
		if err != nil || s < 1 || s > len(f.Standards) {
			return nil, fmt.Errorf("items.csv: item %s: standard %q", r[1], r[2])
		}
		it := Item{Version: r[0], ID: r[1], Standard: s, Title: r[3]}
		f.Items = append(f.Items, it)
		f.items[[2]string{it.Version, it.ID}] = it
	}
	if recs, err = readFrameworkCSV("item_map.csv", 5); err != nil {
		return nil, err
	}
	for _, r := range recs {
		m := Mapping{FromVersion: r[0], FromItem: r[1], ToVersion: r[2], ToItem: r[3], Note: r[4]}
		if _, ok := f.items[[2]string{m.FromVersion, m.FromItem}]; !ok {
			return nil, fmt.Errorf("item_map.csv: no item %s in version %s", m.FromItem, m.FromVersion)
		}
		if _, ok := f.items[[2]string{m.ToVersion, m.ToItem}]; !ok {
			return nil, fmt.Errorf("item_map.csv: no item %s in version %s", m.ToItem, m.ToVersion)
		}
		f.Mappings = append(f.Mappings, m)
	}
	return f, nil
})

// LoadFramework returns the embedded framework, read once.
func LoadFramework() (*Framework, error) { return loadFramework() }

func readFrameworkCSV(name string, cols int) ([][]string, error) {
	fh, err := frameworkFiles.Open("framework/" + name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	cr := csv.NewReader(fh)
	cr.FieldsPerRecord = cols
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return recs[1:], nil
}

// VersionFor returns the framework version an audit cycle uses: the latest whose first cycle is
// not after it.
func (f *Framework) VersionFor(cycle int) (Version, bool) {
	var v Version
	ok := false
	for _, x := range f.Versions {
		if x.FirstCycle <= cycle {
			v, ok = x, true
		}
	}
	return v, ok
}

// Item returns an item of a version.
func (f *Framework) Item(version, id string) (Item, bool) {
	it, ok := f.items[[2]string{version, id}]
	return it, ok
}

// ItemsOf returns a version's items.
func (f *Framework) ItemsOf(version string) []Item {
	var out []Item
	for _, it := range f.Items {
		if it.Version == version {
			out = append(out, it)
		}
	}
	return out
}
