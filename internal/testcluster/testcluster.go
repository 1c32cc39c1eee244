// Package testcluster connects integration tests to berth's local cluster
// (started by `make cluster`). A test that needs the cluster fails — never
// skips — when it is unreachable; only `go test -short` skips such tests.
package testcluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// EnvKubeconfig overrides where the cluster's kubeconfig is found.
const EnvKubeconfig = "BERTH_TEST_KUBECONFIG"

// Kubeconfig returns the path of the local cluster's admin kubeconfig after
// checking that the API server answers. In -short mode the test is skipped.
func Kubeconfig(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the local cluster (run without -short, after `make cluster`)")
	}
	path := os.Getenv(EnvKubeconfig)
	if path == "" {
		root, err := RepoRoot()
		if err != nil {
			t.Fatalf("find repository root: %v", err)
		}
		path = filepath.Join(root, ".cluster", "kubeconfig")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("local cluster not found (%v): run `make cluster` first", err)
	}
	c, err := k8s.NewClient(k8s.Flags{Kubeconfig: path})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Typed.CoreV1().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		t.Fatalf("local cluster at %s is not ready (%v): run `make cluster`", c.Config.Host, err)
	}
	return path
}

// Client returns an admin client for the local cluster.
func Client(t testing.TB) *k8s.Client {
	t.Helper()
	c, err := k8s.NewClient(k8s.Flags{Kubeconfig: Kubeconfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Namespace creates a uniquely named namespace for the test, waits for its
// default ServiceAccount (pods need it), and deletes it when the test ends.
func Namespace(t testing.TB, c *k8s.Client, prefix string) string {
	t.Helper()
	name := UniqueName(prefix)
	CreateNamespace(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{meta.LabelTest: "true"}}})
	return name
}

// CreateNamespace creates ns, deletes it when the test ends, and waits for
// its default ServiceAccount (pods need it).
func CreateNamespace(t testing.TB, c *k8s.Client, ns *corev1.Namespace) {
	t.Helper()
	if _, err := c.Typed.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		err := c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
		}
	})
	WaitServiceAccount(t, c, ns.Name)
}

// EnvNamespace creates a uniquely named namespace labelled as berth's
// environment of project on branch, owned by RepoEmail, with annotations
// ann added, and deletes it when the test ends.
func EnvNamespace(t testing.TB, c *k8s.Client, prefix, project, branch string, ann map[string]string) string {
	t.Helper()
	name := UniqueName(prefix + "-" + project)
	a := map[string]string{meta.AnnotationBranch: branch, meta.AnnotationOwner: RepoEmail}
	for k, v := range ann {
		a[k] = v
	}
	CreateNamespace(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: name,
		Labels: map[string]string{
			meta.LabelManagedBy: meta.ManagedByBerth,
			meta.LabelProject:   project,
			meta.LabelEnv:       name,
			meta.LabelBranch:    envs.BranchSlug(branch),
		},
		Annotations: a,
	}})
	return name
}

// WaitServiceAccount waits for the default ServiceAccount of namespace ns.
func WaitServiceAccount(t testing.TB, c *k8s.Client, ns string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := c.Typed.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("default service account in %s: %v", ns, err)
	}
}

// UniqueName returns prefix plus a random DNS-safe suffix.
func UniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return strings.ToLower(fmt.Sprintf("%s-%s", prefix, hex.EncodeToString(b)))
}

// RepoRoot walks up from the working directory to berth's go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		raw, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(raw), "module github.com/berth-dev/berth\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no berth go.mod above the working directory")
		}
		dir = parent
	}
}

// Clientset is client-go's full clientset over c's config, for a test that
// reads a group berth's own clientset (k8s/kube) leaves out.
func Clientset(t testing.TB, c *k8s.Client) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatalf("clientset: %v", err)
	}
	return cs
}
