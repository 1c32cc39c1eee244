package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/status"
)

// TestLifecycleCommands runs the whole life of an environment through the
// CLI: up of examples/shop, ls, status, sleep, wake, gc, down.
func TestLifecycleCommands(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	project := testcluster.UniqueName("shop")
	hook := newWebhook(t)
	dir := shopRepo(t, "cli/Lifecycle", project, hook.srv.URL+"/hooks/s3cr3t")
	ns := envs.Namespace("dev", project, "cli/Lifecycle")
	t.Cleanup(func() { _ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })

	code, stdout, stderr := berthAt(t, ctx, nil, "up", "--dir", dir, "--timeout", "3m")
	if code != exitOK {
		t.Fatalf("up: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if texts := hook.all(); len(texts) != 1 || !strings.Contains(texts[0], ns+" is ready") || strings.Contains(texts[0], "s3cr3t") {
		t.Errorf("webhook after up: %q", texts)
	}

	// ls -o json shows the env, ready, on spot.
	code, stdout, stderr = berthAt(t, ctx, nil, "ls", "-o", "json", "--dir", dir)
	if code != exitOK {
		t.Fatalf("ls: exit %d: %s", code, stderr)
	}
	var rows []lsRow
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("ls -o json: %v\n%s", err, stdout)
	}
	if len(rows) != 1 {
		t.Fatalf("ls shows %d envs of project %s, want 1: %s", len(rows), project, stdout)
	}
	r := rows[0]
	if r.Namespace != ns || r.Branch != "cli/Lifecycle" || r.Project != project || r.Status != status.PhaseReady ||
		r.Ready == 0 || r.Ready != r.Total || r.Spot == 0 || r.OnDemand != 0 || r.Sleeping || r.ExpiresAt == nil || r.Owner == "" && r.Commit == "" {
		t.Errorf("ls row %+v", r)
	}
	// Another project's listing does not show it; --all-projects does.
	if _, out, _ := berthAt(t, ctx, nil, "ls", "-o", "json", "--project", "nope-"+project, "--dir", dir); strings.Contains(out, ns) {
		t.Errorf("ls of another project shows %s", ns)
	}
	if _, out, _ := berthAt(t, ctx, nil, "ls", "-A", "-o", "yaml", "--dir", dir); !strings.Contains(out, "namespace: "+ns) {
		t.Errorf("ls -A -o yaml misses %s", ns)
	}
	code, stdout, _ = berthAt(t, ctx, nil, "ls", "--dir", dir)
	if code != exitOK || !strings.Contains(stdout, "SPOT/OD") || !regexpLine(stdout, ns+`\s+cli/Lifecycle\s+Ready (\d+)/(\d+)\s+\S+\s+\d+/0\s`) {
		t.Errorf("ls table:\n%s", stdout)
	}

	// status: by branch, text and JSON.
	code, stdout, stderr = berthAt(t, ctx, nil, "status", "cli/Lifecycle", "--dir", dir)
	if code != exitOK || !strings.Contains(stdout, "Status: Ready") || !strings.Contains(stdout, "Deployment/web") ||
		!strings.Contains(stdout, "JOB") || !strings.Contains(stdout, "spot") {
		t.Errorf("status: exit %d\n%s%s", code, stdout, stderr)
	}
	var sv statusView
	code, stdout, _ = berthAt(t, ctx, nil, "status", ns, "-o", "json", "--dir", dir)
	if err := json.Unmarshal([]byte(stdout), &sv); err != nil || code != exitOK {
		t.Fatalf("status -o json: exit %d, %v\n%s", code, err, stdout)
	}
	if sv.Status != status.PhaseReady || len(sv.Workloads) < 4 || len(sv.Jobs) < 1 || len(sv.Pods) < 4 {
		t.Errorf("status -o json: %+v", sv)
	}
	for _, p := range sv.Pods {
		if p.Status == "Running" && p.Capacity != "spot" {
			t.Errorf("pod %s on %q capacity", p.Name, p.Capacity)
		}
	}

	// sleep, then ls says so; wake restores.
	code, stdout, stderr = berthAt(t, ctx, nil, "sleep", "cli/Lifecycle", "--dir", dir)
	if code != exitOK || !strings.Contains(stdout, "is asleep") || !strings.Contains(stdout, "Deployment/web scaled to 0") {
		t.Fatalf("sleep: exit %d\n%s%s", code, stdout, stderr)
	}
	_, stdout, _ = berthAt(t, ctx, nil, "ls", "-o", "json", "--dir", dir)
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil || len(rows) != 1 || !rows[0].Sleeping || rows[0].Status != status.PhaseSleeping {
		t.Errorf("ls after sleep: %v %s", err, stdout)
	}
	code, stdout, stderr = berthAt(t, ctx, nil, "wake", "--dir", dir) // the repo's branch
	if code != exitOK || !strings.Contains(stdout, "is awake") || !strings.Contains(stdout, "Deployment/web scaled to 1") {
		t.Fatalf("wake: exit %d\n%s%s", code, stdout, stderr)
	}

	// gc: nothing to do for a fresh env.
	code, stdout, stderr = berthAt(t, ctx, nil, "gc", "--dir", dir, "-o", "json")
	if code != exitOK || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("gc of a fresh env: exit %d %q %q", code, stdout, stderr)
	}

	// down the current branch's env, waiting.
	code, stdout, stderr = berthAt(t, ctx, nil, "down", "--yes", "--wait", "--dir", dir)
	if code != exitOK || !strings.Contains(stdout, ns+" deleted") {
		t.Fatalf("down: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
		t.Errorf("namespace %s still exists after down --wait", ns)
	}
	code, stdout, stderr = berthAt(t, ctx, nil, "ls", "--dir", dir)
	if code != exitOK || strings.Contains(stdout, ns) || !strings.Contains(stderr, "No berth environments") {
		t.Errorf("ls after down: exit %d %q %q", code, stdout, stderr)
	}
	code, _, stderr = berthAt(t, ctx, nil, "status", "--dir", dir)
	if code != exitError || !strings.Contains(stderr, "no berth environment") {
		t.Errorf("status after down: exit %d %q", code, stderr)
	}
}

func TestLsCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"ls", "-o", "xml"}, {"ls", "extra"}, {"status", "-o", "table"}, {"gc", "-o", "xml"}, {"gc", "--idle-sleep", "soon"}} {
		code, _, stderr := runBerth(append(args, "--kubeconfig", "/nonexistent")...)
		if code != exitUsage {
			t.Errorf("berth %v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}

// regexpLine reports whether some line of s matches the pattern.
func regexpLine(s, pattern string) bool {
	re := regexp.MustCompile(pattern)
	for _, l := range strings.Split(s, "\n") {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}
