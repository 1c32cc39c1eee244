package forward

import (
	"bytes"
	"net"
	"testing"

	"github.com/moby/spdystream/spdy"
)

// recordConn records each write it gets.
type recordConn struct {
	net.Conn
	writes [][]byte
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

// TestFrameConnOneWritePerFrame: spdystream's framer writes frames in
// pieces; frameConn passes each frame on whole, in order, byte for byte.
func TestFrameConnOneWritePerFrame(t *testing.T) {
	var direct bytes.Buffer
	rec := &recordConn{}
	fc := &frameConn{Conn: rec}
	frames := []spdy.Frame{
		&spdy.DataFrame{StreamId: 1, Data: []byte("hello")},
		&spdy.DataFrame{StreamId: 3, Data: nil, Flags: spdy.DataFlagFin},
		&spdy.PingFrame{Id: 7},
		// one header: the framer writes a map's headers in random order
		&spdy.SynStreamFrame{StreamId: 5, Headers: map[string][]string{"Port": {"80"}}},
		&spdy.DataFrame{StreamId: 1, Data: bytes.Repeat([]byte("x"), 70000)},
	}
	for _, w := range []struct {
		name string
		out  *spdy.Framer
	}{{"direct", mustFramer(t, &direct)}, {"frameConn", mustFramer(t, fc)}} {
		for _, f := range frames {
			if err := w.out.WriteFrame(f); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
		}
	}
	if len(rec.writes) != len(frames) {
		t.Errorf("%d writes for %d frames", len(rec.writes), len(frames))
	}
	if got := bytes.Join(rec.writes, nil); !bytes.Equal(got, direct.Bytes()) {
		t.Errorf("bytes differ from the framer's own (%d vs %d)", len(got), direct.Len())
	}
	if len(fc.buf) != 0 {
		t.Errorf("%d bytes left buffered", len(fc.buf))
	}
}

func mustFramer(t *testing.T, w interface{ Write([]byte) (int, error) }) *spdy.Framer {
	t.Helper()
	f, err := spdy.NewFramer(w, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
