package rollout_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testcompose"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// externalCompose has an external volume shared by two services, a NodePort
// and a LoadBalancer: things a fresh namespace under the default quota
// cannot have as declared.
const externalCompose = `services:
  api:
    image: ghcr.io/acme/api:1
    ports: ["8000:8000"]
    x-berth: {type: NodePort, nodePort: 30080}
    volumes: ["uploads:/srv/uploads"]
  worker:
    image: ghcr.io/acme/worker:1
    volumes: ["uploads:/srv/uploads"]
  web:
    image: nginx:1.27
    ports: ["80:80"]
    x-berth: {type: LoadBalancer}
volumes:
  uploads: {external: true}
`

// upExternal converts externalCompose and ups it with default settings and
// the external mappings ext, in env (a fresh environment when env is
// zero), as berth up does; it returns the environment.
func upExternal(t *testing.T, c *k8s.Client, env envs.Env, ext envs.External) envs.Env {
	t.Helper()
	b := testcompose.Convert(t, "ext", externalCompose)
	cfg := envs.DefaultConfig()
	cfg.Project = "ext"
	cfg.External = ext
	if env.Namespace == "" {
		var err error
		if env, err = envs.Resolve(cfg, envs.GitInfo{Branch: testcluster.UniqueName("ext")}, envs.Overrides{}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := envs.Overlay(b.Files, "base", env, cfg) // as berth up builds a compose app
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up(t, c, env, objs); err != nil {
		t.Fatalf("up: %v", err)
	}
	return env
}

// TestUpExternalVolumeAndNodePorts: with default settings, the app goes
// Ready in a fresh namespace: the shared external volume gets one claim
// both pods mount, and the Services are ClusterIP.
func TestUpExternalVolumeAndNodePorts(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	env := upExternal(t, c, envs.Env{}, envs.External{})
	pvc, err := c.Typed.CoreV1().PersistentVolumeClaims(env.Namespace).Get(ctx, "uploads", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("claim of the external volume: %v", err)
	}
	if pvc.Annotations[meta.AnnotationExternalVolume] != "uploads" {
		t.Errorf("claim annotations %v, want it marked as made for the external volume", pvc.Annotations)
	}
	pods, err := c.Typed.CoreV1().Pods(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mounting := map[string]bool{}
	for _, pod := range pods.Items {
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "uploads" {
				mounting[pod.Labels[meta.LabelService]] = true
			}
		}
	}
	if !mounting["api"] || !mounting["worker"] {
		t.Errorf("pods mounting the claim uploads: %v, want api and worker", mounting)
	}
	for _, name := range []string{"api", "web"} {
		svc, err := c.Typed.CoreV1().Services(env.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if svc.Spec.Type != "ClusterIP" {
			t.Errorf("Service %s is %s, want ClusterIP", name, svc.Spec.Type)
		}
	}
}

// TestUpExternalVolumeMapped: after a default up, berth.yaml maps the
// external volume to a claim made by hand in the namespace; the next up
// mounts that claim, prunes the empty one berth made, and leaves the
// hand-made claim alone.
func TestUpExternalVolumeMapped(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	env := upExternal(t, c, envs.Env{}, envs.External{})
	seeded := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "uploads-seeded"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("3Gi")}},
		},
	}
	if _, err := c.Typed.CoreV1().PersistentVolumeClaims(env.Namespace).Create(ctx, seeded, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	upExternal(t, c, env, envs.External{Volumes: map[string]envs.ExternalVolume{"uploads": {Claim: "uploads-seeded"}}})
	for _, name := range []string{"api", "worker"} {
		d, err := c.Typed.AppsV1().Deployments(env.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var claim string
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				claim = v.PersistentVolumeClaim.ClaimName
			}
		}
		if claim != "uploads-seeded" {
			t.Errorf("%s mounts claim %q, want uploads-seeded", name, claim)
		}
	}
	old, err := c.Typed.CoreV1().PersistentVolumeClaims(env.Namespace).Get(ctx, "uploads", metav1.GetOptions{})
	if err == nil && old.DeletionTimestamp == nil {
		t.Error("the empty claim berth made is still there, not being deleted")
	} else if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	kept, err := c.Typed.CoreV1().PersistentVolumeClaims(env.Namespace).Get(ctx, "uploads-seeded", metav1.GetOptions{})
	if err != nil || kept.DeletionTimestamp != nil {
		t.Errorf("hand-made claim: %v (deleting: %v), want it left alone", err, kept != nil && kept.DeletionTimestamp != nil)
	}
}
