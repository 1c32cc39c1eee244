package k8s

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/kubefake"
)

// snapshotTables are the fields of Snapshot that hold watched objects:
// every map or slice but Resources and NoAccess (the watch's state).
func snapshotTables() []string {
	var out []string
	st := reflect.TypeFor[Snapshot]()
	for i := range st.NumField() {
		f := st.Field(i)
		if (f.Type.Kind() == reflect.Map || f.Type.Kind() == reflect.Slice) && f.Name != "Resources" && f.Name != "NoAccess" {
			out = append(out, f.Name)
		}
	}
	return out
}

// objectsOf are the objects of objs of kind k.
func objectsOf(k Kind, objs []runtime.Object) []runtime.Object {
	var out []runtime.Object
	for _, o := range objs {
		if reflect.TypeOf(o) == reflect.TypeOf(k.example) {
			out = append(out, o)
		}
	}
	return out
}

// TestKindsFeedSnapshotTables: Kinds is the one list of watched kinds.
// Each kind feeds exactly one Snapshot table, and every Snapshot table is
// fed by a kind, so a kind or table added without the other fails here.
func TestKindsFeedSnapshotTables(t *testing.T) {
	objs := fullObjects(t)
	fed := map[string][]Resource{}
	for _, k := range Kinds() {
		mine := objectsOf(k, objs)
		if len(mine) == 0 {
			t.Errorf("%s: fullObjects holds no %s", k.Resource, k.Name)
			continue
		}
		s := reflect.ValueOf(SnapshotFromObjects(mine, time.Time{}, "env-a")).Elem()
		var tables []string
		for _, name := range snapshotTables() {
			if s.FieldByName(name).Len() > 0 {
				tables = append(tables, name)
			}
		}
		if len(tables) != 1 {
			t.Errorf("%s feeds the Snapshot tables %v, want exactly one", k.Resource, tables)
		}
		for _, name := range tables {
			fed[name] = append(fed[name], k.Resource)
		}
	}
	for _, name := range snapshotTables() {
		if len(fed[name]) == 0 {
			t.Errorf("Snapshot.%s is fed by no kind", name)
		}
	}
	t.Logf("tables fed: %v", fed)
}

// TestKindsAreTheWatchedResources: every kind is a distinct resource, in
// AllResources' order, and the watcher runs an informer on each (all
// report synced once the events of a namespace are opened).
func TestKindsAreTheWatchedResources(t *testing.T) {
	var res []Resource
	names := map[string]bool{}
	for _, k := range Kinds() {
		if slices.Contains(res, k.Resource) || names[k.Name] {
			t.Errorf("kind %s (%s) listed twice", k.Name, k.Resource)
		}
		res, names[k.Name] = append(res, k.Resource), true
	}
	if all := AllResources(); !slices.Equal(all, res) {
		t.Errorf("AllResources() = %v, want the kinds' %v", all, res)
	}

	w := startFake(t, kubefake.NewClientset(fullObjects(t)...))
	w.OpenEvents("env-a")
	waitFor(t, w, "every kind synced", func(s *Snapshot) bool {
		for _, r := range res {
			if !s.Resources[r].Synced {
				return false
			}
		}
		return true
	})
}

// TestScalableKinds: exactly the kinds whose spec has replicas scale, and
// their Names, Replicas and Patch read and change the objects.
func TestScalableKinds(t *testing.T) {
	ctx := context.Background()
	objs := fullObjects(t)
	var scalable []string
	for _, k := range Kinds() {
		spec := reflect.ValueOf(k.example).Elem().FieldByName("Spec")
		hasReplicas := spec.IsValid() && spec.FieldByName("Replicas").IsValid()
		if k.Scalable() != hasReplicas {
			t.Errorf("%s: Scalable() = %t, but spec.replicas exists: %t", k.Name, k.Scalable(), hasReplicas)
		}
		if !k.Scalable() {
			continue
		}
		scalable = append(scalable, k.Name)
		mine := objectsOf(k, objs)
		cs := kubefake.NewClientset(mine...)
		var want []string
		for _, o := range mine {
			want = append(want, o.(metav1.Object).GetName())
		}
		got, err := k.Names(ctx, cs, "env-a", metav1.ListOptions{})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("%s: Names = %v, %v; want %v", k.Name, got, err, want)
		}
		for _, name := range got {
			o, r, err := k.Replicas(ctx, cs, "env-a", name)
			if err != nil || o.GetName() != name || r == nil || *r != 3 {
				t.Fatalf("%s %s: Replicas = %v, %v, %v; want 3", k.Name, name, o, r, err)
			}
			if err := k.Patch(ctx, cs, "env-a", name, types.MergePatchType, []byte(`{"spec":{"replicas":0}}`), metav1.PatchOptions{}); err != nil {
				t.Fatalf("%s %s: Patch: %v", k.Name, name, err)
			}
			if _, r, err := k.Replicas(ctx, cs, "env-a", name); err != nil || r == nil || *r != 0 {
				t.Errorf("%s %s: replicas after the patch = %v, %v; want 0", k.Name, name, r, err)
			}
		}
	}
	if len(scalable) == 0 {
		t.Error("no kind scales")
	}
	t.Logf("scalable: %v", scalable)
}
