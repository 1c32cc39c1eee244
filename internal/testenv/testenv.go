// Package testenv keeps the environment of the shell or CI job running the
// tests from steering the berth commands under test: a BERTH_* setting
// exported by the developer, or a GitHub Actions pull-request job's
// GITHUB_* variables (with them every `berth up` would report a preview to
// GitHub), would change what the tests see.
package testenv

import (
	"os"
	"strings"
)

// Clear unsets the variables berth reads its settings and its preview
// target from (BERTH_*, GITHUB_*), keeping those that point the tests
// themselves at their cluster, binaries and benchmarks. Call it from
// TestMain, before any test runs: the variables are process-wide.
func Clear() {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if steersBerth(name) {
			os.Unsetenv(name)
		}
	}
}

// steersBerth reports whether berth reads variable name.
func steersBerth(name string) bool {
	for _, infra := range []string{"BERTH_TEST_", "BERTH_BENCH_", "BERTH_BADINPUT_", "BERTH_CLUSTER_DIR"} {
		if strings.HasPrefix(name, infra) {
			return false
		}
	}
	return strings.HasPrefix(name, "BERTH_") || strings.HasPrefix(name, "GITHUB_")
}
