package forward

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// TestForwardFollowsPod forwards a local port to a Deployment's pod whose
// port 80 kwok connects to a TCP echo server of the test: bytes go both
// ways through the API server, the same local port works again after the
// pod is deleted and replaced, and cancelling the context closes the
// listener. Once per protocol, and once with the websocket refused to
// prove the SPDY fallback.
func TestForwardFollowsPod(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol Protocol
		primary  func(*url.URL, *rest.Config) (httpstream.Dialer, error)
		want     Protocol
	}{
		{name: "auto", protocol: Auto, want: WebSocket},
		{name: "websocket", protocol: WebSocket, want: WebSocket},
		{name: "spdy", protocol: SPDY, want: SPDY},
		{name: "fallback", protocol: Auto, primary: refusingDialer, want: SPDY},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testcluster.Client(t)
			ns := testcluster.Namespace(t, c, "fwd-"+tc.name)
			echo := testcluster.ServeEcho(t)
			testcluster.ForwardTo(t, c, ns, []int32{80}, echo.Addr)
			createDeployment(t, c, ns, "web", 80, 1)
			first := waitReadyPod(t, c, ns, "web")

			events := make(chan Event, 64)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := Start(ctx, Options{Config: c.Config, Client: c.Typed, Namespace: ns, Protocol: tc.protocol,
				primary: tc.primary, Report: func(e Event) { events <- e }}, []Spec{{Service: "web", Local: 0, Remote: 80}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			addr := s.Forwards()[0].Addr
			ev := waitEvent(t, events, Connected)
			if ev.Pod != first || ev.Protocol != tc.want {
				t.Fatalf("connected event %+v, want pod %s over %s", ev, first, tc.want)
			}
			roundTrip(t, addr, echo)

			if err := c.Typed.CoreV1().Pods(ns).Delete(context.Background(), first, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			ev = waitEvent(t, events, Moved)
			if ev.Previous != first || ev.Pod == first || ev.Pod == "" {
				t.Fatalf("moved event %+v, want from %s to a new pod", ev, first)
			}
			t.Log(ev)
			roundTrip(t, addr, echo)

			cancel() // as Ctrl-C does
			<-s.Done()
			if conn, err := net.Dial("tcp", addr); err == nil {
				conn.Close()
				t.Fatalf("%s still accepts connections once the session ended", addr)
			}
		})
	}
}

// TestForwardWaitsForReadyPod: with no Ready pod the listener is open and
// a connection made meanwhile is carried once a pod is Ready.
func TestForwardWaitsForReadyPod(t *testing.T) {
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "fwd-wait")
	echo := testcluster.ServeEcho(t)
	testcluster.ForwardTo(t, c, ns, []int32{80}, echo.Addr)
	createDeployment(t, c, ns, "web", 80, 0)
	scale := func(n int32) {
		t.Helper()
		patch := []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))
		if _, err := c.Typed.AppsV1().Deployments(ns).Patch(context.Background(), "web", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	events := make(chan Event, 64)
	s, err := Start(context.Background(), Options{Config: c.Config, Client: c.Typed, Namespace: ns,
		Report: func(e Event) { events <- e }}, []Spec{{Service: "web", Remote: 80}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitEvent(t, events, Waiting)

	conn, err := net.Dial("tcp", s.Forwards()[0].Addr)
	if err != nil {
		t.Fatalf("listener not open while waiting: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	if _, err := conn.Write([]byte("early")); err != nil {
		t.Fatal(err)
	}
	scale(1)
	waitEvent(t, events, Connected)
	got := make([]byte, 5)
	if _, err := io.ReadFull(conn, got); err != nil || string(got) != "early" {
		t.Fatalf("read %q, %v; want the early bytes echoed", got, err)
	}
}

// TestForwardRedialsBrokenTunnel: when the tunnel drops (the API server
// restarts, the network breaks) with the pod still there, the session
// dials it again and the same local port works.
func TestForwardRedialsBrokenTunnel(t *testing.T) {
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "fwd-redial")
	echo := testcluster.ServeEcho(t)
	testcluster.ForwardTo(t, c, ns, []int32{80}, echo.Addr)
	createDeployment(t, c, ns, "web", 80, 1)
	pod := waitReadyPod(t, c, ns, "web")
	events := make(chan Event, 64)
	s, err := Start(context.Background(), Options{Config: c.Config, Client: c.Typed, Namespace: ns,
		Report: func(e Event) { events <- e }}, []Spec{{Service: "web", Remote: 80}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitEvent(t, events, Connected)
	addr := s.Forwards()[0].Addr
	roundTrip(t, addr, echo)

	lk := s.links["web"]
	lk.mu.Lock()
	cur := lk.cur
	lk.mu.Unlock()
	_ = cur.conn.Close() // the tunnel drops under the session
	if ev := waitEvent(t, events, Moved); ev.Pod != pod || ev.Previous != pod {
		t.Fatalf("moved event %+v, want the same pod %s again", ev, pod)
	}
	roundTrip(t, addr, echo)
}

// refusingDialer stands for an API server without the websocket tunnel.
func refusingDialer(*url.URL, *rest.Config) (httpstream.Dialer, error) {
	return refusing{}, nil
}

type refusing struct{}

func (refusing) Dial(...string) (httpstream.Connection, string, error) {
	return nil, "", &httpstream.UpgradeFailureError{Cause: errors.New("test: websocket refused")}
}

// roundTrip sends 1 MiB of random bytes to addr and reads them back, and
// checks the echo server read them.
func roundTrip(t *testing.T, addr string, e *testcluster.Echo) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	want := make([]byte, 1<<20)
	_, _ = rand.Read(want)
	before := e.Read()
	go func() { _, _ = conn.Write(want) }()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatalf("read back through %s: %v", addr, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes read back differ from those sent")
	}
	if n := e.Read() - before; n < int64(len(want)) {
		t.Fatalf("echo server read %d bytes, want %d", n, len(want))
	}
}

func waitEvent(t *testing.T, events <-chan Event, kind EventKind) Event {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case e := <-events:
			t.Log(e)
			if e.Kind == kind {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event", kind)
		}
	}
}

func createDeployment(t *testing.T, c *k8s.Client, ns, name string, port, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "nginx",
					Ports: []corev1.ContainerPort{{ContainerPort: port}}}}},
			},
		},
	}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func waitReadyPod(t *testing.T, c *k8s.Client, ns, service string) string {
	t.Helper()
	var name string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		tg, err := k8s.ResolveTarget(ctx, c.Typed, ns, service)
		if err != nil {
			return false, nil
		}
		pods, err := tg.Pods(ctx, c.Typed)
		if err != nil {
			return false, nil
		}
		p, ok := k8s.ReadyPod(pods)
		name = p.Name
		return ok, nil
	})
	if err != nil {
		t.Fatalf("no Ready pod of %s in %s: %v", service, ns, err)
	}
	return name
}
