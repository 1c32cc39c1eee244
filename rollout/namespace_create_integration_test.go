package rollout_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// TestUpCreatesNamespaceForApply: up creates a new environment's
// namespace (developers may create namespaces, not patch them
// cluster-wide) and then hands its fields to server-side apply, so what
// a later up no longer applies is removed from it, as from any object up
// applies.
func TestUpCreatesNamespaceForApply(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("nscreate"), nil)
	env, objs := render(t, dir)
	const note = "example.com/note"
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			ann := o.GetAnnotations()
			ann[note] = "first up only"
			o.SetAnnotations(ann)
		}
	}
	if _, err := up(t, c, env, objs); err != nil {
		t.Fatal(err)
	}
	ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Annotations[note] == "" {
		t.Fatalf("annotation %s missing after the first up: %v", note, ns.Annotations)
	}
	for _, f := range ns.ManagedFields {
		if f.Manager == k8s.FieldManager && f.Operation != metav1.ManagedFieldsOperationApply {
			t.Errorf("namespace %s: manager %s still owns fields by %s", ns.Name, f.Manager, f.Operation)
		}
	}

	env2, objs2 := render(t, dir)
	if _, err := up(t, c, env2, objs2); err != nil {
		t.Fatal(err)
	}
	ns, err = c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ns.Annotations[note]; ok {
		t.Errorf("annotation %s=%q left after an up that no longer applies it", note, v)
	}
}
