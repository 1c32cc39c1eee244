package forward

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/httpstream"
	httpstreamspdy "k8s.io/apimachinery/pkg/util/httpstream/spdy"
	constants "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/websocket"
)

// newTunnelDialer is client-go's portforward.NewSPDYOverWebsocketDialer
// (SPDY streams tunnelled in a websocket, what kubectl ≥ 1.30 uses) built
// from the same parts, with one change: the SPDY framer's writes are
// gathered into one websocket message per frame (see frameConn).
func newTunnelDialer(u *url.URL, cfg *rest.Config) (httpstream.Dialer, error) {
	transport, holder, err := websocket.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	return &tunnelDialer{url: u, transport: transport, holder: holder}, nil
}

type tunnelDialer struct {
	url       *url.URL
	transport http.RoundTripper
	holder    websocket.ConnectionHolder
}

// Dial upgrades to a websocket offering protocols with the SPDY tunnelling
// prefix, as client-go's tunnelling dialer does.
func (d *tunnelDialer) Dial(protocols ...string) (httpstream.Connection, string, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, d.url.String(), nil)
	if err != nil {
		return nil, "", err
	}
	tunnelling := make([]string, 0, len(protocols))
	for _, p := range protocols {
		tunnelling = append(tunnelling, constants.WebsocketsSPDYTunnelingPrefix+p)
	}
	ws, err := websocket.Negotiate(d.transport, d.holder, req, tunnelling...)
	if err != nil {
		return nil, "", err
	}
	if ws == nil {
		return nil, "", fmt.Errorf("negotiated websocket connection is nil")
	}
	protocol := strings.TrimPrefix(ws.Subprotocol(), constants.WebsocketsSPDYTunnelingPrefix)
	conn, err := httpstreamspdy.NewClientConnectionWithPings(&frameConn{Conn: portforward.NewTunnelingConnection("client", ws)}, portforward.PingPeriod)
	return conn, protocol, err
}

// frameConn sends each SPDY frame in one write. spdystream's framer
// writes a data frame in three (stream id, flags and length, payload) and
// control frames in more; over the tunnel each write is a websocket
// message, a TLS record and, with TCP_NODELAY, a packet, each read and
// forwarded by the API server. The frame header says the frame's length
// (SPDY/3: 8 bytes, length in the last 3), so the frame goes out as soon
// as its last byte is written: nothing waits.
type frameConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
}

const frameHeader = 8

func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p...)
	for len(c.buf) >= frameHeader {
		n := frameHeader + (int(c.buf[5])<<16 | int(c.buf[6])<<8 | int(c.buf[7]))
		if len(c.buf) < n {
			break
		}
		if _, err := c.Conn.Write(c.buf[:n]); err != nil {
			return 0, err
		}
		rest := copy(c.buf, c.buf[n:])
		c.buf = c.buf[:rest]
	}
	return len(p), nil
}
