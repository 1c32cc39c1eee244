package compose

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenApps are reviewed by hand: update with `go test ./compose -update`
// and read the diff before committing.
var goldenApps = []string{"nginx-golang-mysql", "prometheus-grafana", "gitea-postgres", "wasmedge-mysql-nginx", "pihole-cloudflared-DoH"}

// flatten renders a Base as one reviewable text: every file, then the
// warnings.
func flatten(b *Base) []byte {
	var buf bytes.Buffer
	for _, p := range b.Paths() {
		fmt.Fprintf(&buf, "=== %s\n", p)
		buf.Write(b.Files[p])
		if n := len(b.Files[p]); n > 0 && b.Files[p][n-1] != '\n' {
			buf.WriteString("\n")
		}
	}
	buf.WriteString("=== warnings\n")
	for _, w := range b.Warnings {
		fmt.Fprintln(&buf, w.String())
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, app := range goldenApps {
		t.Run(app, func(t *testing.T) {
			got := flatten(loadApp(t, app))
			path := filepath.Join("testdata", "golden", app+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; run with -update and review the diff", app)
			}
		})
	}
}
