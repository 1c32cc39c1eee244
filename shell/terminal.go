package shell

import (
	"fmt"
	"io"
	"os"
	"os/signal"

	"golang.org/x/term"
	"k8s.io/client-go/tools/remotecommand"
)

// fdFile is a stream with a file descriptor: *os.File.
type fdFile interface{ Fd() uintptr }

// terminal is the local terminal a TTY session runs in.
type terminal struct {
	in    int // stdin's descriptor: raw mode
	size  int // the descriptor to read the window size from
	saved *term.State
}

// openTerminal returns the terminal on in, ok false when in is not one.
// The size comes from out when it is a terminal too (stdin may be
// redirected from one while stdout is another), else from in.
func openTerminal(in io.Reader, out io.Writer) (*terminal, bool) {
	f, ok := in.(fdFile)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, false
	}
	t := &terminal{in: int(f.Fd()), size: int(f.Fd())}
	if o, ok := out.(fdFile); ok && term.IsTerminal(int(o.Fd())) {
		t.size = int(o.Fd())
	}
	return t, true
}

// IsTerminal reports whether r is a terminal (kubectl's test for -t).
func IsTerminal(r io.Reader) bool {
	_, ok := openTerminal(r, nil)
	return ok
}

// raw puts the terminal in raw mode: keys, Ctrl-C included, go to the
// remote terminal as typed.
func (t *terminal) raw() error {
	s, err := term.MakeRaw(t.in)
	if err != nil {
		return fmt.Errorf("terminal raw mode: %w", err)
	}
	t.saved = s
	return nil
}

func (t *terminal) restore() {
	if t.saved != nil {
		_ = term.Restore(t.in, t.saved)
	}
}

// sizes starts reporting the window's size: now, then on every resize
// (SIGWINCH) until stop.
func (t *terminal) sizes() *sizeQueue {
	q := &sizeQueue{ch: make(chan remotecommand.TerminalSize, 1), done: make(chan struct{})}
	sig := make(chan os.Signal, 1)
	notifyResize(sig)
	size := func() (remotecommand.TerminalSize, bool) {
		w, h, err := term.GetSize(t.size)
		if err != nil || w <= 0 || h <= 0 {
			return remotecommand.TerminalSize{}, false
		}
		return remotecommand.TerminalSize{Width: uint16(w), Height: uint16(h)}, true
	}
	go func() {
		defer close(q.ch)
		defer signal.Stop(sig)
		for {
			if s, ok := size(); ok {
				q.put(s)
			}
			select {
			case <-sig:
			case <-q.done:
				return
			}
		}
	}()
	return q
}

// sizeQueue is a remotecommand.TerminalSizeQueue holding the latest size.
type sizeQueue struct {
	ch   chan remotecommand.TerminalSize
	done chan struct{}
}

// put replaces a size not yet taken by s.
func (q *sizeQueue) put(s remotecommand.TerminalSize) {
	select {
	case <-q.ch:
	default:
	}
	q.ch <- s
}

// Next blocks until the size changes; nil once stopped.
func (q *sizeQueue) Next() *remotecommand.TerminalSize {
	s, ok := <-q.ch
	if !ok {
		return nil
	}
	return &s
}

func (q *sizeQueue) stop() { close(q.done) }
