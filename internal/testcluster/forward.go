package testcluster

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/k8s"
)

// clusterPortForwards is kwok's cluster-scoped port-forward rule; the local
// cluster's kwok reads these from the API (--enable-crds).
var clusterPortForwards = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterportforwards"}

// ForwardTo makes port-forwards to ports (all ports when none) of every pod
// in namespace ns reach addr (host:port, e.g. a server the test started):
// the API server's port-forward path goes to kwok, which dials addr. The
// rule is deleted when the test ends.
func ForwardTo(t testing.TB, c *k8s.Client, ns string, ports []int32, addr string) {
	t.Helper()
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("ForwardTo %q: %v", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("ForwardTo %q: port: %v", addr, err)
	}
	forward := map[string]any{"target": map[string]any{"address": host, "port": int64(port)}}
	if len(ports) > 0 {
		list := make([]any, len(ports))
		for i, p := range ports {
			list[i] = int64(p)
		}
		forward["ports"] = list
	}
	name := forwardName(ns)
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "ClusterPortForward",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"selector": map[string]any{"matchNamespaces": []any{ns}},
			"forwards": []any{forward},
		},
	}}
	res := c.Dynamic.Resource(clusterPortForwards)
	ctx := context.Background()
	if _, err := res.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ClusterPortForward %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := res.Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete ClusterPortForward %s: %v", name, err)
		}
	})
}

// Echo is a TCP server on a free loopback port that writes back every byte
// it reads; it stops when the test ends.
type Echo struct {
	Addr string // host:port
	read atomic.Int64
}

// Read returns how many bytes the server has read so far.
func (e *Echo) Read() int64 { return e.read.Load() }

// ServeEcho starts an Echo server.
func ServeEcho(t testing.TB) *Echo {
	t.Helper()
	e := &Echo{}
	e.Addr = serve(t, func(c net.Conn) {
		buf := make([]byte, 32*1024)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				e.read.Add(int64(n))
				if _, werr := c.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	return e
}

// ServeLines starts a TCP server on a free loopback port that answers each
// line with "server got LINE", and returns its address; it stops when the
// test ends.
func ServeLines(t testing.TB) string {
	t.Helper()
	return serve(t, func(c net.Conn) {
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			fmt.Fprintf(c, "server got %s\n", sc.Text())
		}
	})
}

// AskLine sends line to addr and returns the line it answers.
func AskLine(t testing.TB, addr, line string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintln(conn, line)
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("read from %s: %v", addr, err)
	}
	return strings.TrimSuffix(reply, "\n")
}

// serve accepts connections on a free loopback port, each handled by
// handle (which need not close it), until the test ends.
func serve(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return l.Addr().String()
}

// String form used in failure messages.
func forwardName(ns string) string { return fmt.Sprintf("forward-%s", ns) }
