package testenv

import (
	"os"
	"testing"
)

func TestClear(t *testing.T) {
	for name, v := range map[string]string{
		"BERTH_BRANCH": "feature/x", "GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "t",
		"BERTH_TEST_KUBECONFIG": "/k", "BERTH_BENCH_RUN": "r", "BERTH_CLUSTER_DIR": "/c", "HOME_BERTH_X": "y",
	} {
		t.Setenv(name, v)
	}
	Clear()
	for _, gone := range []string{"BERTH_BRANCH", "GITHUB_ACTIONS", "GITHUB_TOKEN"} {
		if v, ok := os.LookupEnv(gone); ok {
			t.Errorf("%s=%q still set", gone, v)
		}
	}
	for _, kept := range []string{"BERTH_TEST_KUBECONFIG", "BERTH_BENCH_RUN", "BERTH_CLUSTER_DIR", "HOME_BERTH_X"} {
		if _, ok := os.LookupEnv(kept); !ok {
			t.Errorf("%s unset", kept)
		}
	}
}
