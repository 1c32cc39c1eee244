package testcluster_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/client-go/util/exec"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// runningPod starts a one-replica Deployment in ns and returns its Running pod.
func runningPod(t *testing.T, c *k8s.Client, ns string) corev1.Pod {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deployment("web", 1, nil, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	poll(t, 60*time.Second, "web pod running", func(ctx context.Context) (bool, error) {
		pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(pods.Items) != 1 || pods.Items[0].Status.Phase != corev1.PodRunning {
			return false, err
		}
		pod = pods.Items[0]
		return true, nil
	})
	return pod
}

// TestExecThroughKubelet checks kwok's exec (a local command, the local
// cluster's kwok passes its exit code on like a kubelet) through the API
// server: stdin in, stdout and stderr out, the exit code.
func TestExecThroughKubelet(t *testing.T) {
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "exec")
	pod := runningPod(t, c, ns)
	tty := false
	// run execs cmd with stdin (none with a terminal); the command exits
	// once the test has its output (wantOut on stdout, wantErr on stderr;
	// testcluster.LastByte).
	run := func(stdin, wantOut, wantErr string, cmd ...string) (string, string, error) {
		req := c.Typed.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod.Name).SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Container: "main", Command: cmd, Stdin: !tty, Stdout: true, Stderr: !tty, TTY: tty}, clientscheme.ParameterCodec)
		ex, err := remotecommand.NewSPDYExecutor(c.Config, http.MethodPost, req.URL())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, errOut := testcluster.NewCollector(len(wantOut)), testcluster.NewCollector(len(wantErr))
		opts := remotecommand.StreamOptions{Stdout: out, Tty: tty}
		if !tty { // with a terminal: no stdin at all (kubectl exec -t)
			opts.Stderr = errOut
			opts.Stdin = io.MultiReader(strings.NewReader(stdin), testcluster.LastByte(ctx, out.Done(), errOut.Done()))
		}
		err = ex.StreamWithContext(ctx, opts)
		return string(out.Bytes()), string(errOut.Bytes()), err
	}
	if out, errOut, err := run("payload\n", "payload\n", "oops\n", "sh", "-c", "head -n 1; echo oops >&2; head -c 1 >/dev/null"); err != nil || out != "payload\n" || errOut != "oops\n" {
		t.Errorf("exec cat: stdout %q stderr %q err %v; want the payload back and oops on stderr", out, errOut, err)
	}
	_, _, err := run("", "", "", "sh", "-c", "head -c 1 >/dev/null; exit 3")
	var code exec.CodeExitError
	if !errors.As(err, &code) || code.Code != 3 {
		t.Errorf("exec exit 3: err %v (%T), want exit code 3", err, err)
	}
	// A terminal without stdin (kubectl exec -t): stock kwok v0.8.0 crashed
	// here; the command runs and its exit code still comes back.
	tty = true
	if _, _, err := run("", "", "", "sh", "-c", "test -t 1 && exit 5"); !errors.As(err, &code) || code.Code != 5 {
		t.Errorf("exec with a terminal and no stdin: err %v, want exit code 5 (stdout a terminal)", err)
	}
}

// TestPortForwardThroughKubelet checks that a ClusterPortForward rule
// (testcluster.ForwardTo) sends a pod's port-forward to a server the test
// runs, through the API server.
func TestPortForwardThroughKubelet(t *testing.T) {
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "forward")
	testcluster.ForwardTo(t, c, ns, []int32{80}, testcluster.ServeEcho(t).Addr)
	pod := runningPod(t, c, ns)

	req := c.Typed.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod.Name).SubResource("portforward")
	transport, upgrader, err := spdy.RoundTripperFor(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, req.URL())
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:80"}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errc:
		t.Fatalf("port-forward: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("port-forward not ready after 30s")
	}
	ports, err := fw.GetPorts()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0].Local), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	msg := []byte("ping through the API server\n")
	if _, err := conn.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo through port-forward: got %q, %v; want %q", got, err, msg)
	}
}

// TestVolumeBinding checks that a claim binds (the PV controller binds the
// volume kwok provisions) without the controller's ClaimLost warning.
func TestVolumeBinding(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	ns := testcluster.Namespace(t, c, "pvc")
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := c.Typed.CoreV1().PersistentVolumeClaims(ns).Create(ctx, claim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := deployment("web", 1, nil, false)
	d.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "claim bound and pod running", func(ctx context.Context) (bool, error) {
		pvc, err := c.Typed.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		if err != nil || pvc.Status.Phase != corev1.ClaimBound {
			return false, err
		}
		pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		return err == nil && len(pods.Items) == 1 && pods.Items[0].Status.Phase == corev1.PodRunning, err
	})
	events, err := c.Typed.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Kind == "PersistentVolumeClaim" {
			t.Errorf("warning on claim %s: %s: %s", e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
}
