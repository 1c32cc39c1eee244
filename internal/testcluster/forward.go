package testcluster

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"

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

// ServeEcho starts a TCP server on a free loopback port that writes back
// every byte it reads, and returns its address; it stops when the test ends.
func ServeEcho(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 32*1024)
				for {
					n, err := conn.Read(buf)
					if n > 0 {
						if _, werr := conn.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// String form used in failure messages.
func forwardName(ns string) string { return fmt.Sprintf("forward-%s", ns) }
