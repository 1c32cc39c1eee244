package cluster

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binaries runs build.sh (instant when cached) for the kcp and kwok paths
// and the directory of CRDs installed at start.
func binaries(t *testing.T) (kcp, kwok, crds string) {
	t.Helper()
	out, err := exec.Command("../build.sh").Output()
	if err != nil {
		t.Fatalf("build.sh: %v", err)
	}
	dirs := strings.Split(strings.TrimSpace(string(out)), ":")
	if len(dirs) != 3 {
		t.Fatalf("build.sh printed %q", out)
	}
	return filepath.Join(dirs[0], "kcp"), filepath.Join(dirs[1], "kwok"), dirs[2]
}

// TestLifecycle starts a second cluster in a temp dir (free ports, so it runs
// beside `make cluster`), checks that Up is idempotent, that a crashed
// component is restarted on the existing data, and that Down leaves no
// process and no state behind.
func TestLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	kcp, kwok, crds := binaries(t)
	var log bytes.Buffer
	c, err := New(Options{Dir: filepath.Join(t.TempDir(), "c"), KCP: kcp, Kwok: kwok, CRDs: crds, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Down() })
	ctx := context.Background()
	if err := c.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, log.String())
	}
	if !c.Running(ctx) {
		t.Fatal("not running after Up")
	}
	pids := map[string]int{}
	for _, name := range componentOrder {
		pid, ok := c.running(name)
		if !ok {
			t.Fatalf("%s not running", name)
		}
		pids[name] = pid
	}

	// A second Up while running changes nothing.
	log.Reset()
	if err := c.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "already running") {
		t.Fatalf("second Up did not detect the running cluster: %s", log.String())
	}
	for name, pid := range pids {
		if got, _ := c.running(name); got != pid {
			t.Fatalf("%s pid changed from %d to %d on a second Up", name, pid, got)
		}
	}

	// A crashed scheduler is detected and the cluster restarts on its data.
	if err := syscall.Kill(pids["kube-scheduler"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, c, "kube-scheduler")
	if c.Running(ctx) {
		t.Fatal("Running is true with the scheduler dead")
	}
	port := c.st.Ports.APIServer
	if err := c.Up(ctx); err != nil {
		t.Fatalf("restart: %v\n%s", err, log.String())
	}
	if c.st.Ports.APIServer != port {
		t.Errorf("restart moved the API server from port %d to %d", port, c.st.Ports.APIServer)
	}

	// Down stops exactly our processes and removes the state directory.
	for _, name := range componentOrder {
		pids[name], _ = c.running(name)
	}
	if err := c.Down(); err != nil {
		t.Fatal(err)
	}
	for name, pid := range pids {
		if alive(pid) {
			t.Errorf("%s (pid %d) still alive after Down", name, pid)
		}
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("state dir still exists after Down: %v", err)
	}
}

func waitGone(t *testing.T, c *Cluster, name string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if _, ok := c.running(name); !ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s still running", name)
}

// alive reports a live, non-zombie process.
func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
