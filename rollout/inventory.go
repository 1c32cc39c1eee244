package rollout

import (
	"encoding/json"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/meta"
)

// ObjectRef identifies an object berth applied.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// RefOf returns the reference of obj.
func RefOf(obj *unstructured.Unstructured) ObjectRef {
	return ObjectRef{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// key identifies the object regardless of API version.
func (r ObjectRef) key() string {
	gv, _ := schema.ParseGroupVersion(r.APIVersion)
	return gv.Group + "/" + r.Kind + "/" + r.Namespace + "/" + r.Name
}

func (r ObjectRef) String() string {
	gv, _ := schema.ParseGroupVersion(r.APIVersion)
	kind := r.Kind
	if gv.Group != "" {
		kind += "." + gv.Group
	}
	if r.Namespace == "" {
		return kind + "/" + r.Name
	}
	return kind + "/" + r.Namespace + "/" + r.Name
}

// Inventory is the list of objects the last up applied, kept in the
// namespace's meta.AnnotationInventory so the next up can prune what the app
// no longer has. It holds only kinds berth may prune, never namespaces.
type Inventory []ObjectRef

// NewInventory returns the inventory of objects, sorted.
func NewInventory(objects []*unstructured.Unstructured) Inventory {
	inv := Inventory{}
	seen := map[string]bool{}
	for _, o := range objects {
		r := RefOf(o)
		if !Prunable(r) || seen[r.key()] {
			continue
		}
		seen[r.key()] = true
		inv = append(inv, r)
	}
	sort.Slice(inv, func(i, j int) bool { return inv[i].key() < inv[j].key() })
	return inv
}

// Union returns the objects in inv or other, sorted. Record the union of
// the old and new inventories before applying, and the new one only after
// pruning, so an interrupted up leaves nothing untracked.
func (inv Inventory) Union(other Inventory) Inventory {
	out := Inventory{}
	seen := map[string]bool{}
	for _, r := range append(append(Inventory{}, inv...), other...) {
		if !seen[r.key()] {
			seen[r.key()] = true
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// Encode returns the inventory as the value of meta.AnnotationInventory.
func (inv Inventory) Encode() (string, error) {
	if inv == nil {
		inv = Inventory{}
	}
	data, err := json.Marshal(inv)
	if err != nil {
		return "", fmt.Errorf("encode inventory: %w", err)
	}
	return string(data), nil
}

// DecodeInventory parses the value of meta.AnnotationInventory; "" is empty.
func DecodeInventory(s string) (Inventory, error) {
	if s == "" {
		return Inventory{}, nil
	}
	var inv Inventory
	if err := json.Unmarshal([]byte(s), &inv); err != nil {
		return nil, fmt.Errorf("annotation %s: %w", meta.AnnotationInventory, err)
	}
	for i, r := range inv {
		if r.Kind == "" || r.Name == "" || r.APIVersion == "" {
			return nil, fmt.Errorf("annotation %s: entry %d lacks apiVersion, kind or name", meta.AnnotationInventory, i)
		}
		if _, err := schema.ParseGroupVersion(r.APIVersion); err != nil {
			return nil, fmt.Errorf("annotation %s: entry %d: %w", meta.AnnotationInventory, i, err)
		}
	}
	return inv, nil
}

// Prune returns what to delete after applying objects: what inv (the last
// up's inventory) holds that objects no longer do, among the kinds berth
// may prune; workloads first, then the rest in reverse apply order. The
// deleter must still check each live object's ownership labels
// (envs.CheckOwned) before deleting it.
func Prune(inv Inventory, objects []*unstructured.Unstructured) []ObjectRef {
	keep := map[string]bool{}
	for _, o := range objects {
		keep[RefOf(o).key()] = true
	}
	var out []ObjectRef
	seen := map[string]bool{}
	for _, r := range inv {
		if !Prunable(r) || keep[r.key()] || seen[r.key()] {
			continue
		}
		seen[r.key()] = true
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := kindRank(out[i].Kind), kindRank(out[j].Kind); ri != rj {
			return ri > rj
		}
		return out[i].key() < out[j].key()
	})
	return out
}

// Prunable reports whether berth may delete objects of r's kind when the
// app stops having them: the kinds an app's overlay produces, never
// namespaces or cluster-wide objects.
func Prunable(r ObjectRef) bool {
	if r.Namespace == "" {
		return false
	}
	gv, err := schema.ParseGroupVersion(r.APIVersion)
	if err != nil {
		return false
	}
	switch gv.Group + "/" + r.Kind {
	case "/ConfigMap", "/Secret", "/Service", "/ServiceAccount", "/PersistentVolumeClaim",
		"/ResourceQuota", "/LimitRange", "/Pod", "/ReplicationController",
		"apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet",
		"batch/Job", "batch/CronJob",
		"networking.k8s.io/Ingress", "networking.k8s.io/NetworkPolicy",
		"gateway.networking.k8s.io/HTTPRoute", "discovery.k8s.io/EndpointSlice",
		"policy/PodDisruptionBudget", "autoscaling/HorizontalPodAutoscaler",
		"rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/RoleBinding":
		return true
	}
	return false
}
