package tui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestViewsDoNotNameTheRoot keeps the contract of view.go: view files read
// a viewCtx and return messages; none of them names the root Model.
func TestViewsDoNotNameTheRoot(t *testing.T) {
	names, err := filepath.Glob("view*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset, n := token.NewFileSet(), 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		n++
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(x ast.Node) bool {
			if id, ok := x.(*ast.Ident); ok && id.Name == "Model" {
				t.Errorf("%s: a view names the root Model; read viewCtx and return a message instead", fset.Position(id.Pos()))
			}
			return true
		})
	}
	if n < 6 {
		t.Fatalf("found %d view files, want the 6 views and view.go", n)
	}
}
