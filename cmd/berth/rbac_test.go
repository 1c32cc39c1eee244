package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unreachableKubeconfig is a kubeconfig whose server no test reaches:
// enough for commands that fail before asking it.
func unreachableKubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A namespace no one may delete cannot probe a guard, and a timeout must
// be positive: usage errors (exit 2) naming the value, before the cluster
// is asked.
func TestRBACUsageErrors(t *testing.T) {
	kc := unreachableKubeconfig(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rbac", "check", "-n", "kube-system"}, "kube-system"},
		{[]string{"doctor", "-n", "default"}, "default"},
		{[]string{"rbac", "check", "-o", "yaml"}, "yaml"},
		{[]string{"rbac", "install", "--timeout", "0s"}, "--timeout"},
	} {
		code, _, stderr := runRoot(t, append([]string{"--kubeconfig", kc}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("berth %v: exit %d, stderr %q; want %d naming %s", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}
