package rollout_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/rollout"
)

// blockerBound is how soon a permanent blocker must fail its step (issue 13).
const blockerBound = 10 * time.Second

// TestUpBlockers runs `berth up`'s path (rollout.Up) on the shop example with
// one permanent blocker per row and checks that the step waiting on the
// blocked object fails within blockerBound, with the reason naming the
// object (and its pods and nodes); the transient row is still waiting
// after the bound and ends at its --timeout. Image and config errors are
// simulated by kwok (berth.dev/simulate, localcluster/cluster/kwok.yaml);
// the rest is the real scheduler, quota admission and controllers.
func TestUpBlockers(t *testing.T) {
	c := testcluster.Client(t)
	tests := []struct {
		name    string
		berth   string                                                // appended to berth.yaml
		edit    func(t *testing.T, objs []*unstructured.Unstructured) // the blocker
		prepare func(t *testing.T, c *k8s.Client, ns *unstructured.Unstructured)
		objects []string      // the object the step fails on: one of these (kind/name prefix)
		want    []string      // substrings of the reason
		timeout time.Duration // a transient row's: it must end by timing out
		pending []string      // substrings of a transient row's details
	}{
		{name: "missing PVC", objects: []string{"Deployment/web"},
			edit: func(t *testing.T, objs []*unstructured.Unstructured) {
				addVolume(t, objs, "web", map[string]any{"name": "uploads", "persistentVolumeClaim": map[string]any{"claimName": "uploads"}})
			},
			want: []string{`persistentvolumeclaim "uploads" not found`, "pod web-"}},
		{name: "missing ConfigMap", objects: []string{"Deployment/web"},
			edit: func(t *testing.T, objs []*unstructured.Unstructured) {
				addEnvFrom(t, objs, "web", map[string]any{"configMapRef": map[string]any{"name": "feature-flags"}})
				simulate(t, objs, "web", "configmissing")
			},
			want: []string{`CreateContainerConfigError: configmap "feature-flags" not found`, "pod web-", " on node kwok-"}},
		{name: "missing Secret", objects: []string{"Deployment/worker"},
			edit: func(t *testing.T, objs []*unstructured.Unstructured) {
				addEnvFrom(t, objs, "worker", map[string]any{"secretRef": map[string]any{"name": "payment-keys"}})
				simulate(t, objs, "worker", "configmissing")
			},
			want: []string{`secret "payment-keys" not found`, "worker-", " on node kwok-"}},
		{name: "quota exceeded", objects: []string{"Deployment/", "StatefulSet/", "Job/"},
			prepare: fillPodQuota, want: []string{"exceeded quota: " + envs.QuotaName}},
		{name: "no node matches", objects: []string{"Deployment/web"},
			edit: func(t *testing.T, objs []*unstructured.Unstructured) {
				setPodSpec(t, objs, "web", "nodeSelector", map[string]any{"berth.dev/pool": "gpu"})
			},
			want: []string{"pod web-", "Unschedulable", "didn't match Pod's node affinity/selector"}},
		{name: "invalid image", objects: []string{"Deployment/web"},
			edit: func(t *testing.T, objs []*unstructured.Unstructured) {
				setImage(t, objs, "web", "registry.example.com/Shop/web:feature branch")
				simulate(t, objs, "web", "invalidimage")
			},
			want: []string{"InvalidImageName", `"registry.example.com/Shop/web:feature branch"`, "pod web-", " on node kwok-"}},
		{name: "image pull unauthorized", objects: []string{"Deployment/web"},
			edit: func(t *testing.T, objs []*unstructured.Unstructured) { simulate(t, objs, "web", "pullauth") },
			want: []string{"ErrImagePull", "401 Unauthorized", "pod web-", " on node kwok-"}},
		{name: "job over its backoff limit", objects: []string{"Job/migrate-"},
			edit: func(t *testing.T, objs []*unstructured.Unstructured) { simulate(t, objs, "migrate", "fail") },
			want: []string{"job failed: BackoffLimitExceeded"}},
		// More CPU than any node has, within a quota that allows it: a
		// cluster that scales would bring a bigger node, so up waits.
		{name: "transient: insufficient cpu", objects: []string{"Deployment/web"}, timeout: 12 * time.Second,
			berth: "quota:\n  hard:\n    requests.cpu: \"64\"\n    limits.cpu: \"64\"\n    pods: \"50\"\n",
			edit: func(t *testing.T, objs []*unstructured.Unstructured) {
				setResources(t, objs, "web", map[string]any{"requests": map[string]any{"cpu": "12"}, "limits": map[string]any{"cpu": "12"}})
			},
			want: []string{"timed out after 12s"}, pending: []string{"Deployment/web: pod web-", "Insufficient cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("blocker"), func(rel string, data []byte) []byte {
				if rel == "berth.yaml" {
					return append(data, tt.berth...)
				}
				return data
			})
			env, objs := render(t, dir)
			if tt.edit != nil {
				tt.edit(t, objs)
			}
			steps, err := rollout.Plan(objs)
			if err != nil {
				t.Fatal(err)
			}
			if tt.prepare != nil {
				t.Cleanup(func() {
					_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), env.Namespace, metav1.DeleteOptions{})
				})
				tt.prepare(t, c, objs[0])
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 60 * time.Second
			}
			rec := &recorder{}
			t.Cleanup(func() {
				_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), env.Namespace, metav1.DeleteOptions{})
			})
			err = rollout.Up(context.Background(), c, rollout.UpOptions{Env: env, Objects: objs, Timeout: timeout, Progress: rec.add})
			var ue *rollout.UpError
			if !errors.As(err, &ue) || !ue.NotReady() {
				t.Fatalf("want the env not ready, got %v (does the cluster's kwok config have the berth-simulate-waiting stage? it is read at kwok's start)", err)
			}
			object := ue.Object
			if tt.timeout != 0 { // a timeout names the step; its details the objects
				object = tt.objects[0]
			}
			if !hasPrefixIn(object, tt.objects) {
				t.Errorf("failed object %q, want one of %q: %v", ue.Object, tt.objects, err)
			}
			if want := waitingStep(steps, object); ue.Step != want {
				t.Errorf("failed step %q, want %q, the step waiting on %s", ue.Step, want, object)
			}
			for _, w := range tt.pending {
				if !strings.Contains(strings.Join(ue.Details, "\n"), w) {
					t.Errorf("details lack %q: %v", w, err)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(ue.Reason, w) {
					t.Errorf("reason %q lacks %q", ue.Reason, w)
				}
			}
			if strings.Contains(err.Error(), "not found. not found") {
				t.Errorf("doubled tail in %v", err)
			}
			took := rec.stepTime(ue.Step)
			if tt.timeout != 0 {
				if took < blockerBound {
					t.Errorf("transient blocker ended step %s after %s, want it still waiting after %s", ue.Step, took, blockerBound)
				}
				return
			}
			if took >= blockerBound {
				t.Errorf("step %s failed after %s, want < %s: %v", ue.Step, took, blockerBound, err)
			}
			t.Logf("step %s failed after %s: %v", ue.Step, took.Round(time.Millisecond), err)
		})
	}
}

// stepTime is how long the step ran from its start to its failure.
func (r *recorder) stepTime(step string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var start time.Time
	for _, e := range r.events {
		switch {
		case e.Step == step && e.Phase == rollout.UpStarted:
			start = e.Time
		case e.Step == step && e.Phase == rollout.UpFailed && !start.IsZero():
			return e.Time.Sub(start)
		}
	}
	return -1
}

// waitingStep is the first step that waits on object.
func waitingStep(steps []rollout.Step, object string) string {
	for _, s := range steps {
		if s.Wait == rollout.WaitNone {
			continue
		}
		for _, o := range s.Objects {
			if o.GetKind()+"/"+o.GetName() == object {
				return s.Name
			}
		}
	}
	return ""
}

func hasPrefixIn(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// fillPodQuota creates the env's namespace before up and fills the pods
// quota berth will apply (50) with pods berth does not manage, as debug
// pods a developer started would: the env's own pods are then refused.
func fillPodQuota(t *testing.T, c *k8s.Client, ns *unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Apply(ctx, ns); err != nil {
		t.Fatal(err)
	}
	name := ns.GetName()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := c.Typed.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{}); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no default ServiceAccount in %s: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := range 50 {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("debug-%d", i)}, Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "sh", Image: "busybox"}},
		}}
		if _, err := c.Typed.CoreV1().Pods(name).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// podSpecOf returns the pod spec of the named service's Deployment or Job.
func podSpecOf(t *testing.T, objs []*unstructured.Unstructured, service string) (*unstructured.Unstructured, map[string]any) {
	t.Helper()
	for _, o := range objs {
		if o.GetLabels()["berth.dev/service"] != service || (o.GetKind() != "Job" && o.GetKind() != "Deployment") {
			continue
		}
		spec, ok, err := unstructured.NestedMap(o.Object, "spec", "template", "spec")
		if !ok || err != nil {
			t.Fatalf("%s/%s has no pod spec: %v", o.GetKind(), o.GetName(), err)
		}
		return o, spec
	}
	t.Fatalf("no workload for service %s", service)
	return nil, nil
}

func setPodSpec(t *testing.T, objs []*unstructured.Unstructured, service, field string, v any) {
	t.Helper()
	o, spec := podSpecOf(t, objs, service)
	spec[field] = v
	if err := unstructured.SetNestedMap(o.Object, spec, "spec", "template", "spec"); err != nil {
		t.Fatal(err)
	}
}

// editContainer changes the first container of the service's pod spec.
func editContainer(t *testing.T, objs []*unstructured.Unstructured, service string, edit func(map[string]any)) {
	t.Helper()
	_, spec := podSpecOf(t, objs, service)
	containers, _ := spec["containers"].([]any)
	if len(containers) == 0 {
		t.Fatalf("service %s has no containers", service)
	}
	edit(containers[0].(map[string]any))
	setPodSpec(t, objs, service, "containers", containers)
}

func addEnvFrom(t *testing.T, objs []*unstructured.Unstructured, service string, src map[string]any) {
	editContainer(t, objs, service, func(c map[string]any) {
		list, _ := c["envFrom"].([]any)
		c["envFrom"] = append([]any{src}, list...)
	})
}

func setImage(t *testing.T, objs []*unstructured.Unstructured, service, image string) {
	editContainer(t, objs, service, func(c map[string]any) { c["image"] = image })
}

func setResources(t *testing.T, objs []*unstructured.Unstructured, service string, res map[string]any) {
	editContainer(t, objs, service, func(c map[string]any) { c["resources"] = res })
}

func addVolume(t *testing.T, objs []*unstructured.Unstructured, service string, vol map[string]any) {
	t.Helper()
	_, spec := podSpecOf(t, objs, service)
	vols, _ := spec["volumes"].([]any)
	setPodSpec(t, objs, service, "volumes", append(vols, vol))
	editContainer(t, objs, service, func(c map[string]any) {
		mounts, _ := c["volumeMounts"].([]any)
		c["volumeMounts"] = append(mounts, map[string]any{"name": vol["name"], "mountPath": "/mnt/" + vol["name"].(string)})
	})
}
