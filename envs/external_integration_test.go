package envs_test

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testcompose"
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

// TestUpExternalVolumeAndNodePorts: with default settings, the app goes
// Ready in a fresh namespace: the shared external volume gets one claim
// both pods mount, and the Services are ClusterIP.
func TestUpExternalVolumeAndNodePorts(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	b := testcompose.Convert(t, "ext", externalCompose)
	cfg := envs.DefaultConfig()
	cfg.Project = "ext"
	env, err := envs.Resolve(cfg, envs.GitInfo{Branch: testcluster.UniqueName("ext")}, envs.Overrides{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := envs.Overlay(b.Files, "base", env, cfg) // as berth up builds a compose app
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up(t, c, env, objs); err != nil {
		t.Fatalf("up: %v", err)
	}
	pvc, err := c.Typed.CoreV1().PersistentVolumeClaims(env.Namespace).Get(ctx, "uploads", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("claim of the external volume: %v", err)
	}
	if pvc.Annotations[compose.AnnotationExternalVolume] != "uploads" {
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
				mounting[pod.Labels[compose.LabelService]] = true
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
