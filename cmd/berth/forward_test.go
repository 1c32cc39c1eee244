package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

func TestForwardArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"forward", "web:8080"}, `"web:8080"`},
		{[]string{"forward", "web", "api:x:80"}, `"api:x:80"`},
		{[]string{"forward", ":1:2"}, `":1:2"`},
		{[]string{"forward", "--protocol", "http2"}, `"http2"`},
	} {
		var out, errOut syncBuffer
		code := run(context.Background(), append([]string{"berth", "--kubeconfig", filepath.Join(t.TempDir(), "none")}, tc.args...), nil, &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("berth %v: exit %d, stderr %q; want usage error naming %s", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// TestForwardCommand runs `berth forward` without arguments in an app whose
// compose file publishes web's port 80 on a local port that is taken: it
// forwards web from a free port, says so, carries a request to the test's
// TCP server and back, and closes the port when interrupted.
func TestForwardCommand(t *testing.T) {
	c := testcluster.Client(t)
	project := testcluster.UniqueName("p")
	ns := cliEnv(t, c, project, "fwd", nil)
	srv := testcluster.ServeLines(t)
	testcluster.ForwardTo(t, c, ns, []int32{80}, srv)
	webService(t, c, ns)

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	compose := fmt.Sprintf("services:\n  web:\n    image: nginx\n    ports: [\"%d:80\"]\n", port)
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	args := []string{"berth", "--kubeconfig", testcluster.Kubeconfig(t), "forward", "--env", ns, "--project", project, "--dir", dir}
	go func() { done <- run(ctx, args, nil, &out, &errOut) }()

	row := regexp.MustCompile(`(127\.0\.0\.1:\d+)\s+→ web:80\s+port (\d+) taken`)
	var m []string
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		m = row.FindStringSubmatch(out.String())
		return m != nil && strings.Contains(out.String(), "web: forwarding to pod "), nil
	})
	if err != nil {
		t.Fatalf("no forward of web and its pod; output:\n%s\nstderr: %s", out.String(), errOut.String())
	}
	if m[2] != strconv.Itoa(port) {
		t.Errorf("taken port %s, want compose's %d", m[2], port)
	}
	conn, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintln(conn, "hello")
	reply, err := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if err != nil || reply != "server got hello\n" {
		t.Fatalf("reply %q, %v; want the server's", reply, err)
	}

	cancel()
	t.Logf("berth forward printed:\n%s", out.String())
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after interrupt; stderr: %s", code, errOut.String())
	}
	if conn, err := net.Dial("tcp", m[1]); err == nil {
		conn.Close()
		t.Fatalf("%s still open after berth forward ended", m[1])
	}
}

// webService creates the Deployment and Service compose's web becomes.
func webService(t *testing.T, c *k8s.Client, ns string) {
	t.Helper()
	labels := map[string]string{meta.LabelService: "web"}
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx",
					Ports: []corev1.ContainerPort{{Name: "tcp-80", ContainerPort: 80}}}}},
			},
		},
	}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Name: "tcp-80", Port: 80, TargetPort: intstr.FromString("tcp-80")}}},
	}
	if _, err := c.Typed.CoreV1().Services(ns).Create(context.Background(), svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
