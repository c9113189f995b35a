package engines

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

// modulePath starts the import path of every package of the hub.
const modulePath = "github.com/partnership-hub/hub/"

// repoRoot is the repository, two levels above this module.
var repoRoot = filepath.Join("..", "..")

// sqlStart tells SQL from other text, as the hub writes SQL: a statement starts with its keyword
// in capitals (SELECT, WITH, …), or with the two words of a statement in any case (INSERT INTO,
// ALTER TABLE, CREATE TABLE, …). Text such as "insert placements: %w" or "Delete an alliance" is
// not SQL.
var sqlStart = regexp.MustCompile(`^\s*(SELECT|WITH|SHOW|DESCRIBE|EXPLAIN|SYSTEM|EXISTS|KILL)\s|` +
	`(?i)^\s*(INSERT\s+INTO|ALTER\s+TABLE|(CREATE|DROP|ATTACH|DETACH)(\s+OR\s+REPLACE)?\s+(TEMPORARY\s+)?(TABLE|DATABASE|VIEW|MATERIALIZED\s+VIEW|DICTIONARY)|` +
	`DELETE\s+FROM|OPTIMIZE\s+TABLE|TRUNCATE(\s+TABLE)?|RENAME\s+TABLE|EXCHANGE\s+TABLES)\s`)

// hubSQL is one statement the hub's code holds: a string constant or package-level variable
// whose text is SQL, or a string literal outside any such declaration.
type hubSQL struct {
	ID   string // "pkg/workforce.insertReturns"; for a bare literal, "file:line"
	Pos  string // file:line
	SQL  string // the text, when it is known without running the code (constants)
	Kind string // "const", "var" (its text is known only at run time) or "literal"
}

var (
	foundOnce sync.Once
	found     []hubSQL
	foundErr  error
)

// findHubSQL lists every SQL statement in the non-test Go code of the workspace's modules
// (go.work at the repository root), by reading the code itself: a new query cannot escape it.
// Test helper packages (a directory ending in "test", such as chstore/chtest) are left out: their
// SQL is the tests', not the hub's.
func findHubSQL(t *testing.T) []hubSQL {
	t.Helper()
	foundOnce.Do(func() { found, foundErr = loadHubSQL() })
	if foundErr != nil {
		t.Fatalf("read the hub's code: %v", foundErr)
	}
	return found
}

func loadHubSQL() ([]hubSQL, error) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:  root,
		Env:  append(os.Environ(), "GOWORK="+filepath.Join(root, "go.work")),
	}
	pkgs, err := packages.Load(cfg, modulePath+"...")
	if err != nil {
		return nil, err
	}
	var out []hubSQL
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			return nil, p.Errors[0]
		}
		if strings.HasSuffix(p.PkgPath, "test") || strings.HasPrefix(p.PkgPath, modulePath+"deploy/engines") {
			continue
		}
		short := strings.TrimPrefix(p.PkgPath, modulePath)
		for _, f := range p.Syntax {
			file := p.Fset.Position(f.Pos()).Filename
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			rel, _ := filepath.Rel(root, file)
			out = append(out, sqlInFile(p, f, short, rel)...)
		}
	}
	slices.SortFunc(out, func(a, b hubSQL) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// sqlInFile finds the SQL of one file: named constants and package-level variables whose value
// is SQL, and SQL literals anywhere else.
func sqlInFile(p *packages.Package, f *ast.File, short, rel string) []hubSQL {
	var out []hubSQL
	pos := func(n ast.Node) string {
		return rel + ":" + strconv.Itoa(p.Fset.Position(n.Pos()).Line)
	}
	inDecl := map[ast.Node]bool{} // literals that are part of a named declaration
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || (g.Tok != token.CONST && g.Tok != token.VAR) {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				ast.Inspect(vs.Values[i], func(n ast.Node) bool {
					if lit, ok := n.(*ast.BasicLit); ok {
						inDecl[lit] = true
					}
					return true
				})
				text, known := stringValue(p.TypesInfo, vs.Values[i], name)
				if !known {
					// A variable built at run time: SQL if its first literal is.
					text = firstLiteral(vs.Values[i])
				}
				if !sqlStart.MatchString(text) {
					continue
				}
				h := hubSQL{ID: short + "." + name.Name, Pos: pos(name), Kind: "const"}
				if g.Tok == token.VAR {
					h.Kind = "var"
				}
				if known {
					h.SQL = text
				}
				out = append(out, h)
			}
		}
	}
	messages := map[ast.Node]bool{} // literals that are messages: errors and logs, not SQL
	ast.Inspect(f, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && isMessageCall(call) && len(call.Args) > 0 {
			messages[call.Args[0]] = true
		}
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || inDecl[lit] || messages[lit] {
			return true
		}
		if v := constant.StringVal(constant.MakeFromLiteral(lit.Value, token.STRING, 0)); sqlStart.MatchString(v) {
			out = append(out, hubSQL{ID: pos(lit), Pos: pos(lit), SQL: v, Kind: "literal"})
		}
		return true
	})
	return out
}

// isMessageCall reports whether call formats an error or a log line (fmt.Errorf, errors.New,
// log.Info, …), whose first argument is a message that may start like SQL.
func isMessageCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch strings.TrimSuffix(sel.Sel.Name, "Context") {
	case "Errorf", "New", "Sprintf", "Printf", "Fprintf", "Debug", "Info", "Warn", "Error", "Log", "Fatalf", "Skipf":
		return true
	}
	return false
}

// stringValue returns the value of a string constant expression (constants, and variables
// initialised with one).
func stringValue(info *types.Info, e ast.Expr, name *ast.Ident) (string, bool) {
	if c, ok := info.Defs[name].(*types.Const); ok && c.Val().Kind() == constant.String {
		return constant.StringVal(c.Val()), true
	}
	if tv, ok := info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
		return constant.StringVal(tv.Value), true
	}
	return "", false
}

// firstLiteral returns the first string literal in e, or "".
func firstLiteral(e ast.Expr) string {
	var first string
	ast.Inspect(e, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && first == "" {
			first = constant.StringVal(constant.MakeFromLiteral(lit.Value, token.STRING, 0))
		}
		return first == ""
	})
	return first
}

// TestEverySQLHasAParityCase fails for a statement of the hub with no case in cases (it would
// escape the check on both engines), for SQL written outside a named constant or variable, and
// for a case whose statement no longer exists.
func TestEverySQLHasAParityCase(t *testing.T) {
	all := findHubSQL(t)
	if len(all) < 20 {
		t.Fatalf("found %d SQL statements in the hub's code, want at least 20: is the search broken?", len(all))
	}
	t.Logf("%d statements in the hub's code", len(all))
	seen := map[string]bool{}
	for _, h := range all {
		seen[h.ID] = true
		switch {
		case h.Kind == "literal":
			t.Errorf("%s: SQL outside a named constant: make it a constant next to the code that runs it, and give it a case in deploy/engines/cases_test.go:\n%s", h.Pos, h.SQL)
		case h.Kind == "var" && h.SQL == "" && linked[h.ID] == nil:
			t.Errorf("%s: %s is SQL built at run time: add it to linked (deploy/engines/linked_test.go) so the parity test can read it, and give it a case", h.Pos, h.ID)
		case !hasCase(h.ID):
			t.Errorf("%s: %s has no parity case: add one to deploy/engines/cases_test.go (binds for a query, fixture rows for an insert), so it runs on ClickHouse 18.16 and on current ClickHouse", h.Pos, h.ID)
		}
	}
	for id := range cases {
		if !seen[id] {
			t.Errorf("cases_test.go has a case for %s, which the hub no longer has", id)
		}
	}
	for id := range inserts {
		if !seen[id] {
			t.Errorf("cases_test.go has fixture rows for %s, which the hub no longer has", id)
		}
	}
}

func hasCase(id string) bool {
	_, q := cases[id]
	_, i := inserts[id]
	return q || i
}
