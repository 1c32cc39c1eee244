package testcluster

import (
	"bytes"
	"context"
	"io"
	"sync"
)

// kwok's streaming server can drop output still in flight when an exec'd
// process exits (seen about once in 45 execs). Tests that check an exec's
// output let the command exit only after one more stdin byte (e.g. `…;
// head -c 1 >/dev/null`), which LastByte sends once every output byte
// the test waits for has arrived (Collector.Done).

// Collector collects what is written to it and closes Done once it holds
// Want bytes.
type Collector struct {
	Want int
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
	once sync.Once
}

// NewCollector returns a Collector waiting for want bytes (done at once
// for none).
func NewCollector(want int) *Collector {
	c := &Collector{Want: want, done: make(chan struct{})}
	if want <= 0 {
		c.once.Do(func() { close(c.done) })
	}
	return c
}

// Write implements io.Writer.
func (c *Collector) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if c.buf.Len() >= c.Want {
		c.once.Do(func() { close(c.done) })
	}
	return len(p), nil
}

// Bytes returns what was written so far.
func (c *Collector) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

// Done is closed once Want bytes arrived.
func (c *Collector) Done() <-chan struct{} { return c.done }

// LastByte returns a reader that yields one newline once every channel in
// wait is closed (or ctx ends), then EOF.
func LastByte(ctx context.Context, wait ...<-chan struct{}) io.Reader {
	return &lastByte{ctx: ctx, wait: wait}
}

type lastByte struct {
	ctx  context.Context
	wait []<-chan struct{}
	sent bool
}

func (r *lastByte) Read(p []byte) (int, error) {
	if r.sent || len(p) == 0 {
		return 0, io.EOF
	}
	for _, w := range r.wait {
		select {
		case <-w:
		case <-r.ctx.Done():
			return 0, io.EOF
		}
	}
	r.sent = true
	p[0] = '\n'
	return 1, nil
}
