package main

import (
	"bytes"
	"context"
	"encoding/json"
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
