package main

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

// gcManifests builds deploy/gc with kustomize.
func gcManifests(t *testing.T) map[string]*unstructured.Unstructured {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), "../../deploy/gc")
	if err != nil {
		t.Fatalf("kustomize build deploy/gc: %v", err)
	}
	out := map[string]*unstructured.Unstructured{}
	for _, r := range rm.Resources() {
		raw, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			t.Fatal(err)
		}
		out[u.GetKind()] = u
	}
	for _, kind := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "CronJob"} {
		if out[kind] == nil {
			t.Fatalf("deploy/gc has no %s", kind)
		}
	}
	return out
}

// TestGCManifestDryRun creates every object of deploy/gc with a
// server-side dry run (namespaced ones in a test namespace, since the dry
// run of berth-system does not create it).
func TestGCManifestDryRun(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	objs := gcManifests(t)
	ns := testcluster.Namespace(t, c, "gc-manifest")

	cron := objs["CronJob"]
	var args []string
	if containers, _, _ := unstructured.NestedSlice(cron.Object, "spec", "jobTemplate", "spec", "template", "spec", "containers"); len(containers) == 1 {
		args, _, _ = unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	}
	if strings.Join(args, " ") == "" || args[0] != "gc" || !strings.Contains(strings.Join(args, " "), "--all-projects") {
		t.Errorf("CronJob args %q, want gc --all-projects", args)
	}
	if sa, _, _ := unstructured.NestedString(cron.Object, "spec", "jobTemplate", "spec", "template", "spec", "serviceAccountName"); sa != objs["ServiceAccount"].GetName() {
		t.Errorf("CronJob runs as %q, not the manifest's ServiceAccount", sa)
	}
	// The CronJob's args parse as a berth command line.
	if cmd, rest, err := newRootCmd(&globalOptions{}, "berth").Find(args); err != nil || cmd.Name() != "gc" || cmd.ParseFlags(rest) != nil {
		t.Errorf("CronJob args %q do not parse: %v", args, err)
	}

	for _, kind := range []string{"Namespace", "ClusterRole", "ClusterRoleBinding", "ServiceAccount", "CronJob"} {
		u := objs[kind].DeepCopy()
		if u.GetNamespace() != "" {
			u.SetNamespace(ns)
		}
		ri, err := resourceClient(ctx, c, u)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ri.Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"})
		if err != nil && !(apierrors.IsAlreadyExists(err) && u.GetNamespace() == "") {
			t.Errorf("dry-run create %s: %v", k8s.Describe(u), err)
		}
	}
}

func resourceClient(ctx context.Context, c *k8s.Client, u *unstructured.Unstructured) (interface {
	Create(context.Context, *unstructured.Unstructured, metav1.CreateOptions, ...string) (*unstructured.Unstructured, error)
}, error) {
	m, err := c.Mapper.Mapping(ctx, u.GroupVersionKind())
	if err != nil {
		return nil, err
	}
	if u.GetNamespace() != "" {
		return c.Dynamic.Resource(m.Resource).Namespace(u.GetNamespace()), nil
	}
	return c.Dynamic.Resource(m.Resource), nil
}

// TestGCManifestRBAC binds the manifest's ClusterRole (under a test name)
// to a ServiceAccount and runs gc as it: the rules must be enough for
// deleting and sleeping, and must not reach secrets or pods.
func TestGCManifestRBAC(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	objs := gcManifests(t)
	ns := testcluster.Namespace(t, c, "gc-rbac")
	name := testcluster.UniqueName("berth-gc-test")

	var role rbacv1.ClusterRole
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs["ClusterRole"].Object, &role); err != nil {
		t.Fatal(err)
	}
	role.ObjectMeta = metav1.ObjectMeta{Name: name}
	if _, err := c.Typed.RbacV1().ClusterRoles().Create(ctx, &role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Typed.RbacV1().ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	if _, err := c.Typed.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "berth-gc"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "berth-gc", Namespace: ns}},
	}
	if _, err := c.Typed.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Typed.RbacV1().ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
	})

	cfg := rest.CopyConfig(c.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + ns + ":berth-gc"}
	sa, err := k8s.NewClientForConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	can := func(verb, group, resource string) bool {
		r, err := sa.Typed.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authv1.SelfSubjectAccessReview{
			Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource}},
		}, metav1.CreateOptions{})
		return err == nil && r.Status.Allowed
	}
	// The binding reaches the authorizer shortly after it is created.
	if err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(context.Context) (bool, error) {
		return can("delete", "", "namespaces"), nil
	}); err != nil {
		t.Fatalf("the ServiceAccount never got the role: %v", err)
	}
	for _, r := range [][3]string{{"list", "", "secrets"}, {"get", "", "secrets"}, {"list", "", "pods"}, {"create", "", "namespaces"}, {"delete", "apps", "deployments"}} {
		if can(r[0], r[1], r[2]) {
			t.Errorf("the gc role allows %s %s", r[0], r[2])
		}
	}

	project := testcluster.UniqueName("p")
	now := time.Now().UTC()
	expired := cliEnv(t, c, project, "old", map[string]string{meta.AnnotationExpiresAt: now.Add(-time.Minute).Format(time.RFC3339)})
	idle := cliEnv(t, c, project, "idle", map[string]string{meta.AnnotationLastDeploy: now.Add(-9 * time.Hour).Format(time.RFC3339)})
	testcluster.WaitServiceAccount(t, c, idle)
	two := int32(2)
	labels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: idle, "app": "web"}
	_, err = c.Typed.AppsV1().Deployments(idle).Create(ctx, appsv1Deployment("web", two, labels), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	gcCfg := envs.DefaultConfig()
	gcCfg.Project = project
	actions, err := lifecycle.GC(ctx, sa, gcCfg, now, false)
	if err != nil {
		t.Fatalf("gc as the CronJob's ServiceAccount: %v (%+v)", err, actions)
	}
	if len(actions) != 2 {
		t.Fatalf("actions %+v, want a delete and a sleep", actions)
	}
	if n, err := c.Typed.CoreV1().Namespaces().Get(ctx, expired, metav1.GetOptions{}); err == nil && n.DeletionTimestamp == nil {
		t.Errorf("expired env %s not deleted", expired)
	}
	d, err := c.Typed.AppsV1().Deployments(idle).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 0 || d.Annotations[meta.AnnotationReplicas] != "2" {
		t.Errorf("idle env's deployment after gc: %v %+v", err, d)
	}
}

// appsv1Deployment is a Deployment whose pods carry labels and run anywhere.
func appsv1Deployment(name string, replicas int32, labels map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": labels["app"]}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:  []corev1.Container{{Name: "main", Image: "example/" + name + ":1"}},
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
				},
			},
		},
	}
}
