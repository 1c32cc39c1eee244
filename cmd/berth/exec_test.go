package main

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/shell"
)

func TestExecUsage(t *testing.T) {
	for _, args := range [][]string{
		{"berth", "exec"},
		{"berth", "exec", "web", "ls"}, // the command goes after --
	} {
		var out, errOut strings.Builder
		if code := run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (usage); stderr %s", args, code, exitUsage, errOut.String())
		}
	}
}

// TestExecCommand: berth exec runs in the service's Ready pod through the
// API server: stdout and stderr apart, piped stdin with -i and for a
// shell, and the command's exit code as berth's.
func TestExecCommand(t *testing.T) {
	c := testcluster.Client(t)
	project := testcluster.UniqueName("p")
	ns := cliEnv(t, c, project, "exec", nil)
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "example/web:1"}}},
			},
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := shell.Pick(ctx, c.Typed, ns, "web", "", "")
		return err == nil, nil
	}); err != nil {
		t.Fatalf("no Ready pod of web: %v", err)
	}
	exec := func(in string, args ...string) (int, string, string) {
		t.Helper()
		return berthAt(t, ctx, strings.NewReader(in), append([]string{"exec", "--env", ns, "--project", project, "--dir", t.TempDir()}, args...)...)
	}

	code, out, errOut := exec("", "web", "--", "sh", "-c", "printf out; printf err >&2; exit 3")
	if code != 3 || out != "out" || !strings.HasPrefix(errOut, "err") {
		t.Errorf("exit 3: code %d, stdout %q, stderr %q; want 3, out, err…", code, out, errOut)
	}
	if want := "service web (pod " + ns + "/web-"; !strings.Contains(errOut, want) || !strings.Contains(errOut, "exit code 3") {
		t.Errorf("stderr %q does not name %s… and the exit code", errOut, want)
	}

	code, out, errOut = exec("hello", "web", "-i", "--", "head", "-c", "5")
	if code != 0 || out != "hello" {
		t.Errorf("-i: code %d, stdout %q, stderr %q; want 0, hello", code, out, errOut)
	}

	// A shell reads piped stdin (kwok never ends the command's stdin, so
	// the script exits itself).
	code, out, errOut = exec("echo from-$0; exit 0\n", "web")
	if code != 0 || out != "from-/bin/bash\n" {
		t.Errorf("shell: code %d, stdout %q, stderr %q; want 0, from-/bin/bash", code, out, errOut)
	}

	code, _, errOut = exec("", "cache", "--", "true")
	if code != exitError || !strings.Contains(errOut, `service "cache" not found in `+ns+" (services: web)") {
		t.Errorf("unknown service: code %d, stderr %q", code, errOut)
	}
}

// TestExecSessionFlags: a shell always reads stdin and has a terminal only
// on one; a command reads stdin with -i, and -t needs -i and a terminal
// (warned, as kubectl does, when stdin is not one).
func TestExecSessionFlags(t *testing.T) {
	tests := []struct {
		name            string
		command         []string
		stdin, tty      bool
		wantIn, wantTTY bool
		warned          bool
	}{
		{name: "shell, piped stdin", wantIn: true},
		{name: "command", command: []string{"ls"}},
		{name: "command -i", command: []string{"cat"}, stdin: true, wantIn: true},
		{name: "command -t without -i", command: []string{"top"}, tty: true},
		{name: "command -it, piped stdin", command: []string{"sh"}, stdin: true, tty: true, wantIn: true, warned: true},
	}
	for _, tc := range tests {
		var errOut strings.Builder
		o := &execOptions{targetOptions: targetOptions{globalOptions: &globalOptions{streams: streams{in: strings.NewReader("x"), out: &strings.Builder{}, err: &errOut}}}}
		o.client = &k8s.Client{}
		o.command, o.stdin, o.tty = tc.command, tc.stdin, tc.tty
		s := o.session()
		if s.Stdin != tc.wantIn || s.TTY != tc.wantTTY || (errOut.Len() > 0) != tc.warned {
			t.Errorf("%s: stdin %v, tty %v, warning %q; want %v, %v, warned %v", tc.name, s.Stdin, s.TTY, errOut.String(), tc.wantIn, tc.wantTTY, tc.warned)
		}
	}
}
