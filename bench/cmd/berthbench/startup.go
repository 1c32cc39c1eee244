package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/bench/scaleload"
)

// startupFigure is one measured command: median wall and the median,
// lowest and highest of its runs' peak RSS (a run's peak moves by a few
// MiB with how many of the binary's file pages the kernel maps at once).
type startupFigure struct {
	wall                time.Duration
	rss, rssMin, rssMax int64
}

// runStartup measures what a user waits for before berth answers: its
// process start (`berth version`), a completion that looks up git and the
// cluster, and the TUI's first frame, each next to the floor, a minimal Go
// program built here with the same toolchain; and the release binary's size.
func runStartup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("startup", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "the berth binary (build it as the release does: -trimpath -ldflags '-s -w')")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the (private) cluster; empty: version only")
	example := fs.String("example", "examples/shop", "the app whose environment the completion and the TUI show")
	runs := fs.Int("runs", 15, "runs of each (median reported)")
	tuiRuns := fs.Int("tui-runs", 7, "TUI launches (median reported)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(*berth)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "berthbench-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	hello, m, err := buildFloor(ctx, work)
	if err != nil {
		return err
	}
	size, err := fileSize(bin)
	if err != nil {
		return err
	}
	floorSize, _ := fileSize(hello)
	fmt.Printf("floor: a hello-world Go program, same toolchain (%s), same flags: %.1f MB\n", runtime.Version(), float64(floorSize)/1e6)

	// berth and the floor alternate, so both see the same machine.
	ver, flo, err := alternate(ctx, m, *runs, command{name: bin, args: []string{"version"}}, command{name: hello})
	if err != nil {
		return err
	}
	printStartup("berth version (process start)", ver, flo)

	if *kubeconfig != "" {
		if err := startupWithEnv(ctx, m, bin, hello, *kubeconfig, *example, work, *runs, *tuiRuns); err != nil {
			return err
		}
	}
	fmt.Printf("release binary (go build -trimpath -ldflags '-s -w', as goreleaser builds it): %.1f MB   floor %.1f MB   ratio %.0f×   target ≤ 60 MB: %s\n",
		float64(size)/1e6, float64(floorSize)/1e6, float64(size)/float64(max(floorSize, 1)), verdict(size <= 60e6))
	fmt.Printf("  issue 16's anchor: kompose 1.38's binary 37 MB (berth then: 126 MB unstripped)\n")
	return nil
}

// startupWithEnv deploys the example app on a fresh branch, then measures
// the completion of a branch (git branches and the cluster's environments)
// and the TUI's first frames in its repository, and deletes the env.
func startupWithEnv(ctx context.Context, m measurer, bin, hello, kubeconfig, example, work string, runs, tuiRuns int) error {
	kc, err := filepath.Abs(kubeconfig)
	if err != nil {
		return err
	}
	src, err := filepath.Abs(example)
	if err != nil {
		return err
	}
	repo, err := gitRepo(ctx, work, filepath.Base(src), src, nil)
	if err != nil {
		return err
	}
	branch := "bench/startup-" + runID()
	objs, err := render(ctx, bin, repo, branch)
	if err != nil {
		return err
	}
	ns, err := namespaceOf(objs)
	if err != nil {
		return err
	}
	defer func() {
		if err := deleteNamespaces(context.WithoutCancel(ctx), kc, ns); err != nil {
			fmt.Fprintf(os.Stderr, "berthbench: delete %s: %v\n", ns, err)
		}
	}()
	if _, err := (command{dir: repo, name: bin, args: []string{"--kubeconfig", kc, "up", "--branch", branch}}).run(ctx); err != nil {
		return err
	}

	complete := command{dir: repo, name: bin, args: []string{"--kubeconfig", kc, "__complete", "down", ""}}
	r, err := complete.run(ctx)
	if err != nil {
		return err
	}
	if !strings.Contains(r.stdout, ns) {
		return fmt.Errorf("completion does not offer the env %s:\n%s", ns, r.stdout)
	}
	comp, flo, err := alternate(ctx, m, runs, complete, command{dir: repo, name: hello})
	if err != nil {
		return err
	}
	printStartup("berth __complete down '' (git branches + the cluster's envs)", comp, flo)
	ctxs, flo, err := alternate(ctx, m, runs, command{dir: repo, name: bin, args: []string{"--kubeconfig", kc, "__complete", "--context", ""}}, command{dir: repo, name: hello})
	if err != nil {
		return err
	}
	printStartup("berth __complete --context '' (the kubeconfig)", ctxs, flo)
	return tuiFirstFrames(ctx, bin, kc, repo, tuiRuns)
}

// tuiFirstFrames launches the TUI in repo on a 120×35 pseudo-terminal runs
// times and reports, from the exec, its first frame (the header: "berth ·
// <context> · shop · …") and its first live frame (after the first LIST).
func tuiFirstFrames(ctx context.Context, bin, kc, repo string, runs int) error {
	const header, live = "berth · ", "● live"
	var firsts, lives []time.Duration
	var rss int64
	for i := 0; i <= runs; i++ {
		p, err := startPTY(repo, nil, 120, 35, []string{header, live}, bin, "--kubeconfig", kc)
		if err != nil {
			return err
		}
		seen := p.waitSeen(ctx, 30*time.Second)
		// VmHWM, not wait4's peak: that carries berthbench's own (see measurer)
		hwm := procStatus(p.cmd.Process.Pid, "VmHWM")
		_, qerr := p.quit("q")
		if seen[0] == 0 || seen[1] == 0 {
			return fmt.Errorf("TUI run %d: no %q or no %q within 30 s (quit: %v); it wrote:\n%q", i+1, header, live, qerr, tail(p.screen(), 2000))
		}
		if i == 0 {
			continue // warm-up
		}
		firsts, lives = append(firsts, seen[0]), append(lives, seen[1])
		rss = max(rss, hwm)
	}
	first, l := scaleload.Median(firsts), scaleload.Median(lives)
	fmt.Printf("TUI first frame (exec → header on the terminal, 120×35 pty, env of %s up): %s   (runs %s)   target ≤ 150 ms: %s\n",
		filepath.Base(repo), ms(first), msList(firsts), verdict(first <= 150*time.Millisecond))
	fmt.Printf("TUI first live frame (after the first LIST, reference):                 %s   peak RSS %.0f MiB\n", ms(l), float64(rss)/(1<<20))
	return nil
}

// alternate runs a and b runs times each, alternating after a warm-up of
// each, and returns their figures.
func alternate(ctx context.Context, m measurer, runs int, a, b command) (startupFigure, startupFigure, error) {
	var aw, bw []time.Duration
	var ar, br []int64
	for i := 0; i <= runs; i++ {
		for _, c := range []struct {
			cmd   command
			walls *[]time.Duration
			rss   *[]int64
		}{{a, &aw, &ar}, {b, &bw, &br}} {
			r, err := m.run(ctx, c.cmd)
			if err != nil {
				return startupFigure{}, startupFigure{}, err
			}
			if i == 0 {
				continue
			}
			*c.walls = append(*c.walls, r.wall)
			*c.rss = append(*c.rss, r.maxRSS)
		}
	}
	return figureOf(aw, ar), figureOf(bw, br), nil
}

// figureOf is the figure of runs' walls and peak RSSs.
func figureOf(walls []time.Duration, rss []int64) startupFigure {
	return startupFigure{wall: scaleload.Median(walls), rss: scaleload.Median(rss), rssMin: slices.Min(rss), rssMax: slices.Max(rss)}
}

// printStartup prints a start-up figure against the floor and the targets
// of issue 16 (≤ 40 ms, ≤ 30 MiB) and its kompose anchor.
func printStartup(what string, f, floor startupFigure) {
	fmt.Printf("%s: %s, peak RSS %.1f MiB (runs %.1f–%.1f)   floor %s, %.1f MiB   berth ÷ floor %s, %.1f×   target ≤ 40 ms: %s, ≤ 30 MiB: %s\n",
		what, ms(f.wall), mib(f.rss), mib(f.rssMin), mib(f.rssMax), ms(floor.wall), mib(floor.rss), ratio(f.wall, floor.wall), float64(f.rss)/float64(max(floor.rss, 1)),
		verdict(f.wall <= 40*time.Millisecond), verdict(f.rss <= 30<<20))
}

// buildFloor builds, with the go command on PATH (the toolchain that built
// berth in run.sh) and the release's flags, the floor (a hello-world
// program) and the runner that measures processes (see measurer).
func buildFloor(ctx context.Context, work string) (hello string, m measurer, err error) {
	dir := filepath.Join(work, "floor")
	files := map[string]string{
		"go.mod":         "module floor\n\ngo 1.26\n",
		"hello/main.go":  "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
		"runner/main.go": runnerSource,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", m, err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return "", m, err
		}
	}
	for _, pkg := range []string{"hello", "runner"} {
		args := []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(dir, pkg, pkg), "./" + pkg}
		if _, err := (command{dir: dir, env: []string{"CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off"}, name: "go", args: args}).run(ctx); err != nil {
			return "", m, fmt.Errorf("build the floor: %w", err)
		}
	}
	return filepath.Join(dir, "hello", "hello"), measurer{runner: filepath.Join(dir, "runner", "runner")}, nil
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// msList formats durations as "12, 14, 13 ms".
func msList(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.0f", msf(d))
	}
	return strings.Join(parts, ", ") + " ms"
}
