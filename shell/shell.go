// Package shell runs a command session in a container of a service's pod:
// `berth exec` and the TUI's x key. It picks the pod (a Ready one of the
// service's workload), streams stdin, stdout and stderr through the API
// server's exec subresource (the websocket protocol kubectl ≥ 1.30 uses,
// SPDY when the server or a proxy refuses it), drives a local terminal
// (raw mode, window size) and reports the command's exit code.
package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/berth-dev/berth/k8s/kube"
)

// Protocol is how the streams travel to the API server.
type Protocol string

// Protocols. Auto is kubectl's choice: websocket, SPDY if the upgrade to
// websocket fails (an older API server, or a proxy that refuses it).
const (
	ProtocolAuto      Protocol = ""
	ProtocolWebSocket Protocol = "websocket"
	ProtocolSPDY      Protocol = "spdy"
)

// Streams are one command's standard streams; nil ones are not opened.
// With TTY the remote terminal merges stderr into stdout and Stderr is
// not used.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	TTY    bool
	// Sizes reports the local terminal's size, first the current one
	// (TTY only; nil for none).
	Sizes remotecommand.TerminalSizeQueue
}

// Exec runs cmd once in the container c and returns when it ends: nil
// after exit code 0, an error ExitCode reads otherwise.
func Exec(ctx context.Context, cfg *rest.Config, cs kube.Interface, c Container, cmd []string, s Streams, p Protocol) error {
	if len(cmd) == 0 {
		return errors.New("exec: no command")
	}
	req := cs.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(c.Namespace).Name(c.Pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: c.Container,
			Command:   cmd,
			Stdin:     s.Stdin != nil,
			Stdout:    s.Stdout != nil,
			Stderr:    s.Stderr != nil && !s.TTY,
			TTY:       s.TTY,
		}, kube.Scheme().ParameterCodec)
	ex, err := executor(cfg, req.URL(), p)
	if err != nil {
		return fmt.Errorf("exec in %s: %w", c, err)
	}
	opts := remotecommand.StreamOptions{Stdin: s.Stdin, Stdout: s.Stdout, Tty: s.TTY, TerminalSizeQueue: s.Sizes}
	if !s.TTY {
		opts.Stderr = s.Stderr
	}
	if err := ex.StreamWithContext(ctx, opts); err != nil {
		var code exec.CodeExitError
		if errors.As(err, &code) {
			return &ExitError{Container: c, Code: code.Code}
		}
		return fmt.Errorf("exec %q in %s: %w", cmd[0], c, err)
	}
	return nil
}

// executor is kubectl's: websocket (protocol v5) falling back to SPDY
// when the upgrade fails, or the one protocol p names.
func executor(cfg *rest.Config, u *url.URL, p Protocol) (remotecommand.Executor, error) {
	switch p {
	case ProtocolSPDY:
		return remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
	case ProtocolWebSocket:
		// GET: the websocket handshake; the API server maps it to exec.
		return remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, u.String())
	case ProtocolAuto:
	default:
		return nil, fmt.Errorf("unknown protocol %q (want %s or %s)", p, ProtocolWebSocket, ProtocolSPDY)
	}
	ws, err := remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, u.String())
	if err != nil {
		return nil, err
	}
	sp, err := remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
	if err != nil {
		return nil, err
	}
	return remotecommand.NewFallbackExecutor(ws, sp, shouldFallback)
}

// shouldFallback is kubectl's test for retrying over SPDY: the websocket
// upgrade was refused, or a proxy websockets cannot cross.
func shouldFallback(err error) bool {
	return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
}

// ExitError is a command that ended with a non-zero exit code.
type ExitError struct {
	Container Container
	Code      int
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("command in %s terminated with exit code %d", e.Container, e.Code)
}

// ExitStatus is the exit code (client-go's and k8s.io/utils' ExitError).
func (e *ExitError) ExitStatus() int { return e.Code }

// ExitCode is the exit code err carries (an *ExitError), ok false for
// other errors.
func ExitCode(err error) (code int, ok bool) {
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code, true
	}
	return 0, false
}
