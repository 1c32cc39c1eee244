package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/bench/apimetrics"
	"github.com/berth-dev/berth/bench/scaleload"
)

// runTUIBench measures the real bin/berth TUI as a whole process on a load
// made by `berthbench load`: it starts berth (no arguments, in an empty
// directory, so it shows every project's environments) inside a private
// tmux server at a fixed size, waits until the screen shows every
// namespace with all its pods, then reads the process's CPU time and RSS
// from /proc over an idle window, and quits.
func runTUIBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tui", flag.ContinueOnError)
	bin := fs.String("berth", "bin/berth", "berth binary")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the (private) bench cluster")
	run := fs.String("run", "", "run id printed by load")
	idle := fs.Duration("idle", 10*time.Second, "idle window over which CPU is measured")
	settle := fs.Duration("settle", 2*time.Second, "after the first full screen, how long berth's watch count on the apiserver must stay unchanged before the idle window")
	timeout := fs.Duration("timeout", 5*time.Minute, "longest wait for the first full screen")
	width := fs.Int("width", 160, "terminal width")
	height := fs.Int("height", 48, "terminal height")
	asKubeconfig := fs.String("as-kubeconfig", "", "kubeconfig berth runs with (default -kubeconfig), e.g. a developer's from berthbench narrow")
	result := fs.String("result", "", "also write the figures here as JSON (for berthbench compare)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *run == "" || *kubeconfig == "" {
		return fmt.Errorf("tui: -kubeconfig and -run are required")
	}
	berth, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	kc, err := filepath.Abs(*kubeconfig)
	if err != nil {
		return err
	}
	berthKC := kc
	if *asKubeconfig != "" {
		if berthKC, err = filepath.Abs(*asKubeconfig); err != nil {
			return err
		}
	}
	cs, err := bulkClient(kc)
	if err != nil {
		return err
	}
	watches0, err := apimetrics.Watches(ctx, cs.Discovery().RESTClient(), watchedResources)
	if err != nil {
		return err
	}
	load, err := scaleload.Open(ctx, cs, *run)
	if err != nil {
		return err
	}

	// An empty working directory: outside an app berth shows all projects.
	dir, err := os.MkdirTemp("", "berthbench-tui-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()

	t := &tmux{socket: filepath.Join(dir, "tmux.sock"), session: "berth"}
	defer t.kill()
	t0 := time.Now()
	if err := t.start(ctx, dir, *width, *height, berth, "--kubeconfig", berthKC); err != nil {
		return err
	}
	pid, err := t.pid(ctx)
	if err != nil {
		return err
	}
	defer t.stop(ctx, pid)

	want := load.Screen()
	screen, err := t.waitFor(ctx, *timeout, pid, want.Shows)
	if err != nil {
		return fmt.Errorf("first full screen: %w\nlast screen:\n%s", err, screen)
	}
	firstScreen := time.Since(t0)
	rssFirst := procStatus(pid, "VmRSS")

	// The idle window starts once berth's watches are all open: their
	// count on the apiserver steady for -settle (in namespaced mode they
	// follow the lists, which go on after the first screen: at least one,
	// of pods, in every namespace).
	mode, atLeast := "cluster-wide", map[string]float64(nil)
	if header, _, _ := strings.Cut(screen, "\n"); strings.Contains(header, "envs only") {
		mode, atLeast = "namespaced", map[string]float64{"namespace": float64(len(load.Namespaces))}
	}
	settleFrom := time.Now()
	watches1, opened, err := apimetrics.SettleWatches(ctx, cs.Discovery().RESTClient(), watchedResources, *settle, 3*time.Minute, atLeast)
	if err != nil {
		return err
	}
	watches, watchesOpen := apimetrics.Delta(watches0, watches1), settleFrom.Add(opened).Sub(t0)
	cpu0, err := procCPU(pid)
	if err != nil {
		return err
	}
	wall0 := time.Now()
	if err := sleepCtx(ctx, *idle); err != nil {
		return err
	}
	cpu1, err := procCPU(pid)
	if err != nil {
		return err
	}
	idleCPU := float64(cpu1-cpu0) / float64(time.Since(wall0))
	rss, anon, file, peak := procStatus(pid, "VmRSS"), procStatus(pid, "RssAnon"), procStatus(pid, "RssFile"), procStatus(pid, "VmHWM")
	if s, err := t.capture(ctx); err != nil || !want.Shows(s) {
		return fmt.Errorf("the screen lost the full list during the idle window:\n%s", s)
	}

	pr := func(format string, a ...any) { fmt.Printf(format+"\n", a...) }
	pr("live view, real binary: %s in tmux %d×%d, %d namespaces × %d pods = %d pods (load %s)",
		*bin, *width, *height, len(load.Namespaces), load.PodsPer, load.Pods(), load.Run)
	pr("access: %s (%s); berth's watches on the apiserver: %s (total %.0f), all open %.1f s after start", mode, berthKC, apimetrics.Format(watches), apimetrics.Total(watches), watchesOpen.Seconds())
	pr("first full screen:  %6.0f ms   (from starting tmux to a captured screen whose header counts all %d envs and whose rows all show %d pods; polled every %s)",
		msf(firstScreen), len(load.Namespaces), load.PodsPer, pollEvery)
	pr("idle CPU (%s):    %6.2f %% of a core (its threads' run time, schedstat)   anchor: k9s on this load 35 %%   ratio %.3f×   target ≈ 0 (≤ 1 %%): %s",
		*idle, idleCPU*100, idleCPU/0.35, verdict(idleCPU <= 0.01))
	pr("memory, whole process: RSS %d MiB at first screen, %d MiB now (anon %d MiB, file %d MiB), peak %d MiB   anchor: k9s peak 653 MiB   peak ratio %.2f×   target peak ≤ 150 MiB: %s",
		rssFirst>>20, rss>>20, anon>>20, file>>20, peak>>20, float64(peak)/(653<<20), verdict(peak <= 150<<20))
	return scaleload.Result{Mode: mode, Process: "binary", FirstScreenMs: msf(firstScreen), IdleCPUPercent: idleCPU * 100,
		PeakRSSMiB: float64(peak) / (1 << 20), Watches: watches, WatchesOpenMs: msf(watchesOpen)}.Write(*result)
}

// watchedResources are the resources berth's watcher lists and watches.
var watchedResources = []string{"namespaces", "pods", "deployments", "statefulsets", "daemonsets", "jobs", "events", "nodes"}

// pollEvery is how often the screen is captured while waiting for it.
const pollEvery = 50 * time.Millisecond

// tmux drives one session on a private tmux server (its own socket file,
// no user configuration), so nothing else's sessions are touched.
type tmux struct {
	socket, session string // socket is a path
}

func (t *tmux) cmd(ctx context.Context, args ...string) (string, error) {
	res, err := command{name: "tmux", args: append([]string{"-S", t.socket, "-f", "/dev/null"}, args...)}.run(ctx)
	return res.stdout, err
}

// start runs argv (executed directly, no shell) in a new detached session
// of the given size; a dead pane stays so its last screen can be read.
func (t *tmux) start(ctx context.Context, dir string, w, h int, argv ...string) error {
	args := []string{"start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
		"new-session", "-d", "-s", t.session, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "-c", dir}
	_, err := t.cmd(ctx, append(args, argv...)...)
	return err
}

// pid is the process id of the program in the session's pane.
func (t *tmux) pid(ctx context.Context) (int, error) {
	out, err := t.cmd(ctx, "list-panes", "-t", t.session, "-F", "#{pane_pid}")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

func (t *tmux) capture(ctx context.Context) (string, error) {
	return t.cmd(ctx, "capture-pane", "-p", "-t", t.session)
}

// waitFor polls the screen until ok holds; it fails early when the
// program exits. It returns the last screen seen.
func (t *tmux) waitFor(ctx context.Context, timeout time.Duration, pid int, ok func(string) bool) (string, error) {
	deadline := time.Now().Add(timeout)
	var last string
	for {
		s, err := t.capture(ctx)
		if err == nil {
			last = s
			if ok(s) {
				return s, nil
			}
		}
		if !alive(pid) {
			return last, errors.New("berth exited")
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("not shown within %s", timeout)
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return last, err
		}
	}
}

// stop quits berth with q and waits for it to exit, killing it when it
// does not within 5 s.
func (t *tmux) stop(ctx context.Context, pid int) {
	if !alive(pid) {
		return
	}
	_, _ = t.cmd(context.WithoutCancel(ctx), "send-keys", "-t", t.session, "q")
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	fmt.Fprintf(os.Stderr, "berthbench: berth (pid %d) did not quit on q; killing it\n", pid)
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

// kill stops the private tmux server and whatever still runs in it.
func (t *tmux) kill() {
	_, _ = t.cmd(context.Background(), "kill-server")
}

// alive reports whether pid runs (and is not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := statFields(string(b))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// statFields are the fields of /proc/<pid>/stat after the command name
// (which may contain spaces): state is [0], utime [11], stime [12].
func statFields(stat string) []string {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(stat[i+1:])
}

// clockTick is the unit of utime and stime: USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// procCPU is the CPU time the process has used (all threads): the sum of
// its threads' run time in /proc/<pid>/task/*/schedstat, in nanoseconds —
// an idle berth uses a few clock ticks in ten seconds, so utime+stime
// (whole ticks) would move the idle figure by a fifth per tick — or,
// where the kernel keeps no schedstat, utime+stime.
func procCPU(pid int) (time.Duration, error) {
	if d, ok := threadsRunTime(pid); ok {
		return d, nil
	}
	return procTicks(pid)
}

// threadsRunTime sums the first field of each thread's schedstat (time
// on a CPU, ns); false when none can be read or all read zero.
func threadsRunTime(pid int) (time.Duration, bool) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, false
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		sum += ns
	}
	return time.Duration(sum), sum > 0
}

// procTicks is utime+stime of /proc/<pid>/stat (all threads).
func procTicks(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := statFields(string(b))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// procStatus reads a "kB" field of /proc/<pid>/status in bytes; 0 if absent.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// msf is a duration in milliseconds.
func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
