package forward

import (
	"fmt"
	"net/http"
	"net/url"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// Protocol is how the tunnel to the API server is made.
type Protocol string

const (
	// Auto tries the websocket tunnel (what kubectl ≥ 1.30 prefers) and
	// falls back to SPDY when the server cannot upgrade to it.
	Auto Protocol = ""
	// WebSocket is SPDY streams over a websocket, without fallback.
	WebSocket Protocol = "websocket"
	// SPDY is the classic SPDY/3.1 upgrade.
	SPDY Protocol = "spdy"
)

// dialers make the tunnel's dialer for a pod's portforward URL: a primary
// (websocket) and secondary (SPDY); either may be nil when not wanted.
type dialers struct {
	cfg      *rest.Config
	protocol Protocol
	// primary builds the websocket dialer; a test swaps it to prove the
	// fallback.
	primary func(u *url.URL, cfg *rest.Config) (httpstream.Dialer, error)
}

func newDialers(cfg *rest.Config, p Protocol, primary func(*url.URL, *rest.Config) (httpstream.Dialer, error)) *dialers {
	if primary == nil {
		primary = newTunnelDialer
	}
	return &dialers{cfg: cfg, protocol: p, primary: primary}
}

// dialer returns the dialer for u; used (when dialing succeeds) holds the
// protocol that made the connection.
func (d *dialers) dialer(u *url.URL, used *Protocol) (httpstream.Dialer, error) {
	transport, upgrader, err := spdy.RoundTripperFor(d.cfg)
	if err != nil {
		return nil, fmt.Errorf("spdy transport: %w", err)
	}
	sp := recording{spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, u), SPDY, used}
	if d.protocol == SPDY {
		return sp, nil
	}
	w, err := d.primary(u, d.cfg)
	if err != nil {
		return nil, fmt.Errorf("websocket dialer: %w", err)
	}
	ws := recording{w, WebSocket, used}
	if d.protocol == WebSocket {
		return ws, nil
	}
	return portforward.NewFallbackDialer(ws, sp, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	}), nil
}

// recording notes which protocol's dialer made the connection.
type recording struct {
	httpstream.Dialer
	protocol Protocol
	used     *Protocol
}

func (r recording) Dial(protocols ...string) (httpstream.Connection, string, error) {
	c, p, err := r.Dialer.Dial(protocols...)
	if err == nil {
		*r.used = r.protocol
	}
	return c, p, err
}
