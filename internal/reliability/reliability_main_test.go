package reliability

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testenv"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// suite is what every test of the package shares: the berth binary, built
// once, and one private cluster (fault tests stop its API server and drain
// its nodes, so it must not be the shared one).
type suite struct {
	bin     string // the berth binary
	home    string // HOME for berth runs: no user config leaks in
	cluster *testcluster.Private
	err     error // why the suite could not be set up
}

// fx is the package's suite; TestMain sets it up. Tests read it only.
var fx suite

func TestMain(m *testing.M) {
	flag.Parse()
	testenv.Clear()
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	if testing.Short() {
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "berth-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	fx.home = filepath.Join(tmp, "home")
	fx.bin = filepath.Join(tmp, "berth")
	fx.err = setup(tmp)
	code := m.Run()
	if fx.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := fx.cluster.Down(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "stop private cluster: %v\n", err)
			code = 1
		}
	}
	return code
}

// EnvBin names a berth binary to test instead of building one.
const EnvBin = "BERTH_TEST_BIN"

// setup builds berth (CGO_ENABLED=0) unless EnvBin names one, and starts
// the private cluster.
func setup(tmp string) error {
	if err := os.MkdirAll(fx.home, 0o755); err != nil {
		return err
	}
	if bin := os.Getenv(EnvBin); bin != "" {
		fx.bin = bin
		return startCluster(tmp)
	}
	build := exec.Command("go", "build", "-o", fx.bin, "github.com/berth-dev/berth/cmd/berth")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build berth: %w: %s", err, out)
	}
	return startCluster(tmp)
}

// startCluster starts the suite's private cluster in tmp/cluster.
func startCluster(tmp string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := testcluster.StartPrivate(ctx, filepath.Join(tmp, "cluster"))
	if err != nil {
		return err
	}
	fx.cluster = c
	fmt.Fprintf(os.Stderr, "private cluster up in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// private returns the suite's cluster and an admin client for it; the test
// fails when the suite could not start it, and is skipped with -short.
func private(t testing.TB) (*testcluster.Private, *k8s.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs a private local cluster")
	}
	if fx.err != nil {
		t.Fatalf("suite setup: %v", fx.err)
	}
	c, err := fx.cluster.Client()
	if err != nil {
		t.Fatal(err)
	}
	return fx.cluster, c
}

// result is the outcome of one berth run.
type result struct {
	stdout, stderr string
	code           int
}

// berthCmd prepares the berth binary on the private cluster, run in dir.
func berthCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, fx.bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+fx.cluster.Kubeconfig(), "HOME="+fx.home, "NO_COLOR=1")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// berth runs the binary to completion.
func berth(ctx context.Context, dir string, args ...string) result {
	return berthEnv(ctx, dir, nil, args...)
}

// berthEnv runs the binary to completion with extra environment variables.
func berthEnv(ctx context.Context, dir string, env []string, args ...string) result {
	cmd := berthCmd(ctx, dir, args...)
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		r.code, r.stderr = -1, r.stderr+err.Error()
	}
	return r
}

// mustUp runs `berth up` in dir and fails the test unless it exits 0.
func mustUp(t testing.TB, dir string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	r := berth(ctx, dir, "up", "--timeout", "2m")
	if r.code != 0 {
		t.Fatalf("berth up exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// poll waits until cond holds, failing the test after timeout.
func poll(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// namespaceOf is the namespace `berth up` uses for branch of examples/shop.
func namespaceOf(t testing.TB, branch string) string {
	t.Helper()
	return envs.Namespace("dev", "shop", branch)
}

// deleteNamespace removes ns at the end of the test (without waiting).
func deleteNamespace(t testing.TB, c *k8s.Client, ns string) {
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
}

// envState is what an environment holds, read from the API server.
type envState struct {
	deployments []appsv1.Deployment
	jobs        []batchv1.Job
	pods        []corev1.Pod
}

func readEnv(ctx context.Context, c *k8s.Client, ns string) (envState, error) {
	var st envState
	deps, err := c.Typed.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return st, err
	}
	jobs, err := c.Typed.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return st, err
	}
	pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return st, err
	}
	st.deployments, st.jobs, st.pods = deps.Items, jobs.Items, pods.Items
	return st, nil
}

// checkConverged reports how the env in ns differs from examples/shop
// fully deployed: 4 Deployments all Ready, the migrate and seed Jobs each
// present once and run exactly once (see checkRanOnce).
func checkConverged(ctx context.Context, c *k8s.Client, ns string) error {
	st, err := readEnv(ctx, c, ns)
	if err != nil {
		return err
	}
	var problems []string
	if len(st.deployments) != 4 {
		problems = append(problems, fmt.Sprintf("%d deployments, want 4", len(st.deployments)))
	}
	for _, d := range st.deployments {
		if d.Spec.Replicas == nil || d.Status.ReadyReplicas != *d.Spec.Replicas || d.Status.UpdatedReplicas != *d.Spec.Replicas {
			problems = append(problems, fmt.Sprintf("deployment %s (generation %d, observed %d): %d ready, %d updated of %d", d.Name, d.Generation, d.Status.ObservedGeneration, d.Status.ReadyReplicas, d.Status.UpdatedReplicas, ptr.Deref(d.Spec.Replicas, 1)))
		}
	}
	perService := map[string]int{}
	for _, j := range st.jobs {
		perService[j.Labels[meta.LabelService]]++
		created, err := jobPodsCreated(ctx, c, ns, j.Name)
		if err != nil {
			return err
		}
		problems = append(problems, checkRanOnce(j, st.pods, created)...)
	}
	for _, svc := range []string{"migrate", "seed"} {
		if perService[svc] != 1 {
			problems = append(problems, fmt.Sprintf("%d %s jobs, want 1", perService[svc], svc))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// checkRanOnce reports how Job j differs from one that ran exactly one pod,
// which succeeded. It reads what the Job controller guarantees, not which
// pods are left: it counts every pod it made in status once the pod ends
// (a pod deleted before it finished counts as failed), so succeeded 1,
// failed 0 and none active is one run; a pod evicted or deleted after it
// succeeded is no second run. Pods of the job's name that another Job
// controls, or more pod creations than one under the job's name (created,
// from the Job controller's events, which outlive a deleted Job), mean the
// Job was deleted and made again: the migration ran twice.
func checkRanOnce(j batchv1.Job, pods []corev1.Pod, created []string) []string {
	var problems []string
	if j.Status.Succeeded != 1 || j.Status.Failed != 0 || j.Status.Active != 0 {
		problems = append(problems, fmt.Sprintf("job %s: %d succeeded, %d failed, %d active, want one pod that succeeded", j.Name, j.Status.Succeeded, j.Status.Failed, j.Status.Active))
	}
	if !jobComplete(j) {
		problems = append(problems, fmt.Sprintf("job %s is not Complete", j.Name))
	}
	for _, p := range pods {
		if p.Labels["job-name"] != j.Name {
			continue
		}
		if owner := metav1.GetControllerOf(&p); owner == nil || owner.UID != j.UID {
			problems = append(problems, fmt.Sprintf("job %s: pod %s is not controlled by it (uid %s): an earlier job of the same name ran", j.Name, p.Name, j.UID))
		}
	}
	if len(created) > 1 {
		problems = append(problems, fmt.Sprintf("job %s: %d pods created (%s), want 1", j.Name, len(created), strings.Join(created, ", ")))
	}
	return problems
}

// jobComplete reports whether j has its Complete condition.
func jobComplete(j batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// jobPodsCreated returns the pods the Job controller reported creating
// (SuccessfulCreate events) for Jobs named name in ns, of any uid. Events
// are recorded asynchronously: a creation may be missing yet, never extra.
func jobPodsCreated(ctx context.Context, c *k8s.Client, ns, name string) ([]string, error) {
	sel := "involvedObject.kind=Job,involvedObject.name=" + name + ",reason=SuccessfulCreate"
	evs, err := c.Typed.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("events of job %s: %w", name, err)
	}
	seen := map[string]bool{}
	var pods []string
	for _, e := range evs.Items {
		pod := strings.TrimPrefix(e.Message, "Created pod: ")
		if !seen[pod] {
			seen[pod] = true
			pods = append(pods, pod)
		}
	}
	return pods, nil
}

// checkNoOrphans reports objects labelled as belonging to the env in ns
// that live in another namespace, and berth namespaces of the project
// other than the allowed ones.
func checkNoOrphans(ctx context.Context, c *k8s.Client, ns string) error {
	sel := metav1.ListOptions{LabelSelector: meta.LabelEnv + "=" + ns}
	var problems []string
	note := func(kind string, objNS, name string) {
		if objNS != ns {
			problems = append(problems, fmt.Sprintf("%s %s/%s outside %s", kind, objNS, name, ns))
		}
	}
	if l, err := c.Typed.AppsV1().Deployments("").List(ctx, sel); err == nil {
		for _, o := range l.Items {
			note("deployment", o.Namespace, o.Name)
		}
	} else {
		return err
	}
	if l, err := c.Typed.BatchV1().Jobs("").List(ctx, sel); err == nil {
		for _, o := range l.Items {
			note("job", o.Namespace, o.Name)
		}
	} else {
		return err
	}
	if l, err := c.Typed.CoreV1().ConfigMaps("").List(ctx, sel); err == nil {
		for _, o := range l.Items {
			note("configmap", o.Namespace, o.Name)
		}
	} else {
		return err
	}
	if l, err := c.Typed.CoreV1().Secrets("").List(ctx, sel); err == nil {
		for _, o := range l.Items {
			note("secret", o.Namespace, o.Name)
		}
	} else {
		return err
	}
	if l, err := c.Typed.CoreV1().Services("").List(ctx, sel); err == nil {
		for _, o := range l.Items {
			note("service", o.Namespace, o.Name)
		}
	} else {
		return err
	}
	if l, err := c.Typed.CoreV1().Namespaces().List(ctx, sel); err == nil {
		for _, o := range l.Items {
			if o.Name != ns {
				problems = append(problems, "namespace "+o.Name+" labelled for "+ns)
			}
		}
	} else {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// kill sends SIGKILL to a started command and reaps it.
func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
	}
	_ = cmd.Wait()
}
