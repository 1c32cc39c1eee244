package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubectlPlugin builds berth as kubectl-berth (and its completion
// helper kubectl_complete-berth) into a directory on PATH and runs it
// through the real kubectl.
func TestKubectlPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs kubectl")
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is needed for the plugin test: %v", err)
	}
	bin := t.TempDir()
	plugin := filepath.Join(bin, "kubectl-berth")
	build := exec.Command("go", "build", "-o", plugin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if err := os.Symlink("kubectl-berth", filepath.Join(bin, "kubectl_complete-berth")); err != nil {
		t.Fatal(err)
	}
	kubectlRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(kubectl, args...)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}

	var v versionInfo
	out := kubectlRun("berth", "version", "-o", "json")
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version == "" {
		t.Fatalf("kubectl berth version -o json: %v\n%s", err, out)
	}
	if out := kubectlRun("plugin", "list"); !strings.Contains(out, plugin) {
		t.Errorf("kubectl plugin list does not show %s:\n%s", plugin, out)
	}
	if help := kubectlRun("berth", "--help"); !strings.Contains(help, "kubectl berth [command]") || !strings.Contains(help, "  kubectl berth up") {
		t.Errorf("kubectl berth --help does not name kubectl berth:\n%s", help)
	}
	// kubectl's own completion hands "kubectl berth ..." to the helper.
	if out := kubectlRun("__complete", "berth", "sta"); !strings.Contains(out, "status\t") {
		t.Errorf("kubectl __complete berth sta:\n%s", out)
	}
	if out := kubectlRun("__complete", "berth", "ls", "-o", ""); !strings.Contains(out, "json\nyaml\nwide\n") {
		t.Errorf("kubectl __complete berth ls -o:\n%s", out)
	}
}
