package archtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// allowed lists, per package (and its sub-packages, unless a sub-package
// has its own entry), the berth packages it may import besides its own
// sub-packages. It mirrors the table in docs/architecture.md; a new
// top-level package gets an entry here before it can be imported.
var allowed = map[string][]string{
	"meta":       {},
	"secrets":    {"meta"},
	"compose":    {"meta", "secrets"},
	"k8s":        {"meta"},
	"status":     {"k8s", "meta", "cost"},
	"cost":       {"k8s", "meta"},
	"envs":       {"compose", "k8s", "meta", "secrets", "status", "cost"},
	"lifecycle":  {"envs", "k8s", "meta", "status", "cost"},
	"rollout":    {"envs", "k8s", "lifecycle", "meta", "status"},
	"forward":    {"k8s", "meta"},
	"logs":       {"k8s", "meta"},
	"tui/render": {"k8s", "meta", "status", "cost"},
	"tui":        {"tui/render", "k8s", "forward", "logs", "meta", "status", "cost"},
	"shell":      {"k8s", "meta"},
	"images":     {"compose", "envs", "meta"},
	"preview":    {"envs", "k8s", "lifecycle", "meta", "rollout", "status", "tui/render"},
	"deploy":     {},
	"access":     {"deploy", "envs", "k8s", "meta"},
}

// wiring packages may import any berth package but cmd/...: commands,
// test helpers and benchmarks.
var wiring = []string{"cmd", "internal", "bench"}

// renderMargin is how many more packages than k8s tui/render may link
// (status, meta and the standard library they add).
const renderMargin = 30

// TestImportDirections fails when a package imports across the allowed
// directions of allowed (test files excluded: they may reach further).
func TestImportDirections(t *testing.T) {
	mod := goList(t, "list", "-m")[0]
	checked := 0
	for _, line := range goList(t, "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", mod+"/...") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod+"/")
		if pkg == mod {
			pkg = ""
		}
		checked++
		for _, imp := range fields[1:] {
			rel, ok := strings.CutPrefix(imp, mod+"/")
			if !ok || within(rel, pkg) {
				continue
			}
			if err := check(pkg, rel); err != "" {
				t.Errorf("%s imports %s: %s (see docs/architecture.md)", pkg, rel, err)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("go list saw only %d packages of %s", checked, mod)
	}
}

// check returns why pkg may not import imp, or "".
func check(pkg, imp string) string {
	if within(imp, "cmd") {
		return "nothing imports cmd/..., it only wires"
	}
	if rule, ok := ruleFor(pkg); ok {
		if slices.ContainsFunc(allowed[rule], func(a string) bool { return within(imp, a) }) {
			return ""
		}
		return "not in its allowed imports " + strings.Join(allowed[rule], ", ")
	}
	if slices.ContainsFunc(wiring, func(w string) bool { return within(pkg, w) }) {
		return ""
	}
	return "package has no rule: add one to allowed and to docs/architecture.md"
}

// ruleFor returns the entry of allowed that governs pkg: its own, or its
// closest parent's.
func ruleFor(pkg string) (string, bool) {
	for p := pkg; p != "."; p = parent(p) {
		if _, ok := allowed[p]; ok {
			return p, true
		}
	}
	return "", false
}

func parent(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i]
	}
	return "."
}

// within reports whether pkg is dir or below it.
func within(pkg, dir string) bool {
	return pkg == dir || strings.HasPrefix(pkg, dir+"/")
}

// TestRenderStaysLight fails when tui/render links many more packages than
// k8s: presentation must not pull in the deploy engine (kustomize, sops,
// compose-go).
func TestRenderStaysLight(t *testing.T) {
	mod := goList(t, "list", "-m")[0]
	render := len(goList(t, "list", "-deps", mod+"/tui/render"))
	k8s := len(goList(t, "list", "-deps", mod+"/k8s"))
	t.Logf("go list -deps: tui/render %d packages, k8s %d", render, k8s)
	if render > k8s+renderMargin {
		t.Errorf("tui/render links %d packages, k8s %d: more than %d above k8s", render, k8s, renderMargin)
	}
}

// TestRules checks check itself on edges that must and must not pass.
func TestRules(t *testing.T) {
	for _, tt := range []struct {
		pkg, imp string
		ok       bool
	}{
		{"compose", "meta", true},
		{"compose", "envs", false},
		{"compose", "k8s", false},
		{"k8s", "envs", false},
		{"k8s", "compose", false},
		{"k8s", "tui", false},
		{"tui/render", "envs", false},
		{"tui/render", "status", true},
		{"tui", "tui/render", true},
		{"envs", "tui", false},
		{"meta", "k8s", false},
		{"status", "envs", false},
		{"compose/clustertest", "envs", false},
		{"cmd/berth", "envs", true},
		{"internal/testcluster", "envs", true},
		{"internal/testcluster", "cmd/berth", false},
		{"envs", "cmd/berth", false},
		{"envs", "internal/genapp", false},
		{"newpkg", "meta", false},
	} {
		if got := check(tt.pkg, tt.imp) == ""; got != tt.ok {
			t.Errorf("check(%s → %s) allowed = %v, want %v", tt.pkg, tt.imp, got, tt.ok)
		}
	}
}

// goList runs the go command and returns its output lines. The first
// call in the test binary also stats the module's go.mod, go.sum,
// package directories and Go files (trackSources).
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	tracked.Do(func() { trackSources(t) })
	return runGo(t, args...)
}

// tracked runs trackSources once: the go command records the files a
// test binary stats, whichever of its tests stats them.
var tracked sync.Once

// trackSources stats what these tests read through the go command: the
// go command caches a test binary's result keyed on the files it opens
// or stats, and go list's reading of the module is not among them —
// without this, a cached pass survives a new forbidden import.
func trackSources(t *testing.T) {
	t.Helper()
	mod := runGo(t, "list", "-m", "-f", "{{.Path}} {{.Dir}}")[0]
	path, root, _ := strings.Cut(mod, " ")
	paths := []string{root, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	for _, line := range runGo(t, "list", "-f", "{{.Dir}}{{range .GoFiles}} {{.}}{{end}}", path+"/...") {
		dir, files, _ := strings.Cut(line, " ")
		paths = append(paths, dir)
		for _, f := range strings.Fields(files) {
			paths = append(paths, filepath.Join(dir, f))
		}
	}
	for _, p := range paths {
		_, _ = os.Stat(p)
	}
}

// runGo runs the go command and returns its output lines.
func runGo(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// heavy are module paths cmd/berth must not link: the key services of
// sops berth does not support (gRPC, Google Cloud, Azure, Vault),
// html/template (reached through golang.org/x/net/trace), which turns off
// the linker's dead-code elimination of methods, and client-go's
// clientset, typed clients and discovery client, whose kubernetes/scheme
// registers all 55 API groups at start-up (berth's are in k8s/kube). They
// cost start-up time and memory and tens of megabytes of binary (issue 16).
var heavy = []string{
	"google.golang.org/grpc",
	"html/template",
	"github.com/getsops/sops/v3/keyservice",
	"cloud.google.com/go",
	"github.com/Azure",
	"github.com/hashicorp/vault",
	"k8s.io/client-go/kubernetes",
	"k8s.io/client-go/discovery",
}

// TestBinaryStaysLight fails when berth's binary links a heavy package
// (test files excluded: tests may use the sops library).
func TestBinaryStaysLight(t *testing.T) {
	mod := goList(t, "list", "-m")[0]
	deps := goList(t, "list", "-deps", mod+"/cmd/berth")
	t.Logf("go list -deps: cmd/berth links %d packages", len(deps))
	for _, dep := range deps {
		if slices.ContainsFunc(heavy, func(h string) bool { return within(dep, h) }) {
			t.Errorf("cmd/berth links %s (see heavy)", dep)
		}
	}
}
