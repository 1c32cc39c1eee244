package shell_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/shell"
)

// webService deploys a service "web" (containers web and sidecar) in a new
// namespace and returns the container Pick chooses once a pod is Ready.
// kwok runs every exec'd command as a local process (ClusterExec in
// localcluster/cluster/kwok.yaml), reached through the API server's exec
// path like a kubelet's.
func webService(t *testing.T) (*k8s.Client, shell.Container) {
	t.Helper()
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "exec")
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "web", Image: "example/web:1"}, {Name: "sidecar", Image: "example/sidecar:1"},
				}},
			},
		},
	}
	ctx := context.Background()
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	var got shell.Container
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, last = shell.Pick(ctx, c.Typed, ns, "web", "", "")
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("no Ready pod of web: %v", last)
	}
	if got.Container != "web" {
		t.Fatalf("Pick chose container %q, want the first, web", got.Container)
	}
	return c, got
}

func TestExecStreams(t *testing.T) {
	c, web := webService(t)
	ctx := testContext(t)
	payload := make([]byte, 256<<10)
	rand.Read(payload)
	for _, p := range []shell.Protocol{shell.ProtocolAuto, shell.ProtocolWebSocket, shell.ProtocolSPDY} {
		name := string(p)
		if name == "" {
			name = "auto"
		}
		t.Run(name, func(t *testing.T) {
			// The command exits once both streams arrived (testcluster.LastByte).
			out, errOut := testcluster.NewCollector(len("out-"+name)), testcluster.NewCollector(len("err-"+name))
			err := shell.Exec(ctx, c.Config, c.Typed, web, []string{"sh", "-c", "printf out-$0; printf err-$0 >&2; head -c 1 >/dev/null", name},
				shell.Streams{Stdin: testcluster.LastByte(ctx, out.Done(), errOut.Done()), Stdout: out, Stderr: errOut}, p)
			if err != nil {
				t.Fatalf("exec: %v", err)
			}
			if string(out.Bytes()) != "out-"+name || string(errOut.Bytes()) != "err-"+name {
				t.Errorf("stdout %q, stderr %q; want out-%s, err-%s", out.Bytes(), errOut.Bytes(), name, name)
			}
			var stderr bytes.Buffer

			// head, not cat: kwok v0.8.0 never closes the process's stdin
			// when the client's ends (pkg/utils/exec.Command copies into
			// cmd.StdinPipe without closing it), so cat would never exit.
			// The command exits after one more byte (testcluster.LastByte).
			echoed := testcluster.NewCollector(len(payload))
			stdin := io.MultiReader(bytes.NewReader(payload), testcluster.LastByte(ctx, echoed.Done()))
			err = shell.Exec(ctx, c.Config, c.Typed, web, []string{"sh", "-c", "head -c " + strconv.Itoa(len(payload)) + "; head -c 1 >/dev/null"},
				shell.Streams{Stdin: stdin, Stdout: echoed, Stderr: &stderr}, p)
			if err != nil {
				t.Fatalf("exec cat: %v", err)
			}
			if got := echoed.Bytes(); !bytes.Equal(got, payload) {
				t.Errorf("cat echoed %d bytes, not the %d sent", len(got), len(payload))
			}
		})
	}
}

// TestExecExitCode: the exit code of `sh -c 'exit 3'` comes back as an
// *shell.ExitError. Stock kwok v0.8.0 cannot pass it: its ExecInContainer
// returns os/exec's error wrapped by fmt.Errorf ("cmd wait: …: exit status
// 3", pkg/utils/exec.Command), and the kubelet streaming server it uses
// (k8s.io/cri-streaming remotecommand.ServeExec) reports an exit code only
// for an error that is a k8s.io/utils/exec.ExitError (a type assertion, not
// errors.As): it sends an InternalError status instead. The local cluster's
// kwok is patched for that (localcluster/kwokpatch); on a stock one the test
// skips, naming what it got.
func TestExecExitCode(t *testing.T) {
	c, web := webService(t)
	err := shell.Exec(testContext(t), c.Config, c.Typed, web, []string{"sh", "-c", "exit 3"}, shell.Streams{Stdout: &bytes.Buffer{}}, shell.ProtocolAuto)
	code, ok := shell.ExitCode(err)
	switch {
	case ok:
		if code != 3 {
			t.Fatalf("exit code %d, want 3", code)
		}
	case err != nil && strings.Contains(err.Error(), "Internal error occurred") && strings.Contains(err.Error(), "exit status 3"):
		t.Skipf("kwok v0.8.0 reports the exit code as an internal error, not a status with the code: %v", err)
	default:
		t.Fatalf("exit 3: err %v, want an exit code", err)
	}
}

// TestExecTTY: with a terminal, the command's stdin and stdout are one
// (kwok runs it on a pty) of the size sent.
func TestExecTTY(t *testing.T) {
	c, web := webService(t)
	ctx := testContext(t)
	// The script waits for a line on stdin once it has printed, so its
	// output is read before it exits (kwok drops a pty's last output when
	// the command ends first). Always with stdin: kwok v0.8.0 crashes on a
	// TTY exec without one (execInContainerWithTTY tunnels a nil reader).
	script := `test -t 0 && test -t 1 && echo on-a-tty
for i in $(seq 100); do s=$(stty size); [ "$s" = "31 101" ] && break; sleep 0.05; done
echo "size $s"
read line`
	in, feed := io.Pipe()
	out := newWatchBuffer("size ")
	go func() {
		select {
		case <-out.seen:
		case <-ctx.Done():
		}
		io.WriteString(feed, "bye\r")
	}()
	sizes := &fixedSize{size: remotecommand.TerminalSize{Width: 101, Height: 31}}
	err := shell.Exec(ctx, c.Config, c.Typed, web, []string{"sh", "-c", script},
		shell.Streams{Stdin: in, Stdout: out, TTY: true, Sizes: sizes}, shell.ProtocolAuto)
	feed.Close()
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	got := out.String()
	if !strings.Contains(got, "on-a-tty\r\n") || !strings.Contains(got, "size 31 101\r\n") {
		t.Errorf("remote terminal wrote %q, want on-a-tty and size 31 101 (CRLF: a tty)", got)
	}
}

// watchBuffer collects output and closes seen once it holds want.
type watchBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	want   string
	seen   chan struct{}
	closed bool
}

func newWatchBuffer(want string) *watchBuffer {
	return &watchBuffer{want: want, seen: make(chan struct{})}
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := w.closed
	n, err := w.buf.Write(p)
	// The whole line: up to its newline.
	s := w.buf.String()
	if i := strings.Index(s, w.want); !had && i >= 0 && strings.Contains(s[i:], "\n") {
		close(w.seen)
		w.closed = true
	}
	return n, err
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// fixedSize is a terminal that has one size and never changes.
type fixedSize struct {
	once sync.Once
	size remotecommand.TerminalSize
}

func (f *fixedSize) Next() *remotecommand.TerminalSize {
	first := false
	f.once.Do(func() { first = true })
	if first {
		return &f.size
	}
	return nil
}

// TestExecFallsBackToSPDY: behind a proxy that refuses websocket upgrades
// (as some still do) the session goes over SPDY.
func TestExecFallsBackToSPDY(t *testing.T) {
	c, web := webService(t)
	cfg, seen := noWebSocketProxy(t, c.Config)
	cs, err := kube.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	out := testcluster.NewCollector(len("through-spdy"))
	err = shell.Exec(ctx, cfg, cs, web, []string{"sh", "-c", "printf through-spdy; head -c 1 >/dev/null"},
		shell.Streams{Stdin: testcluster.LastByte(ctx, out.Done()), Stdout: out}, shell.ProtocolAuto)
	if err != nil {
		t.Fatalf("exec through the proxy: %v", err)
	}
	if string(out.Bytes()) != "through-spdy" {
		t.Errorf("stdout %q", out.Bytes())
	}
	if got := strings.Join(seen(), " "); got != "websocket(refused) spdy/3.1" {
		t.Errorf("upgrades the proxy saw: %q, want a refused websocket then SPDY", got)
	}
	err = shell.Exec(ctx, cfg, cs, web, []string{"true"}, shell.Streams{Stdout: io.Discard}, shell.ProtocolWebSocket)
	if err == nil {
		t.Error("websocket only through a proxy that refuses it: no error")
	}
}

// noWebSocketProxy serves the API server of cfg through a reverse proxy
// that answers websocket upgrades with 400 and passes everything else,
// SPDY upgrades included. It returns a config for the proxy and the
// upgrades it saw.
func noWebSocketProxy(t *testing.T, cfg *rest.Config) (*rest.Config, func() []string) {
	t.Helper()
	target, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	// HTTP/1.1 to the API server: upgrades do not cross HTTP/2.
	tlsCfg, err := rest.TLSConfigFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := rest.HTTPWrappersForConfig(cfg, &http.Transport{TLSClientConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = tr
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := strings.ToLower(r.Header.Get("Upgrade"))
		if up != "" {
			mu.Lock()
			if up == "websocket" {
				seen = append(seen, "websocket(refused)")
			} else {
				seen = append(seen, up)
			}
			mu.Unlock()
		}
		if up == "websocket" {
			http.Error(w, "no websockets here", http.StatusBadRequest)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// testContext ends with the test, or after a minute: an exec that hangs
// fails the test instead of stalling the run.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
