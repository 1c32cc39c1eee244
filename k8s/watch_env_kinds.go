package k8s

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/meta"
)

// envKinds is the set of namespaced kinds an env feed watches.
type envKinds map[Resource]bool

// inventoryKinds maps an inventory entry's group/kind to the kind whose
// objects it makes appear: a CronJob's are Jobs.
var inventoryKinds = map[string]Resource{
	"apps/Deployment":  ResourceDeployments,
	"apps/StatefulSet": ResourceStatefulSets,
	"apps/DaemonSet":   ResourceDaemonSets,
	"batch/Job":        ResourceJobs,
	"batch/CronJob":    ResourceJobs,
}

// kindsOfEnv is what an env feed watches in a namespace with annotations
// ann: pods always; Deployments, StatefulSets, DaemonSets and Jobs only
// when the namespace's inventory (meta.AnnotationInventory, the objects
// the last `berth up` applied, written before it applies anything) names
// them. A berth env has pods and Deployments, often Jobs, rarely a
// StatefulSet and almost never a DaemonSet: each kind left out is a list
// and a watch fewer per namespace, and the API server charges a
// developer's list in one namespace by the whole cluster's objects.
//
// Without a readable inventory (a namespace created by hand, by an older
// berth, or mid-up before the annotation is written) every kind is
// watched: the feed cannot know what the namespace holds, and showing
// everything costs only requests.
//
// The inventory is rollout.Inventory's JSON; only apiVersion and kind are
// decoded here (k8s does not import rollout).
func kindsOfEnv(all []Kind, ann map[string]string) envKinds {
	out := envKinds{ResourcePods: true}
	raw, ok := ann[meta.AnnotationInventory]
	var refs []struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if ok && json.Unmarshal([]byte(raw), &refs) == nil {
		for _, r := range refs {
			gv, err := schema.ParseGroupVersion(r.APIVersion)
			if r.Kind == "" || r.APIVersion == "" || err != nil {
				return allEnvKinds(all)
			}
			if res, ok := inventoryKinds[gv.Group+"/"+r.Kind]; ok {
				out[res] = true
			}
		}
		return out
	}
	return allEnvKinds(all)
}

// allEnvKinds is every namespaced kind.
func allEnvKinds(all []Kind) envKinds {
	out := envKinds{}
	for _, k := range all {
		if k.scope == scopeObjects {
			out[k.Resource] = true
		}
	}
	return out
}
