package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// measurer runs a measured process through a small runner program. A
// process started by berthbench itself reports a wrong peak RSS: Go starts
// children with vfork, and Linux carries the parent's peak RSS into the
// child's at exec, so every figure would read at least berthbench's own
// (~60 MiB, it links client-go). The runner is a few MiB and takes the
// wall time around the fork, so neither skews the figures.
type measurer struct {
	runner string // the runner binary; "" runs the command directly
}

// run runs c as command.run does, with the runner's wall time and peak RSS.
func (m measurer) run(ctx context.Context, c command) (procResult, error) {
	if m.runner == "" {
		return c.run(ctx)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return procResult{}, err
	}
	defer r.Close()
	wrapped := command{dir: c.dir, env: c.env, name: m.runner, args: append([]string{c.name}, c.args...), extra: w}
	res, err := wrapped.run(ctx)
	w.Close()
	if err != nil {
		return res, err
	}
	b := make([]byte, 128)
	n, _ := r.Read(b)
	var wall, rss int64
	if _, err := fmt.Sscan(strings.TrimSpace(string(b[:n])), &wall, &rss); err != nil {
		return res, fmt.Errorf("runner's figures %q: %w", b[:n], err)
	}
	res.wall, res.maxRSS = time.Duration(wall), rss<<10
	return res, nil
}

// runnerSource is the runner: it runs its arguments with its own standard
// streams and writes "wall-ns maxrss-KiB" to file descriptor 3.
const runnerSource = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(127)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	fmt.Fprintf(os.NewFile(3, "figures"), "%d %d\n", wall.Nanoseconds(), rss)
	os.Exit(cmd.ProcessState.ExitCode())
}
`
