package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// project writes a compose file (and extra files) to a temp dir and loads it.
func project(t testing.TB, composeYAML string, extra map[string]string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", composeYAML)
	for k, v := range extra {
		write(k, v)
	}
	return dir, nil
}

// convertYAML loads and converts an inline compose file.
func convertYAML(t testing.TB, composeYAML string, extra map[string]string) *Base {
	t.Helper()
	dir, _ := project(t, composeYAML, extra)
	p, err := Load(context.Background(), LoadOptions{WorkingDir: dir, ProjectName: "app"})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	b, err := Convert(p, Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	return b
}

// object finds a built object by kind and name prefix (generated names
// carry a hash suffix).
func object(t testing.TB, b *Base, overlay, kind, name string) *yaml.RNode {
	t.Helper()
	m := build(t, b, overlay)
	for _, r := range m.Resources() {
		if r.GetKind() == kind && (r.GetName() == name || strings.HasPrefix(r.GetName(), name+"-") && kind != "Deployment") {
			return rnode(t, r)
		}
	}
	t.Fatalf("%s %s/%s not found in %s", overlay, kind, name, names(m.Resources()))
	return nil
}

func rnode(t testing.TB, r *resource.Resource) *yaml.RNode {
	t.Helper()
	s, err := r.AsYAML()
	if err != nil {
		t.Fatal(err)
	}
	n, err := yaml.Parse(string(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func names(rs []*resource.Resource) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.GetKind()+"/"+r.GetName())
	}
	return strings.Join(out, " ")
}

// get reads a scalar at a path like "spec.template.spec.containers.[name=db].image".
func get(t testing.TB, n *yaml.RNode, path string) string {
	t.Helper()
	v, err := n.Pipe(yaml.Lookup(splitPath(path)...))
	if err != nil {
		t.Fatalf("lookup %s: %v", path, err)
	}
	if v == nil {
		return ""
	}
	if v.YNode().Kind == yaml.ScalarNode {
		return v.YNode().Value
	}
	return strings.TrimSpace(v.MustString())
}

// splitPath splits on dots outside [brackets]; "~" stands for a literal dot.
func splitPath(p string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i <= len(p); i++ {
		switch {
		case i == len(p) || p[i] == '.' && depth == 0:
			out = append(out, strings.ReplaceAll(p[start:i], "~", "."))
			start = i + 1
		case p[i] == '[':
			depth++
		case p[i] == ']':
			depth--
		}
	}
	return out
}

// hasWarning reports a warning on key whose message contains text.
func hasWarning(b *Base, key, text string) bool {
	for _, w := range b.Warnings {
		if w.Key == key && strings.Contains(w.Message, text) {
			return true
		}
	}
	return false
}
