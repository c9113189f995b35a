package chstore

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The placeholders a migration writes where a single server and a cluster differ (see the package
// comment). Schema.Render fills them, and nothing else may.
const (
	// OnCluster follows the name in every CREATE, DROP, ALTER, RENAME or TRUNCATE of a table or
	// view: "CREATE TABLE IF NOT EXISTS regions ${ON_CLUSTER} (...)".
	OnCluster = "${ON_CLUSTER}"
	// Replicated comes right before every MergeTree-family engine:
	// "ENGINE = ${REPLICATED}ReplacingMergeTree(version)".
	Replicated = "${REPLICATED}"
)

// ReplicaPath and ReplicaName are the Keeper path and replica name of every replicated table. The
// macros are the server's: {uuid} is the table's own (one per CREATE, the same on every replica of
// an ON CLUSTER query, so a table dropped and created again never meets its old replicas; it needs
// the Atomic database engine, the default since ClickHouse 20.10), {shard} and {replica} come from
// each server's <macros> (the ClickHouse operators set them).
const (
	ReplicaPath = "/clickhouse/tables/{uuid}/{shard}"
	ReplicaName = "{replica}"
)

// ErrInvalidCluster is returned for a cluster name that cannot be put into DDL safely.
var ErrInvalidCluster = errors.New("invalid cluster name")

// ErrPlaceholders is returned for a migration statement that leaves out a placeholder it needs,
// or that holds one it cannot.
var ErrPlaceholders = errors.New("migration placeholders")

// Schema says how the hub's tables are laid out: on one server (the zero value), or replicated on
// every node of the named cluster (HUB_CLICKHOUSE_CLUSTER), one shard, as many replicas as nodes.
type Schema struct {
	Cluster string // the cluster of the servers' <remote_servers>, e.g. "hub" or the macro "{cluster}"; "" for one server
}

// clusterName is what a cluster may be called: letters, digits, _ . - and, for a macro, { }.
var clusterName = regexp.MustCompile(`^[A-Za-z0-9_.{}-]+$`)

// ValidateCluster reports whether s.Cluster can be spliced into DDL.
func (s Schema) ValidateCluster() error {
	if s.Cluster != "" && !clusterName.MatchString(s.Cluster) {
		return fmt.Errorf("%w: %q (want letters, digits, _ . - { })", ErrInvalidCluster, s.Cluster)
	}
	return nil
}

// onCluster is what OnCluster becomes.
func (s Schema) onCluster() string {
	if s.Cluster == "" {
		return ""
	}
	return "ON CLUSTER '" + s.Cluster + "'"
}

var (
	// ddlStatement matches a statement that changes a table or view, the ones that need OnCluster.
	ddlStatement = regexp.MustCompile(`(?is)^\s*(?:--[^\n]*\n\s*)*(CREATE|DROP|ALTER|RENAME|TRUNCATE|ATTACH|DETACH)\b`)
	// mergeTreeEngine matches an engine of the MergeTree family, with the placeholder before it if
	// there is one, and its arguments if it has any.
	mergeTreeEngine = regexp.MustCompile(`(?i)(\$\{REPLICATED\})?\b(\w*MergeTree)\b(\s*\(([^)]*)\))?`)
	// anyEngine matches every ENGINE clause, to find engines that are not of the MergeTree family.
	anyEngine = regexp.MustCompile(`(?i)\bENGINE\s*=\s*(\$\{REPLICATED\})?(\w+)`)
	// placeholder matches what looks like a placeholder, known or not.
	placeholder = regexp.MustCompile(`\$\{[^}]*\}`)
)

// Check reports whether a migration statement carries the placeholders it needs: OnCluster in
// every statement that changes a table or view, Replicated before every MergeTree engine, no
// engine outside the MergeTree family (it would not be replicated) and no unknown placeholder.
func Check(stmt string) error {
	for _, p := range placeholder.FindAllString(stmt, -1) {
		if p != OnCluster && p != Replicated {
			return fmt.Errorf("%w: unknown placeholder %s (the known ones are %s and %s)", ErrPlaceholders, p, OnCluster, Replicated)
		}
	}
	if ddlStatement.MatchString(stmt) && !strings.Contains(stmt, OnCluster) {
		return fmt.Errorf("%w: %s missing after the table name: the statement must run on every node of a cluster", ErrPlaceholders, OnCluster)
	}
	if !ddlStatement.MatchString(stmt) && strings.Contains(stmt, OnCluster) {
		return fmt.Errorf("%w: %s in a statement that changes no table", ErrPlaceholders, OnCluster)
	}
	for _, m := range anyEngine.FindAllStringSubmatch(stmt, -1) {
		if !strings.HasSuffix(strings.ToLower(m[2]), "mergetree") {
			return fmt.Errorf("%w: engine %s is not of the MergeTree family, so it cannot be replicated: every table keeps the same rows on every node", ErrPlaceholders, m[2])
		}
	}
	for _, m := range mergeTreeEngine.FindAllStringSubmatch(stmt, -1) {
		if m[1] == "" {
			return fmt.Errorf("%w: %s missing before %s", ErrPlaceholders, Replicated, m[2])
		}
		if strings.HasPrefix(strings.ToLower(m[2]), "replicated") {
			return fmt.Errorf("%w: write %s%s, not %s: the placeholder makes it replicated on a cluster", ErrPlaceholders, Replicated, m[2][len("replicated"):], m[2])
		}
	}
	if n := strings.Count(stmt, Replicated); n != len(mergeTreeEngine.FindAllString(stmt, -1)) {
		return fmt.Errorf("%w: %s must come right before a MergeTree engine", ErrPlaceholders, Replicated)
	}
	return nil
}

// Render fills the placeholders of a statement (checked with Check first): on one server it drops
// OnCluster and Replicated; on a cluster OnCluster becomes ON CLUSTER 'name', and each
// ${REPLICATED}XMergeTree(args) becomes ReplicatedXMergeTree('ReplicaPath', 'ReplicaName', args).
func (s Schema) Render(stmt string) (string, error) {
	if err := s.ValidateCluster(); err != nil {
		return "", err
	}
	if err := Check(stmt); err != nil {
		return "", err
	}
	out := mergeTreeEngine.ReplaceAllStringFunc(stmt, func(engine string) string {
		m := mergeTreeEngine.FindStringSubmatch(engine)
		if s.Cluster == "" {
			return m[2] + m[3]
		}
		args := "'" + ReplicaPath + "', '" + ReplicaName + "'"
		if a := strings.TrimSpace(m[4]); a != "" {
			args += ", " + a
		}
		return "Replicated" + m[2] + "(" + args + ")"
	})
	on := s.onCluster()
	out = strings.ReplaceAll(out, " "+OnCluster, prefixed(" ", on))
	out = strings.ReplaceAll(out, OnCluster, on)
	return out, nil
}

// prefixed returns sep+s, or "" for an empty s.
func prefixed(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}
