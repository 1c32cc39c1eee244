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
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcluster"
)

// TestEndToEndTmux runs the real berth binary in tmux against the local
// cluster, in a git repo of examples/shop: u deploys the branch, the env
// reaches Ready with pods on spot nodes, o opens its URL, logs of a pod and
// of a whole rollout stream, f forwards its services, s sleeps and wakes
// it, d + y deletes it.
func TestEndToEndTmux(t *testing.T) {
	kubeconfig := testcluster.Kubeconfig(t)
	c := testcluster.Client(t)
	berth := buildBerth(t)

	branch := testcluster.UniqueName("e2e/tui")
	// A domain gives the env URLs; o opens one with the platform opener,
	// here an xdg-open on PATH that records what it was asked to open.
	dir := testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		if rel == "berth.yaml" {
			return append(data, "domain: dev.example.test\n"...)
		}
		return data
	})
	ns := envNamespace(t, dir)
	opened := filepath.Join(t.TempDir(), "opened")
	openerDir := t.TempDir()
	opener := "#!/bin/sh\necho \"$@\" >> " + opened + "\n"
	if err := os.WriteFile(filepath.Join(openerDir, "xdg-open"), []byte(opener), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})

	ts := startTmux(t, kubeconfig, berth, dir, 120, 40, "PATH="+openerDir+":"+os.Getenv("PATH"))
	waitScreen, keys := ts.waitScreen, ts.keys
	contains := containsAll

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

	// The env's URLs in the header; o opens one (the opener records it).
	if !strings.Contains(s, "URLs: ") || !strings.Contains(s, ".dev.example.test") {
		t.Errorf("detail view shows no URLs of the env:\n%s", s)
	}
	keys("o")
	waitScreen("the URL opened", 10*time.Second, contains("opened http://"))
	// berth starts the opener and does not wait for it: wait for its record.
	var got []byte
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		got, _ = os.ReadFile(opened)
		return len(got) > 0, nil
	})
	if err != nil || !regexp.MustCompile(`^http://[a-z0-9-]+\.dev\.example\.test`).Match(got) {
		t.Errorf("xdg-open was asked to open %q (%v), want an env URL", got, err)
	}

	// l: logs of the pod under the cursor stream in.
	keys("l")
	waitScreen("log lines", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "Logs ") && regexp.MustCompile(`\d+ lines · following`).MatchString(s) && !regexp.MustCompile(`\b0 lines`).MatchString(s)
	})

	// l on a rollout: the merged logs of all its pods, [pod/container] first.
	keys("Escape")
	waitScreen("the detail view again", 10*time.Second, contains("ROLLOUTS"))
	keys("c")
	waitScreen("the rollouts expanded", 10*time.Second, contains("Deployment/"))
	keys("BTab")
	keys("BTab")
	keys("l")
	waitScreen("a rollout's merged log lines", 30*time.Second, func(s string) bool {
		return regexp.MustCompile(`Logs (deployment|statefulset)/`).MatchString(s) && regexp.MustCompile(`(?m)^\[[a-z0-9-]+/[a-z0-9-]+\] level=`).MatchString(s)
	})

	// Back home; d + y deletes the env; it goes away.
	keys("Escape")
	waitScreen("the detail view again", 10*time.Second, contains("ROLLOUTS"))

	// f: the env's services are forwarded as compose maps them; a request
	// to web's local port reaches the test's server through the API server.
	testcluster.ForwardTo(t, c, ns, []int32{8080}, testcluster.ServeLines(t))
	keys("f")
	fwd := regexp.MustCompile(`forwarding .*?(127\.0\.0\.1:\d+) → web:8080`)
	s = waitScreen("web forwarded in the env header", 30*time.Second, fwd.MatchString)
	if got := testcluster.AskLine(t, fwd.FindStringSubmatch(s)[1], "hello"); got != "server got hello" {
		t.Errorf("through the forward: %q, want the server's reply", got)
	}
	keys("f")
	waitScreen("the forwards stopped", 10*time.Second, contains("forward "+ns+": stopped"))
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
	// The detail view's env line also holds the branch and "Ready": home is
	// the environment list. Waiting for it also keeps s apart from the
	// Escape before it (a key right after Escape reads as Alt+key).
	waitScreen("home with the env", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "Environments (") && !strings.Contains(s, "ROLLOUTS") && strings.Contains(rowOf(s), "Ready")
	})
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
	return strings.Contains(podSection(screen), want)
}

// TestEndToEndTmuxBigEnv brings up genapp's realistic app (60 services:
// 57 Deployments, 3 Jobs, no berth.yaml) with u and opens its detail view
// in an 80×24 terminal: the env line stays on screen, the complete
// rollouts fold into one line that c expands, and PODS shows several rows.
func TestEndToEndTmuxBigEnv(t *testing.T) {
	kubeconfig := testcluster.Kubeconfig(t)
	c := testcluster.Client(t)
	bin := buildBerth(t)

	branch := testcluster.UniqueName("e2e/big")
	dir := testcluster.RealisticRepo(t, branch)
	workloads := genapp.DefaultServices - 3
	ns := envNamespace(t, dir)
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})

	ts := startTmux(t, kubeconfig, bin, dir, 80, 24)
	ts.waitScreen("the not-running row", 30*time.Second, containsAll("not running", "press u"))
	ts.keys("u")
	// At 80 columns the env line takes two lines, below the title line;
	// the second ends with the env's cost (default prices, kwok nodes).
	// Ready counts replicas (ready of desired), not workloads.
	envLine := regexp.MustCompile(`^Ready (\d+)/(\d+) · branch ` + regexp.QuoteMeta(branch) + ` · pods \d+: spot \d+, on-demand \d+\nexpires \S+ · owner ` + regexp.QuoteMeta(testcluster.RepoEmail) + ` · \$\d+\.\d\d/day · spot saves \d+%\n`)
	// line is the screen from its line i (0-based) on.
	line := func(s string, i int) string {
		ls := strings.Split(s, "\n")
		return strings.Join(ls[min(i, len(ls)):], "\n")
	}
	s := ts.waitScreen("the env Ready in the detail view", 4*time.Minute, func(s string) bool {
		m := envLine.FindStringSubmatch(line(s, 1))
		return strings.Contains(s, "ROLLOUTS") && m != nil && m[1] == m[2]
	})
	t.Logf("detail view:\n%s", s)
	if !strings.Contains(s, fmt.Sprintf("✓ %d rollouts complete — press c to expand", workloads)) {
		t.Errorf("the complete rollouts are not folded into one line:\n%s", s)
	}
	if n := podRows(s); n < 2 {
		t.Errorf("PODS shows %d rows, want several:\n%s", n, s)
	}

	// c lists every rollout; the env line stays on top.
	ts.keys("c")
	s = ts.waitScreen("the rollouts expanded", 10*time.Second, containsAll("press c to fold", "Deployment/"))
	if !envLine.MatchString(line(s, 1)) {
		t.Errorf("lines 2-3 are not the env line once expanded:\n%s", s)
	}
	// Scrolling PODS to its end keeps the env line too.
	ts.keys("G")
	s = ts.waitScreen("PODS scrolled to its end", 10*time.Second, containsAll("above"))
	if !envLine.MatchString(line(s, 1)) {
		t.Errorf("lines 2-3 are not the env line with PODS scrolled:\n%s", s)
	}

	ts.keys("q")
	ts.waitScreen("berth to exit", 10*time.Second, containsAll("berth exited 0"))
}

// buildBerth builds the berth binary into a temp dir.
func buildBerth(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "berth")
	build := exec.Command("go", "build", "-o", bin, "../cmd/berth")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build berth: %v\n%s", err, out)
	}
	return bin
}

// envNamespace is the namespace `berth up` in dir makes.
func envNamespace(t *testing.T, dir string) string {
	t.Helper()
	app, err := envs.LoadApp(context.Background(), envs.AppOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	env, err := app.Env(envs.Overrides{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return env.Namespace
}

// tmuxSession is berth running in a detached tmux session of its own server.
type tmuxSession struct {
	t          *testing.T
	tmux, sock string
}

// startTmux runs bin in dir in a w×h tmux pane, with env (VAR=value) added
// to its environment; the server is killed at the end of the test.
func startTmux(t *testing.T, kubeconfig, bin, dir string, w, h int, env ...string) *tmuxSession {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatalf("tmux is needed for the end-to-end test (apt-get install -y tmux): %v", err)
	}
	ts := &tmuxSession{t: t, tmux: tmux, sock: testcluster.UniqueName("berth-e2e")}
	vars := strings.Join(append([]string{"KUBECONFIG=" + kubeconfig, "TERM=xterm-256color", "NO_COLOR=1"}, env...), " ")
	cmdline := fmt.Sprintf("env %s %s; echo berth exited $?; sleep 60", vars, bin)
	ts.run("new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "-c", dir, cmdline)
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", ts.sock, "kill-server").Run() })
	return ts
}

func (ts *tmuxSession) run(args ...string) string {
	ts.t.Helper()
	out, err := exec.Command(ts.tmux, append([]string{"-L", ts.sock}, args...)...).CombinedOutput()
	if err != nil {
		ts.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (ts *tmuxSession) screen() string { return ts.run("capture-pane", "-p", "-t", "e2e") }

func (ts *tmuxSession) keys(k ...string) { ts.run(append([]string{"send-keys", "-t", "e2e"}, k...)...) }

// waitScreen polls the screen until ok, failing the test after timeout.
func (ts *tmuxSession) waitScreen(what string, timeout time.Duration, ok func(string) bool) string {
	ts.t.Helper()
	deadline := time.Now().Add(timeout)
	start := time.Now()
	for {
		s := ts.screen()
		if ok(s) {
			ts.t.Logf("%s after %s", what, time.Since(start).Round(100*time.Millisecond))
			return s
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("waiting %s for %s; screen:\n%s", timeout, what, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// containsAll reports whether a screen contains every one of want.
func containsAll(want ...string) func(string) bool {
	return func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}
}

// podSection is the PODS section of a screen: from its title to the next
// section title or blank line.
func podSection(screen string) string {
	_, pods, ok := strings.Cut(screen, "\nPODS")
	if !ok {
		return ""
	}
	var out []string
	for i, l := range strings.Split(pods, "\n") {
		if i > 0 && (l == "" || l[0] != ' ' && l[0] != '>') {
			break
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// podRows counts the pod rows on a screen (the lines of the PODS section
// after its title and column header).
func podRows(screen string) int {
	return max(0, strings.Count(podSection(screen), "\n")-1)
}
