package tui_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/meta"
)

// TestEndToEndTmuxEnvsOnly runs the real berth binary in tmux as a
// developer with issue 20's narrow grant (a kubeconfig impersonating it):
// the header says "envs only", an env bound to the developer shows Ready
// with its pod, one without the binding NoAccess, and an env created and
// deleted while berth runs appears with its pod and goes.
func TestEndToEndTmuxEnvsOnly(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	berth := buildBerth(t)
	grant, _ := testcluster.Narrow(t, c)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := grant.WriteKubeconfig(testcluster.Kubeconfig(t), kubeconfig); err != nil {
		t.Fatal(err)
	}

	project := testcluster.UniqueName("envsonly")
	env := func(branch string, bind bool) string {
		ns := testcluster.EnvNamespace(t, c, "e2e", project, branch, nil)
		if bind {
			if err := grant.BindEnv(ctx, c.Typed, ns); err != nil {
				t.Fatal(err)
			}
		}
		labels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: ns}
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, testcluster.WebDeployment(labels), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		return ns
	}
	suffix := strings.TrimPrefix(project, "envsonly-")
	mine, theirs, later := "mine-"+suffix, "theirs-"+suffix, "added-"+suffix
	env(mine, true)
	env(theirs, false)

	// No app here: every project's envs, this test's found by branch.
	ts := startTmux(t, kubeconfig, berth, t.TempDir(), 120, 30)
	row := func(s, branch string) string {
		for _, l := range strings.Split(s, "\n") {
			if regexp.MustCompile(`\s` + regexp.QuoteMeta(branch) + `\s`).MatchString(l) {
				return l
			}
		}
		return ""
	}
	s := ts.waitScreen("envs only; mine Ready, theirs NoAccess", time.Minute, func(s string) bool {
		header, _, _ := strings.Cut(s, "\n")
		return strings.Contains(header, "envs only") && strings.Contains(row(s, mine), "Ready 1/1") && strings.Contains(row(s, theirs), "NoAccess")
	})
	t.Logf("screen:\n%s", s)
	if r := row(s, theirs); !strings.Contains(r, " ? ") {
		t.Errorf("NoAccess row counts pods it cannot read: %q", r)
	}

	// An env appears while berth runs, then goes.
	added := env(later, true)
	ts.waitScreen("the new env Ready", time.Minute, func(s string) bool { return strings.Contains(row(s, later), "Ready 1/1") })
	if err := c.Typed.CoreV1().Namespaces().Delete(ctx, added, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ts.waitScreen("the deleted env gone", 2*time.Minute, func(s string) bool {
		return row(s, later) == "" && strings.Contains(row(s, mine), "Ready 1/1")
	})
	ts.keys("q")
	ts.waitScreen("berth exited", 10*time.Second, containsAll("berth exited 0"))
}
