package realapp

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// EnvBin names a berth binary to test instead of building one.
const EnvBin = "BERTH_TEST_BIN"

// bin is the berth binary TestMain built (or EnvBin named); buildErr is why
// it could not.
var (
	bin      string
	buildErr error
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if testing.Short() {
		return m.Run()
	}
	if bin = os.Getenv(EnvBin); bin != "" {
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "berth-realapp-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin = filepath.Join(tmp, "berth")
	build := exec.Command("go", "build", "-o", bin, "github.com/berth-dev/berth/cmd/berth")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("build berth: %w: %s", err, out)
	}
	return m.Run()
}

// app is a generated app in a git repository, and where berth deploys it.
type app struct {
	dir, branch, ns, kubeconfig, home string
	c                                 *k8s.Client
}

// newApp writes genapp.Realistic (defaults: no berth.yaml) plus extra
// files into a fresh git repository on a unique branch, and deletes its
// env's namespace when the test ends.
func newApp(t *testing.T, extra map[string]string) app {
	t.Helper()
	kubeconfig := testcluster.Kubeconfig(t)
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	a := app{
		dir:        filepath.Join(t.TempDir(), "sentry"),
		branch:     testcluster.UniqueName("realapp-"),
		kubeconfig: kubeconfig,
		home:       t.TempDir(),
		c:          testcluster.Client(t),
	}
	a.ns = envs.Namespace("dev", "sentry", a.branch)
	if err := genapp.WriteRealistic(a.dir, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	for rel, data := range extra {
		if err := os.WriteFile(filepath.Join(a.dir, rel), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a.git(t, "init", "-q", "-b", a.branch)
	a.git(t, "config", "user.email", testcluster.RepoEmail)
	a.git(t, "config", "user.name", "Dev")
	a.commit(t, "the app")
	t.Cleanup(func() {
		_ = a.c.Typed.CoreV1().Namespaces().Delete(context.Background(), a.ns, metav1.DeleteOptions{})
	})
	return a
}

// git runs git in the app's repository.
func (a app) git(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = a.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// commit commits everything in the repository.
func (a app) commit(t *testing.T, msg string) {
	t.Helper()
	a.git(t, "add", "-A")
	a.git(t, "commit", "-q", "--allow-empty", "-m", msg)
}

// result is the outcome of one berth run.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// berth runs the binary in the app's directory against the local cluster.
func (a app) berth(ctx context.Context, args ...string) result {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = a.dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+a.kubeconfig, "HOME="+a.home, "NO_COLOR=1")
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		r.code, r.stderr = -1, r.stderr+err.Error()
	}
	return r
}

// TestRealisticAppUpWithDefaults: a 60-service app with external and
// shared volumes, 8 depends_on waves, migration and seed Jobs and a
// NodePort goes from `berth convert` to Ready with no berth.yaml. Every
// Deployment is rolled out, every Job complete, every claim a pod mounts
// exists, and no Service of the dev env needs a node port.
//
// It fails until berth sizes the quota from the app, creates external
// volumes in dev envs and turns NodePorts into ClusterIP in dev (issue 13).
func TestRealisticAppUpWithDefaults(t *testing.T) {
	t.Parallel()
	a := newApp(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if r := a.berth(ctx, "convert"); r.code != 0 {
		t.Fatalf("berth convert exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	a.commit(t, "berth convert")
	r := a.berth(ctx, "up", "--timeout", "45s")
	if r.code != 0 {
		t.Fatalf("berth up with defaults: exit %d after %s\nstdout:\n%s\nstderr:\n%s", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
	}
	t.Logf("berth up of %d services: Ready in %s", genapp.DefaultServices, r.took.Round(time.Millisecond))

	deps, err := a.c.Typed.AppsV1().Deployments(a.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := a.c.Typed.BatchV1().Jobs(a.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps.Items)+len(jobs.Items) != genapp.DefaultServices || len(jobs.Items) != 3 {
		t.Errorf("%d Deployments and %d Jobs, want %d workloads of which 3 Jobs", len(deps.Items), len(jobs.Items), genapp.DefaultServices)
	}
	for _, d := range deps.Items {
		if want := *d.Spec.Replicas; d.Status.ReadyReplicas != want || d.Status.UpdatedReplicas != want {
			t.Errorf("deployment %s: %d ready, %d updated of %d", d.Name, d.Status.ReadyReplicas, d.Status.UpdatedReplicas, want)
		}
	}
	for _, j := range jobs.Items {
		if j.Status.Succeeded < 1 {
			t.Errorf("job %s: %d succeeded, %d failed", j.Name, j.Status.Succeeded, j.Status.Failed)
		}
	}
	claims, err := a.c.Typed.CoreV1().PersistentVolumeClaims(a.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range claims.Items {
		have[c.Name] = true
	}
	pods, err := a.c.Typed.CoreV1().Pods(a.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && !have[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("pod %s mounts claim %s, which does not exist", p.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	svcs, err := a.c.Typed.CoreV1().Services(a.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs.Items {
		if s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			t.Errorf("service %s is %s in a dev env", s.Name, s.Spec.Type)
		}
	}
}

// tooSmallQuota is a berth.yaml whose quota the app cannot fit: 60
// services need more than 20 pods.
const tooSmallQuota = `quota:
  enabled: true
  hard:
    pods: "20"
    persistentvolumeclaims: "40"
    requests.storage: 1Ti
    requests.cpu: "64"
    requests.memory: 256Gi
    limits.cpu: "256"
    limits.memory: 1Ti
`

// TestRealisticAppQuotaTooSmall: with a configured quota the app cannot
// fit, `berth up` fails in under 5 s with exit 2, names the pods shortfall
// and berth.yaml, and applies nothing.
//
// It fails until berth checks the quota before applying (issue 13).
func TestRealisticAppQuotaTooSmall(t *testing.T) {
	t.Parallel()
	a := newApp(t, map[string]string{"berth.yaml": tooSmallQuota})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := a.berth(ctx, "up", "--timeout", "20s")
	if r.code != 2 || r.took > 5*time.Second {
		t.Errorf("berth up with too small a quota: exit %d after %s, want exit 2 within 5s\nstdout:\n%s\nstderr:\n%s", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
	}
	for _, want := range []string{"pods", "20", "berth.yaml"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("berth up's error does not name %q:\n%s", want, r.stderr)
		}
	}
	applied, err := appliedObjects(ctx, a.c, a.ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) > 0 {
		t.Errorf("applied although the quota cannot fit the app: %s", strings.Join(applied, ", "))
	}
}

// appliedObjects lists the app's workloads, claims and config objects found
// in ns (none when the namespace does not exist).
func appliedObjects(ctx context.Context, c *k8s.Client, ns string) ([]string, error) {
	var out []string
	deps, err := c.Typed.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	for _, d := range deps.Items {
		out = append(out, "Deployment/"+d.Name)
	}
	jobs, err := c.Typed.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	for _, j := range jobs.Items {
		out = append(out, "Job/"+j.Name)
	}
	claims, err := c.Typed.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	for _, p := range claims.Items {
		out = append(out, "PersistentVolumeClaim/"+p.Name)
	}
	cms, err := c.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: envs.LabelEnv + "=" + ns})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	for _, m := range cms.Items {
		out = append(out, "ConfigMap/"+m.Name)
	}
	return out, nil
}
