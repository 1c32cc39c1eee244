package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// procResult is one finished process: wall time, peak RSS and output.
type procResult struct {
	wall   time.Duration
	maxRSS int64 // bytes, from wait4's rusage
	stdout string
}

// command describes a process to run.
type command struct {
	dir  string
	env  []string // added to the environment
	name string
	args []string
	// extra is passed as file descriptor 3 when set (the runner's figures).
	extra *os.File
}

// run starts the process, waits for it and fails with its stderr when it
// exits non-zero.
func (c command) run(ctx context.Context) (procResult, error) {
	cmd := exec.CommandContext(ctx, c.name, c.args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if c.extra != nil {
		cmd.ExtraFiles = []*os.File{c.extra}
	}
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		return procResult{}, fmt.Errorf("%s %s: %w\n%s", c.name, strings.Join(c.args, " "), err, tail(out.String()+errb.String(), 2000))
	}
	res := procResult{wall: wall, stdout: out.String()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSS = ru.Maxrss << 10 // Linux reports KiB
	}
	return res, nil
}

// tail keeps the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
