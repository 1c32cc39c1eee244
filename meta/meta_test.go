package meta

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestContractSpelledOnce fails when a non-test Go file outside this
// package spells a berth.dev/ key: every key has its one name here.
func TestContractSpelledOnce(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "meta" && filepath.Dir(path) == root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && strings.HasPrefix(s, "berth.dev/") {
				t.Errorf("%s: %s spells a label or annotation key: use (or add) its constant in package meta", fset.Position(lit.Pos()), lit.Value)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d Go files under %s: is the walk rooted at the module?", checked, root)
	}
}

// TestOneNameEach fails when two constants of the contract share a value.
func TestOneNameEach(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "meta.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					t.Fatalf("%s: want a string literal", name.Name)
				}
				v, _ := strconv.Unquote(lit.Value)
				if other, dup := seen[v]; dup {
					t.Errorf("%s and %s are both %q: keep one name", other, name.Name, v)
				}
				seen[v] = name.Name
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no constants found in meta.go")
	}
}
