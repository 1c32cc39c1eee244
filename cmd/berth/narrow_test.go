package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// TestCommandsUnderNarrowGrant runs ls and status as a developer with
// issue 20's narrow grant (a kubeconfig impersonating it): an env bound to
// the developer shows as it is, one without the binding as NoAccess in ls,
// and status of that one says so and exits 1.
func TestCommandsUnderNarrowGrant(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	grant, _ := testcluster.Narrow(t, c)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := grant.WriteKubeconfig(testcluster.Kubeconfig(t), kubeconfig); err != nil {
		t.Fatal(err)
	}
	asDev := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"berth", "--kubeconfig", kubeconfig}, args...), nil, &out, &errOut)
		return code, out.String(), errOut.String()
	}

	project := testcluster.UniqueName("p")
	bound := cliEnv(t, c, project, "mine", nil)
	unbound := cliEnv(t, c, project, "theirs", nil)
	if err := grant.BindEnv(ctx, c.Typed, bound); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{bound, unbound} {
		testcluster.WaitServiceAccount(t, c, ns)
		labels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: ns}
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, testcluster.WebDeployment(labels), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// status of the bound env: its rollout and pod, once Ready.
	var sv statusView
	for {
		code, stdout, stderr := asDev("status", bound, "-o", "json", "--project", project, "--dir", t.TempDir())
		if code != exitOK {
			t.Fatalf("status %s as the developer: exit %d\n%s", bound, code, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &sv); err != nil {
			t.Fatalf("status -o json: %v\n%s", err, stdout)
		}
		if sv.Status == status.PhaseReady {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("status %s never Ready: %+v", bound, sv)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if len(sv.Workloads) != 1 || len(sv.Pods) != 1 || sv.Pods[0].Status != "Running" {
		t.Errorf("status %s as the developer: %+v", bound, sv)
	}

	// status of the other: NoAccess, exit 1, saying why.
	code, stdout, stderr := asDev("status", unbound, "--project", project, "--dir", t.TempDir())
	if code != exitError || !strings.Contains(stdout, "Status: NoAccess") || !strings.Contains(stderr, "no access") || !strings.Contains(stderr, unbound) {
		t.Errorf("status %s as the developer: exit %d\n%s%s", unbound, code, stdout, stderr)
	}

	// ls: both envs, the other one NoAccess.
	code, stdout, stderr = asDev("ls", "-o", "json", "--project", project, "--dir", t.TempDir())
	if code != exitOK {
		t.Fatalf("ls as the developer: exit %d: %s", code, stderr)
	}
	var rows []lsRow
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("ls -o json: %v\n%s", err, stdout)
	}
	got := map[string]lsRow{}
	for _, r := range rows {
		got[r.Namespace] = r
	}
	if r := got[bound]; len(rows) != 2 || r.Status != status.PhaseReady || r.Pods != 1 {
		t.Errorf("ls as the developer: %s", stdout)
	}
	if r := got[unbound]; r.Status != status.PhaseNoAccess || r.Branch != "theirs" || !strings.Contains(r.Reason, "forbidden") {
		t.Errorf("ls row of %s: %+v, want NoAccess with the refusal", unbound, r)
	}
	code, stdout, _ = asDev("ls", "--project", project, "--dir", t.TempDir())
	if code != exitOK || !regexpLine(stdout, unbound+`\s+theirs\s+NoAccess\s`) {
		t.Errorf("ls table as the developer:\n%s", stdout)
	}
}
