package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/logs"
)

func TestLogsUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"logs"}, "name a SERVICE, or --all for every service"},
		{[]string{"logs", "web", "--all"}, "give a SERVICE or --all, not both"},
		{[]string{"logs", "web", "x"}, "accepts at most 1 arg"},
	} {
		code, _, errOut := runRoot(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("berth %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, exitUsage, tc.want)
		}
	}
}

func TestLogsValidateAndOptions(t *testing.T) {
	for _, tc := range []struct {
		o    logsOptions
		err  string
		want logs.Options
	}{
		{o: logsOptions{tail: -1}, want: logs.Options{}},
		{o: logsOptions{tail: 0, follow: true}, want: logs.Options{Tail: -1, Follow: true}},
		{o: logsOptions{tail: 20, since: time.Minute, container: "web", timestamps: true}, want: logs.Options{Tail: 20, Since: time.Minute, Container: "web", Timestamps: true}},
		{o: logsOptions{tail: -1, previous: true, follow: true}, err: "cannot be followed"},
		{o: logsOptions{tail: -2}, err: "--tail"},
		{o: logsOptions{tail: -1, since: -time.Second}, err: "--since"},
	} {
		err := tc.o.Validate()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: err %v, want %q", tc.o, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc.o, err)
		}
		if got := tc.o.logsOptions(); got != tc.want {
			t.Errorf("%+v: options %+v, want %+v", tc.o, got, tc.want)
		}
	}
}

func TestLogsColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	var b strings.Builder
	if colourFor(&b, func(string) string { return "" }) {
		t.Error("colour into a buffer")
	}
}

// TestLogsCommand runs `berth logs` on the local cluster: a service's pods
// merged with their prefixes, --all with the services' names, and an
// unknown service named with the env's services.
func TestLogsCommand(t *testing.T) {
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "logs-cli")
	ctx := context.Background()
	for name, replicas := range map[string]int32{"web": 2, "api": 1} {
		sel := map[string]string{"app": name}
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To(replicas),
				Selector: &metav1.LabelSelector{MatchLabels: sel},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "example/" + name + ":1"}}}},
			},
		}
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return err == nil && running == 3 && len(pods.Items) == 3, err
	})
	if err != nil {
		t.Fatalf("pods of %s: %v", ns, err)
	}
	berth := func(args ...string) (int, string, string) {
		base := []string{"--kubeconfig", testcluster.Kubeconfig(t), "logs", "--env", ns, "--dir", t.TempDir(), "--tail", "1"}
		return runRoot(t, append(base, args...)...)
	}

	code, out, errOut := berth("web")
	line := regexp.MustCompile(`^\[([a-z0-9]{5})/main\] level=info msg="request"`)
	pods := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			pods[m[1]] = true
		} else {
			t.Errorf("line %q has no [pod/container] prefix", l)
		}
	}
	if code != exitOK || len(pods) != 2 {
		t.Errorf("logs web: exit %d, lines of %d pods, want 2:\n%s\nstderr: %s", code, len(pods), out, errOut)
	}

	code, out, errOut = berth("--all")
	if code != exitOK || strings.Count(out, "[web/") != 2 || strings.Count(out, "[api/") != 1 || strings.Contains(out, "\x1b[") {
		t.Errorf("logs --all: exit %d, want a line of each pod, service first, no colours:\n%s\nstderr: %s", code, out, errOut)
	}

	// The TUI's merged logs of a rollout are the same stream.
	tc := workloadLogs{cs: c.Typed}
	var merged []logs.Line
	if err := tc.WorkloadLogs(ctx, ns, "Deployment", "web", logs.Options{Tail: 1}, func(l logs.Line) { merged = append(merged, l) }); err != nil || len(merged) != 2 {
		t.Errorf("TUI logs of deployment/web: %v, %d lines, want 2: %+v", err, len(merged), merged)
	}
	if err := tc.WorkloadLogs(ctx, ns, "StatefulSet", "web", logs.Options{}, func(logs.Line) {}); err == nil || err.Error() != "statefulset/web not found in "+ns {
		t.Errorf("TUI logs of a workload that is not there: %v", err)
	}

	code, _, errOut = berth("cache")
	if want := `service "cache" not found in ` + ns + ` (services: api, web)`; code != exitError || !strings.Contains(errOut, want) {
		t.Errorf("logs cache: exit %d, stderr %q, want %q", code, errOut, want)
	}
}
