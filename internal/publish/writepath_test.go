package publish_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// TestOneWritePath reads the program's source: Store.Publish is called only
// by the publish step, raw loading (which the store refuses for analytics
// tables) and rollback, and no SQL outside the migrations names an
// analytics table. Together with the store's refusal of analytics
// publications that are not computations, no other path can write them.
func TestOneWritePath(t *testing.T) {
	root := filepath.Join("..", "..")
	allowed := []string{"internal/publish/publish.go", "internal/ingest/ingest.go", "internal/engine/rollback.go",
		"internal/chaos/faults.go"} // the fault-injecting wrapper forwards its caller's publication
	var analytics []string
	for _, tb := range nba.Catalog.Tables() {
		if tb.Kind == pipeline.Analytics {
			analytics = append(analytics, tb.Name)
		}
	}
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "internal/storetest/") || strings.HasPrefix(rel, "internal/testdb/") {
			return nil // test support
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Publish" && !slices.Contains(allowed, rel) &&
					!strings.HasPrefix(rel, "internal/sqlite/") && !strings.HasPrefix(rel, "internal/postgres/") {
					t.Errorf("%s: calls Publish; only %v may", fset.Position(x.Pos()), allowed)
				}
			case *ast.BasicLit:
				if x.Kind != token.STRING {
					return true
				}
				up := strings.ToUpper(x.Value)
				for _, name := range analytics {
					if strings.Contains(x.Value, name) && (strings.Contains(up, "INSERT") || strings.Contains(up, "UPDATE") || strings.Contains(up, "DELETE")) {
						t.Errorf("%s: SQL writes %s directly", fset.Position(x.Pos()), name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("read only %d Go files; the walk did not cover the program", files)
	}
}
