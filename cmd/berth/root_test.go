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

// --profile cpu writes a pprof file when the command ends; a bad kind is
// a usage error.
func TestProfileFlag(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cpu.pprof")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"berth", "--profile", "cpu", "--profile-output", out, "version"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if data, err := os.ReadFile(out); err != nil || len(data) == 0 {
		t.Fatalf("no profile written: %v (%d bytes)", err, len(data))
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"berth", "--profile", "bogus", "version"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--profile") {
		t.Fatalf("bad kind: exit %d, %q", code, stderr.String())
	}
}
