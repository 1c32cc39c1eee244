package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ptyRun is a program on a pseudo-terminal of its own, read by the
// harness: the time of every write is known to the byte, with no terminal
// emulator or polling in between. It answers the queries a terminal
// answers (the background colour, the cursor position) at once, as a
// local terminal does.
type ptyRun struct {
	cmd   *exec.Cmd
	ptm   *os.File
	start time.Time // just before the exec

	mu   sync.Mutex
	out  bytes.Buffer
	seen []ptySeen // when out first contained each marker
	done chan struct{}
}

// ptySeen is the first time the output contained marker.
type ptySeen struct {
	marker string
	at     time.Duration // since start; 0 while not seen
}

// startPTY starts argv in dir on a w×h pseudo-terminal, watching its
// output for markers.
func startPTY(dir string, env []string, w, h int, markers []string, argv ...string) (*ptyRun, error) {
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("open pty: %w", err)
	}
	fd := int(ptm.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		ptm.Close()
		return nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		ptm.Close()
		return nil, fmt.Errorf("pty number: %w", err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(h), Col: uint16(w)}); err != nil {
		ptm.Close()
		return nil, fmt.Errorf("pty size: %w", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptm.Close()
		return nil, fmt.Errorf("open pty: %w", err)
	}
	defer pts.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "TERM=xterm-256color"), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	r := &ptyRun{cmd: cmd, ptm: ptm, done: make(chan struct{})}
	for _, m := range markers {
		r.seen = append(r.seen, ptySeen{marker: m})
	}
	r.start = time.Now()
	if err := cmd.Start(); err != nil {
		ptm.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go r.read()
	return r, nil
}

// terminalReplies answer what termenv and bubbletea ask a terminal.
var terminalReplies = []struct{ query, reply string }{
	{"\x1b]11;?", "\x1b]11;rgb:0000/0000/0000\x1b\\"}, // background colour: black
	{"\x1b[6n", "\x1b[1;1R"},                          // cursor position
}

func (r *ptyRun) read() {
	defer close(r.done)
	buf := make([]byte, 64<<10)
	answered := make([]int, len(terminalReplies)) // queries answered so far
	for {
		n, err := r.ptm.Read(buf)
		at := time.Since(r.start)
		if n > 0 {
			r.mu.Lock()
			r.out.Write(buf[:n])
			text := r.out.String()
			for i := range r.seen {
				if r.seen[i].at == 0 && strings.Contains(text, r.seen[i].marker) {
					r.seen[i].at = at
				}
			}
			r.mu.Unlock()
			for i, q := range terminalReplies {
				for c := strings.Count(text, q.query); answered[i] < c; answered[i]++ {
					_, _ = r.ptm.WriteString(q.reply)
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// waitSeen waits until every marker was seen, the program exited or
// timeout passed; it returns the times (0: not seen).
func (r *ptyRun) waitSeen(ctx context.Context, timeout time.Duration) []time.Duration {
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		all := true
		out := make([]time.Duration, len(r.seen))
		for i, s := range r.seen {
			out[i] = s.at
			all = all && s.at > 0
		}
		r.mu.Unlock()
		select {
		case <-r.done:
			return out
		default:
		}
		if all || time.Now().After(deadline) || sleepCtx(ctx, time.Millisecond) != nil {
			return out
		}
	}
}

// screen is what the program wrote so far, for error messages.
func (r *ptyRun) screen() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// quit sends keys (q) and waits up to 5 s for the exit, then kills it.
func (r *ptyRun) quit(keys string) (*os.ProcessState, error) {
	_, _ = r.ptm.WriteString(keys)
	exited := make(chan error, 1)
	go func() { exited <- r.cmd.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		err = fmt.Errorf("did not quit on %q: killed", keys)
		<-exited
	}
	r.ptm.Close()
	<-r.done
	return r.cmd.ProcessState, err
}
