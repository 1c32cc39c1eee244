package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runRoot(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"berth"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersionJSON(t *testing.T) {
	code, out, _ := runRoot(t, "version", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if v.Version != version || v.GoVersion == "" || v.Platform == "" {
		t.Fatalf("incomplete version info: %+v", v)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"no-such-command"},
		{"version", "-o", "xml"},
		{"version", "extra-arg"},
	} {
		code, _, errOut := runRoot(t, args...)
		if code != exitUsage {
			t.Errorf("berth %v: exit %d, want %d (stderr %q)", args, code, exitUsage, errOut)
		}
		if !strings.HasPrefix(errOut, "error: ") {
			t.Errorf("berth %v: stderr %q lacks an error line", args, errOut)
		}
	}
}

func TestKubectlPluginName(t *testing.T) {
	if got := commandName("/usr/local/bin/kubectl-berth"); got != "kubectl berth" {
		t.Fatalf("got %q", got)
	}
	if got := commandName("berth"); got != "berth" {
		t.Fatalf("got %q", got)
	}
}

// --cpuprofile writes a pprof file when the command ends; a file that
// cannot be created is an error. (--memprofile: profile_heap_test.go.)
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	cpu := filepath.Join(dir, "cpu.pprof")
	if code, _, stderr := runRoot(t, "--cpuprofile", cpu, "version"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if data, err := os.ReadFile(cpu); err != nil || len(data) == 0 {
		t.Fatalf("no profile written to %s: %v (%d bytes)", cpu, err, len(data))
	}
	bad := filepath.Join(dir, "missing", "cpu.pprof")
	if code, _, stderr := runRoot(t, "--cpuprofile", bad, "version"); code == exitOK || !strings.Contains(stderr, "--cpuprofile") {
		t.Fatalf("unwritable --cpuprofile: exit %d, %q", code, stderr)
	}
}

// The global profiling flag does not take convert's --profile (compose
// profiles): both work in one command line.
func TestCPUProfileWithComposeProfile(t *testing.T) {
	dir := t.TempDir()
	compose := "services:\n  web:\n    image: nginx\n  worker:\n    image: busybox\n    profiles: [x]\n  debug:\n    image: busybox\n    profiles: [cpu]\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	prof, out := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "deploy")
	code, stdout, stderr := runRoot(t, "--cpuprofile", prof, "convert", "--profile", "x", "-f", filepath.Join(dir, "compose.yaml"), "-o", out)
	if code != exitOK || !strings.Contains(stdout, "Converted 2 service(s)") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	for svc, want := range map[string]bool{"web": true, "worker": true, "debug": false} {
		_, err := os.Stat(filepath.Join(out, "base", svc+".yaml"))
		if got := err == nil; got != want {
			t.Errorf("base/%s.yaml written: %v, want %v (%v)", svc, got, want, err)
		}
	}
	if data, err := os.ReadFile(prof); err != nil || len(data) == 0 {
		t.Fatalf("no CPU profile written: %v (%d bytes)", err, len(data))
	}
}
