package tui_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
)

// TestEndToEndTmux runs the real berth binary in tmux against the local
// cluster, in a git repo of examples/shop: u deploys the branch, the env
// reaches Ready with pods on spot nodes, logs stream, s sleeps and wakes
// it, d + y deletes it.
func TestEndToEndTmux(t *testing.T) {
	kubeconfig := testcluster.Kubeconfig(t)
	c := testcluster.Client(t)
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatalf("tmux is needed for the end-to-end test (apt-get install -y tmux): %v", err)
	}

	bin := filepath.Join(t.TempDir(), "berth")
	build := exec.Command("go", "build", "-o", bin, "../cmd/berth")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build berth: %v\n%s", err, out)
	}

	branch := testcluster.UniqueName("e2e/tui")
	dir := testcluster.ExampleRepo(t, "shop", branch, nil)
	app, err := envs.LoadApp(context.Background(), envs.AppOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	env, err := app.Env(envs.Overrides{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ns := env.Namespace
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})

	sock := testcluster.UniqueName("berth-e2e")
	tm := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cmdline := fmt.Sprintf("env KUBECONFIG=%s TERM=xterm-256color NO_COLOR=1 %s; echo berth exited $?; sleep 60", kubeconfig, bin)
	tm("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", "-c", dir, cmdline)
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", sock, "kill-server").Run() })

	screen := func() string { return tm("capture-pane", "-p", "-t", "e2e") }
	waitScreen := func(what string, timeout time.Duration, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(timeout)
		start := time.Now()
		for {
			s := screen()
			if ok(s) {
				t.Logf("%s after %s", what, time.Since(start).Round(100*time.Millisecond))
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting %s for %s; screen:\n%s", timeout, what, s)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	contains := func(want ...string) func(string) bool {
		return func(s string) bool {
			for _, w := range want {
				if !strings.Contains(s, w) {
					return false
				}
			}
			return true
		}
	}
	keys := func(k ...string) { tm(append([]string{"send-keys", "-t", "e2e"}, k...)...) }

	// Home: the branch has no env yet.
	waitScreen("the not-running row", 30*time.Second, contains(branch, "not running", "press u"))

	// u: the spin-up view, then the env's detail once it is up.
	keys("u")
	waitScreen("the spin-up view", 15*time.Second, contains("Deploying branch "+branch))
	// Workloads and pods arrive on separate watches: the env may read
	// Ready a moment before its pods' nodes are shown, so wait for both.
	spot := regexp.MustCompile(`spot ([1-9]\d*), on-demand`)
	s := waitScreen("the env Ready in the detail view, its pods on spot nodes", 4*time.Minute, func(s string) bool {
		return strings.Contains(s, "ROLLOUTS") && regexp.MustCompile(`(?m)^Ready \d+/\d+`).MatchString(s) &&
			spot.MatchString(s) && podRowsMention(s, " spot ")
	})
	t.Logf("detail view:\n%s", s)
	if !strings.Contains(s, "berth · ") || !strings.Contains(s, ns) {
		t.Errorf("detail view does not name %s:\n%s", ns, s)
	}

	// l: logs of the pod under the cursor stream in.
	keys("l")
	waitScreen("log lines", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "Logs ") && regexp.MustCompile(`\d+ lines · following`).MatchString(s) && !regexp.MustCompile(`\b0 lines`).MatchString(s)
	})

	// Back home; d + y deletes the env; it goes away.
	keys("Escape")
	waitScreen("the detail view again", 10*time.Second, contains("ROLLOUTS"))
	// At home, long namespaces are cut: find the env's row by its branch.
	rowOf := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, branch) && !strings.Contains(l, "not running") {
				return l
			}
		}
		return ""
	}
	keys("Escape")
	waitScreen("home with the env", 10*time.Second, func(s string) bool { return strings.Contains(rowOf(s), "Ready") })
	// s sleeps the env, s again wakes it.
	keys("s")
	waitScreen("the env sleeping", time.Minute, func(s string) bool { return strings.Contains(rowOf(s), "Sleeping") })
	keys("s")
	waitScreen("the env awake and Ready", 2*time.Minute, func(s string) bool {
		m := regexp.MustCompile(`Ready (\d+)/(\d+)`).FindStringSubmatch(rowOf(s))
		return m != nil && m[1] == m[2] && m[1] != "0" && strings.Contains(s, "wake "+ns+": done")
	})

	keys("d")
	waitScreen("the confirmation", 10*time.Second, contains("Delete environment "+ns, "(y/N)"))
	keys("y")
	waitScreen("the env gone", 2*time.Minute, func(s string) bool {
		return rowOf(s) == "" && strings.Contains(s, "not running")
	})

	keys("q")
	waitScreen("berth to exit", 10*time.Second, contains("berth exited 0"))
}

// podRowsMention reports whether a row of the PODS section contains want.
func podRowsMention(screen, want string) bool {
	_, pods, ok := strings.Cut(screen, "\nPODS\n")
	if !ok {
		return false
	}
	pods, _, _ = strings.Cut(pods, "\n\n")
	return strings.Contains(pods, want)
}
