package k8s

import (
	"maps"
	"slices"
	"testing"

	"github.com/berth-dev/berth/meta"
)

func TestKindsOfEnvFollowsTheInventory(t *testing.T) {
	all := []Resource{ResourceDaemonSets, ResourceDeployments, ResourceJobs, ResourcePods, ResourceStatefulSets}
	for _, tc := range []struct {
		name string
		ann  map[string]string
		want []Resource
	}{
		{"no annotations", nil, all},
		{"no inventory", map[string]string{meta.AnnotationBranch: "main"}, all},
		{"unparsable", map[string]string{meta.AnnotationInventory: `[{"apiVersion":"apps/v1","kind":"Deployment"`}, all},
		{"entry without kind", map[string]string{meta.AnnotationInventory: `[{"apiVersion":"apps/v1","name":"web"}]`}, all},
		{"bad apiVersion", map[string]string{meta.AnnotationInventory: `[{"apiVersion":"a/b/c","kind":"Deployment","name":"web"}]`}, all},
		{"empty", map[string]string{meta.AnnotationInventory: `[]`}, []Resource{ResourcePods}},
		{"deployments and services", map[string]string{meta.AnnotationInventory: `[` +
			`{"apiVersion":"v1","kind":"Service","namespace":"e","name":"web"},` +
			`{"apiVersion":"apps/v1","kind":"Deployment","namespace":"e","name":"web"},` +
			`{"apiVersion":"apps/v1","kind":"Deployment","namespace":"e","name":"api"}]`},
			[]Resource{ResourceDeployments, ResourcePods}},
		{"a CronJob means Jobs", map[string]string{meta.AnnotationInventory: `[{"apiVersion":"batch/v1","kind":"CronJob","namespace":"e","name":"nightly"}]`},
			[]Resource{ResourceJobs, ResourcePods}},
		{"every workload kind", map[string]string{meta.AnnotationInventory: `[` +
			`{"apiVersion":"apps/v1","kind":"StatefulSet","namespace":"e","name":"db"},` +
			`{"apiVersion":"apps/v1","kind":"DaemonSet","namespace":"e","name":"agent"},` +
			`{"apiVersion":"batch/v1","kind":"Job","namespace":"e","name":"migrate"},` +
			`{"apiVersion":"apps/v1","kind":"Deployment","namespace":"e","name":"web"}]`}, all},
		// Same kind name in another group is not a workload.
		{"foreign group", map[string]string{meta.AnnotationInventory: `[{"apiVersion":"example.com/v1","kind":"Deployment","namespace":"e","name":"x"}]`},
			[]Resource{ResourcePods}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(kindsOfEnv(Kinds(), tc.ann)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("kindsOfEnv = %v, want %v", got, tc.want)
			}
		})
	}
}
