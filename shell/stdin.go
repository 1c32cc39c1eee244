package shell

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/muesli/cancelreader"
)

// replayLimit bounds what stdin keeps for the next default shell: input
// sent before a shell turned out missing. Past it, no fallback.
const replayLimit = 64 << 10

// stdin hands a session's input to one exec attempt after another. An
// attempt's read still blocked when it ended is cancelled (terminals and
// pipes; client-go leaves that read running), so it never steals input
// from the next attempt or, after the session, from the TUI; what an
// attempt was sent is replayed to the next one.
type stdin struct {
	src io.Reader

	mu       sync.Mutex
	cur      *recorder
	sent     []byte
	overflow bool
}

func newStdin(r io.Reader) *stdin { return &stdin{src: r} }

// attempt ends the previous attempt's reader and returns the next one:
// the input sent so far, then the rest.
func (s *stdin) attempt() io.Reader {
	s.close()
	r := &recorder{s: s, r: s.src}
	if cr, err := cancelreader.NewReader(s.src); err == nil { // else a regular file: reads never block
		r.cr, r.r = cr, cr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = r
	return io.MultiReader(bytes.NewReader(bytes.Clone(s.sent)), r)
}

// replayable reports whether all input sent so far can be sent again.
func (s *stdin) replayable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.overflow
}

// close ends the current attempt's reader.
func (s *stdin) close() {
	s.mu.Lock()
	r := s.cur
	s.cur = nil
	s.mu.Unlock()
	if r != nil {
		r.end()
	}
}

func (s *stdin) record(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.overflow {
		return
	}
	if len(s.sent)+len(p) > replayLimit {
		s.overflow, s.sent = true, nil
		return
	}
	s.sent = append(s.sent, p...)
}

// recorder reads one attempt's input, keeping it for the next attempt.
// Once ended it reads nothing more and returns io.EOF (client-go logs
// any other error).
type recorder struct {
	s  *stdin
	r  io.Reader
	cr cancelreader.CancelReader // nil when reads cannot block

	mu             sync.Mutex
	reading, ended bool
}

func (r *recorder) Read(p []byte) (int, error) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return 0, io.EOF
	}
	r.reading = true
	r.mu.Unlock()

	n, err := r.r.Read(p)
	if n > 0 {
		r.s.record(p[:n])
	}

	r.mu.Lock()
	r.reading = false
	ended := r.ended
	if ended && r.cr != nil {
		_ = r.cr.Close()
	}
	r.mu.Unlock()
	if ended || errors.Is(err, cancelreader.ErrCanceled) {
		return 0, io.EOF
	}
	return n, err
}

// end cancels a blocked read and frees the canceller once no read uses it.
func (r *recorder) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.ended = true
	if r.cr != nil {
		r.cr.Cancel()
		if !r.reading {
			_ = r.cr.Close()
		}
	}
}
