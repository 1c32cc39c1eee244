package tui

import (
	"testing"

	"github.com/berth-dev/berth/k8s"
)

// refusedEnv is the fixture env a developer with issue 20's narrow grant
// is not bound in.
const refusedEnv = "shop-main"

// envsOnly makes the fixture what the watcher shows a developer with the
// narrow grant: namespaced mode ("envs only"), and refusedEnv's objects
// unread, its refusal recorded.
func envsOnly(s *k8s.Snapshot) {
	s.Mode = k8s.ModeNamespaced
	delete(s.Pods, refusedEnv)
	delete(s.Workloads, refusedEnv)
	delete(s.Jobs, refusedEnv)
	s.NoAccess = map[string]string{refusedEnv: `pods is forbidden: User "dev@example.com" cannot list resource "pods" in API group "" in the namespace "shop-main"`}
}

func TestGoldenEnvironmentsEnvsOnly80(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, envsOnly)), 80, 24)
	s.waitFor("envs only", "NoAccess")
	s.golden()
}

func TestGoldenEnvironmentsEnvsOnly160(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, envsOnly)), 160, 48)
	s.waitFor("envs only", "NoAccess")
	s.golden()
}

// TestGoldenEnvironmentsClusterWide160 is the same screen with an admin's
// cluster-wide watch: no mode in the header, every env read.
func TestGoldenEnvironmentsClusterWide160(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, func(s *k8s.Snapshot) { s.Mode = k8s.ModeClusterWide })), 160, 48)
	s.waitFor("shop-main", "Ready 3/3")
	s.golden()
}

func TestGoldenDetailNoAccess(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, envsOnly)), 80, 24)
	s.waitFor("NoAccess")
	s.keys("j", "j", "enter")
	s.waitFor("shop-main", "forbidden")
	s.golden()
}
