package rollout

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/meta"
)

// recordStorage puts the storage the app requests (need's
// requests.storage: claims and StatefulSet claim templates per replica)
// on the rendered Namespace as meta.AnnotationStorage, for the env's cost.
func recordStorage(objs []*unstructured.Unstructured, need Need) {
	q, ok := need.amount("requests.storage")
	if !ok {
		return
	}
	for _, o := range objs {
		if o.GetKind() != "Namespace" || o.GroupVersionKind().Group != "" {
			continue
		}
		ann := o.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[meta.AnnotationStorage] = q.String()
		o.SetAnnotations(ann)
	}
}
