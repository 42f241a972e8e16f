package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The package rules of shared/design.md and style.md, enforced in the
// spirit of go/build/deps_test.go: every non-test .go file of the module is
// parsed and its imports checked against what its package may use.
type rule struct {
	dir    string   // package directory, relative to the module root
	allow  []string // import paths allowed beyond the standard library
	forbid []string // standard packages (and their subtrees) not allowed
	noGo   bool     // no go statements
	goOK   []string // with noGo: the files that may have them after all
	pure   bool     // no package-level variables and no init
}

var rules = []rule{
	{dir: "http10", forbid: []string{"net", "os", "syscall", "unsafe", "plugin", "runtime/cgo"}, noGo: true, pure: true},
	{dir: "trace", allow: []string{"github.com/fatih/color"}, forbid: []string{"net", "syscall", "unsafe"}, noGo: true},
	// Pictures from a trace's events: as pure as http10, readers in and
	// writers out.
	{dir: "trace/draw", allow: []string{"stepwise/trace"}, forbid: []string{"net", "os", "syscall", "unsafe", "plugin", "runtime/cgo"}, noGo: true, pure: true},
	// The server runs on its caller's goroutine, with one exception: the
	// thread-per-connection model (issue 5) is a goroutine per client, so
	// threads.go, and only it, starts goroutines.
	{dir: "multiplex", allow: []string{"golang.org/x/sys/unix", "stepwise/http10", "stepwise/trace"}, forbid: []string{"net/http"}, noGo: true, goOK: []string{"threads.go"}},
	// compare's clients come from cmd/internal/client, so the server's own
	// command never imports net.
	{dir: "cmd/stepwise", allow: []string{"stepwise/multiplex", "stepwise/trace", "stepwise/trace/draw", "stepwise/http10", "stepwise/cmd/internal/client", "stepwise/cmd/internal/cli"}, forbid: []string{"net", "syscall", "unsafe"}},
	{dir: "cmd/bench", allow: []string{"stepwise/cmd/internal/cli"}, forbid: []string{"unsafe"}}, // a client and harness: net, net/http, os/exec; it builds stepwise, imports none of it
	{dir: "cmd/stepwise-client", allow: []string{"stepwise/cmd/internal/client", "stepwise/cmd/internal/cli"}, forbid: []string{"net/http", "syscall", "unsafe"}, noGo: true, pure: true},
	// The clients' side, shared by stepwise-client and stepwise compare:
	// net as a client, and no goroutines of its own.
	// How a command ends: usage errors (exit 2) apart from failures (1).
	{dir: "cmd/internal/cli", forbid: []string{"net", "syscall", "unsafe"}, noGo: true, pure: true},
	{dir: "cmd/internal/client", forbid: []string{"net/http", "syscall", "unsafe"}, noGo: true, pure: true},
}

func TestPackageRules(t *testing.T) {
	root := filepath.Join("..", "..")
	seen := map[string]bool{}
	for _, r := range rules {
		seen[r.dir] = true
		files, err := filepath.Glob(filepath.Join(root, r.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("package %s: no Go files found (%v)", r.dir, err)
		}
		fset := token.NewFileSet()
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue // tests may use net as a client
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(r.dir, filepath.Base(file))
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if msg := r.check(p); msg != "" {
					t.Errorf("%s imports %q: %s", name, p, msg)
				}
			}
			// "net" itself is never allowed in the server; net/netip is a
			// value type with no sockets, so multiplex may use it.
			if r.dir == "multiplex" && slices.ContainsFunc(f.Imports, func(s *ast.ImportSpec) bool { return s.Path.Value == `"net"` }) {
				t.Errorf("%s imports \"net\": the server makes its own system calls", name)
			}
			// unsafe only where x/sys would otherwise make a system call
			// the trace cannot see (socket.go, rawAccept4), and for the
			// select loop's raw calls (raw.go).
			if slices.ContainsFunc(f.Imports, func(s *ast.ImportSpec) bool { return s.Path.Value == `"unsafe"` }) && name != filepath.Join("multiplex", "socket.go") && name != filepath.Join("multiplex", "raw.go") {
				t.Errorf("%s imports \"unsafe\": only multiplex/socket.go may, to decode raw socket addresses, and multiplex/raw.go, for raw system calls", name)
			}
			r.checkBody(t, fset, name, f)
		}
	}
	// Every package in the module must have a rule.
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if gofiles, _ := filepath.Glob(filepath.Join(path, "*.go")); len(gofiles) > 0 && !seen[filepath.ToSlash(rel)] {
			t.Errorf("package %s has no rule in deps_test.go: add one", rel)
		}
		return nil
	})
}

// check says what is wrong with importing p, or "".
func (r rule) check(p string) string {
	if slices.Contains(r.allow, p) {
		return ""
	}
	first, _, _ := strings.Cut(p, "/")
	if strings.Contains(first, ".") || first == "stepwise" {
		return "not allowed in " + r.dir + " (shared/design.md, Architecture)"
	}
	for _, f := range r.forbid {
		if p == f || strings.HasPrefix(p, f+"/") {
			return "forbidden in " + r.dir + " (shared/style.md 2.1)"
		}
	}
	return ""
}

func (r rule) checkBody(t *testing.T, fset *token.FileSet, name string, f *ast.File) {
	t.Helper()
	if r.pure {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok == token.VAR {
					t.Errorf("%s: package-level var at %s; %s keeps no global state", name, fset.Position(d.Pos()), r.dir)
				}
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.Name == "init" {
					t.Errorf("%s: init function at %s", name, fset.Position(d.Pos()))
				}
			}
		}
	}
	if r.noGo && !slices.Contains(r.goOK, filepath.Base(name)) {
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok {
				t.Errorf("%s: go statement at %s; %s runs on its caller's goroutine", name, fset.Position(g.Pos()), r.dir)
			}
			return true
		})
	}
}
