package shell

import (
	"context"
	"io"
	"strings"
	"sync/atomic"

	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s/kube"
)

// DefaultShells are tried in order when a session names no command: the
// next one runs when the container has no such program.
var DefaultShells = [][]string{{"/bin/bash"}, {"/bin/sh"}}

// Session is one command session in a container: `berth exec`, or the
// TUI's x through bubbletea's tea.Exec (Session is a tea.ExecCommand: the
// program sets its streams, then calls Run).
type Session struct {
	Config    *rest.Config
	Client    kube.Interface
	Container Container
	// Command is what runs; nil runs the first of DefaultShells the
	// container has.
	Command  []string
	Stdin    bool // send stdin (kubectl -i)
	TTY      bool // a remote terminal (kubectl -t); raw mode when stdin is one
	Protocol Protocol

	in          io.Reader
	out, errOut io.Writer
	// exec runs one command (tests); nil is Exec.
	exec func(ctx context.Context, cmd []string, st Streams) error
}

// SetStdin sets the input; with Stdin false it is not read.
func (s *Session) SetStdin(r io.Reader) { s.in = r }

// SetStdout sets the output.
func (s *Session) SetStdout(w io.Writer) { s.out = w }

// SetStderr sets the error output (not used with TTY).
func (s *Session) SetStderr(w io.Writer) { s.errOut = w }

// Run runs the session to its end (tea.ExecCommand).
func (s *Session) Run() error { return s.RunContext(context.Background()) }

// RunContext runs the session until the command ends or ctx is done. With
// TTY and a terminal on stdin, that terminal is in raw mode meanwhile and
// its size follows the window. The error is an *ExitError when the command
// exited non-zero.
func (s *Session) RunContext(ctx context.Context) error {
	out, errOut := s.out, s.errOut
	if out == nil {
		out = io.Discard
	}
	if errOut == nil {
		errOut = io.Discard
	}
	var in *stdin
	if s.Stdin && s.in != nil {
		in = newStdin(s.in)
		defer in.close()
	}
	streams := Streams{Stdout: out, Stderr: errOut, TTY: s.TTY}
	var tty *terminal
	if s.TTY {
		if t, ok := openTerminal(s.in, s.out); ok {
			if s.Stdin { // else Ctrl-C stays local
				if err := t.raw(); err != nil {
					return err
				}
				defer t.restore()
			}
			tty = t
		}
	}
	run := s.exec
	if run == nil {
		run = func(ctx context.Context, cmd []string, st Streams) error {
			return Exec(ctx, s.Config, s.Client, s.Container, cmd, st, s.Protocol)
		}
	}
	cmds := [][]string{s.Command}
	if len(s.Command) == 0 {
		cmds = DefaultShells
	}
	var err error
	for i, cmd := range cmds {
		st := streams
		var wrote atomic.Int64
		st.Stdout = &countWriter{w: st.Stdout, n: &wrote}
		st.Stderr = &countWriter{w: st.Stderr, n: &wrote}
		if in != nil {
			st.Stdin = in.attempt()
		}
		var sizes *sizeQueue
		if tty != nil {
			sizes = tty.sizes() // each attempt starts with the current size
			st.Sizes = sizes
		}
		err = run(ctx, cmd, st)
		if sizes != nil {
			sizes.stop()
		}
		last := i == len(cmds)-1
		if err == nil || last || ctx.Err() != nil || wrote.Load() > 0 || !notFound(err) || (in != nil && !in.replayable()) {
			return err
		}
		// The shell is not there: nothing ran, so the next one gets
		// whatever stdin this one was sent.
	}
	return err
}

// notFound reports an exec that failed because the program is missing:
// runtimes say so in the error (runc: "stat /bin/bash: no such file or
// directory", "executable file not found in $PATH"), or exit 126/127
// without output.
func notFound(err error) bool {
	if code, ok := ExitCode(err); ok {
		return code == 126 || code == 127
	}
	msg := err.Error()
	return strings.Contains(msg, "no such file or directory") || strings.Contains(msg, "not found")
}

// countWriter counts the bytes a command wrote (stdout and stderr share n).
type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
