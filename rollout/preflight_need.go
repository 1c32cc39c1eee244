package rollout

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/envs"
)

// Need is what an environment's objects ask of its namespace, in
// ResourceQuota terms.
type Need struct {
	// Amounts by quota resource: pods, requests.cpu, requests.memory,
	// limits.cpu, limits.memory, persistentvolumeclaims, requests.storage,
	// services, services.nodeports, services.loadbalancers and
	// count/<resource>[.<group>] of every kind rendered.
	Amounts map[string]resource.Quantity
	// Unset lists, per compute resource (e.g. requests.cpu), the containers
	// that set no value and get none from a LimitRange: a quota on that
	// resource refuses their pods.
	Unset map[string][]string
}

// computeResources are the pod resources a quota counts, per container.
var computeResources = []struct {
	quota string
	name  corev1.ResourceName
	limit bool
}{
	{"requests.cpu", corev1.ResourceCPU, false},
	{"requests.memory", corev1.ResourceMemory, false},
	{"limits.cpu", corev1.ResourceCPU, true},
	{"limits.memory", corev1.ResourceMemory, true},
}

// NeedOf computes the need of objs (as rendered, before the API server
// defaults them), with container requests and limits defaulted by ranges
// in order, as the LimitRanger admission does. Pods: the replicas of each
// workload (1 for a DaemonSet or Pod) plus, per Job and CronJob, the pods
// it runs at once (parallelism, at most completions), every Job counted as
// if all ran together. PVCs: those rendered plus the volumeClaimTemplates
// of each StatefulSet replica.
func NeedOf(objs []*unstructured.Unstructured, ranges []corev1.LimitRange) (Need, error) {
	n := Need{Amounts: map[string]resource.Quantity{}, Unset: map[string][]string{}}
	for _, r := range []string{"pods", "persistentvolumeclaims", "requests.storage", "services", "services.nodeports", "services.loadbalancers"} {
		n.Amounts[r] = resource.Quantity{}
	}
	for _, c := range computeResources {
		n.Amounts[c.quota] = resource.Quantity{}
	}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			continue
		}
		n.add(countResource(o), 1)
		var err error
		switch o.GetKind() {
		case "PersistentVolumeClaim":
			err = n.addClaim(o.Object, 1)
		case "Service":
			err = n.addService(o)
		}
		if err != nil {
			return Need{}, fmt.Errorf("%s: %w", objName(o), err)
		}
		if !isWorkload(o) {
			continue
		}
		pods, err := podCount(o)
		if err != nil {
			return Need{}, fmt.Errorf("%s: %w", objName(o), err)
		}
		if err := n.addPods(o, pods, ranges); err != nil {
			return Need{}, fmt.Errorf("%s: %w", objName(o), err)
		}
		if o.GetKind() == "StatefulSet" {
			tmpls, _, _ := unstructured.NestedSlice(o.Object, "spec", "volumeClaimTemplates")
			for _, t := range tmpls {
				m, ok := t.(map[string]any)
				if !ok {
					return Need{}, fmt.Errorf("%s: volumeClaimTemplates entry is %T, not an object", objName(o), t)
				}
				if err := n.addClaim(m, pods); err != nil {
					return Need{}, fmt.Errorf("%s: %w", objName(o), err)
				}
			}
		}
	}
	return n, nil
}

func (n *Need) add(r string, v int64) { n.addQuantity(r, *resource.NewQuantity(v, resource.DecimalSI)) }

func (n *Need) addQuantity(r string, q resource.Quantity) {
	sum := n.Amounts[r]
	sum.Add(q)
	n.Amounts[r] = sum
}

// addClaim adds copies PVCs like claim (an object map).
func (n *Need) addClaim(claim map[string]any, copies int64) error {
	var pvc corev1.PersistentVolumeClaim
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(claim, &pvc); err != nil {
		return fmt.Errorf("PersistentVolumeClaim %q: %w", pvc.Name, err)
	}
	n.add("persistentvolumeclaims", copies)
	storage := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	for range copies {
		n.addQuantity("requests.storage", storage)
	}
	return nil
}

// addService counts a Service by type; node ports are counted per port,
// as the quota does (a LoadBalancer allocates them unless told not to).
func (n *Need) addService(o *unstructured.Unstructured) error {
	var svc corev1.Service
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &svc); err != nil {
		return err
	}
	n.add("services", 1)
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		n.add("services.nodeports", int64(len(svc.Spec.Ports)))
	case corev1.ServiceTypeLoadBalancer:
		n.add("services.loadbalancers", 1)
		if a := svc.Spec.AllocateLoadBalancerNodePorts; a == nil || *a {
			n.add("services.nodeports", int64(len(svc.Spec.Ports)))
		}
	}
	return nil
}

// addPods adds pods copies of o's pod template: per resource, the larger
// of the containers' sum and the largest init container.
func (n *Need) addPods(o *unstructured.Unstructured, pods int64, ranges []corev1.LimitRange) error {
	n.add("pods", pods)
	spec, err := typedPodSpec(o)
	if err != nil || spec == nil {
		return err
	}
	for _, cr := range computeResources {
		var sum, initMax resource.Quantity
		for i, list := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
			for _, c := range list {
				v, ok := containerValue(c, cr.name, cr.limit, ranges)
				if !ok {
					n.Unset[cr.quota] = append(n.Unset[cr.quota], fmt.Sprintf("%s container %s", objName(o), c.Name))
					continue
				}
				if i == 0 {
					sum.Add(v)
				} else if v.Cmp(initMax) > 0 {
					initMax = v
				}
			}
		}
		if initMax.Cmp(sum) > 0 {
			sum = initMax
		}
		for range pods {
			n.addQuantity(cr.quota, sum)
		}
	}
	return nil
}

// typedPodSpec is o's pod spec, or nil for kinds without one.
func typedPodSpec(o *unstructured.Unstructured) (*corev1.PodSpec, error) {
	raw, err := envs.PodSpec(o)
	if err != nil || raw == nil {
		return nil, err
	}
	var spec corev1.PodSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &spec); err != nil {
		return nil, fmt.Errorf("pod spec: %w", err)
	}
	return &spec, nil
}

// containerValue is c's request (limit) of r once admitted: its own; for
// a request, its limit (API defaulting); else the first Container
// LimitRange default (a defaultRequest defaults to the default, the
// default to the max).
func containerValue(c corev1.Container, r corev1.ResourceName, limit bool, ranges []corev1.LimitRange) (resource.Quantity, bool) {
	if limit {
		if v, ok := c.Resources.Limits[r]; ok {
			return v, true
		}
	} else {
		if v, ok := c.Resources.Requests[r]; ok {
			return v, true
		}
		if v, ok := c.Resources.Limits[r]; ok {
			return v, true
		}
	}
	for _, lr := range ranges {
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			lists := []corev1.ResourceList{item.Default, item.Max}
			if !limit {
				lists = append([]corev1.ResourceList{item.DefaultRequest}, lists...)
			}
			for _, l := range lists {
				if v, ok := l[r]; ok {
					return v, true
				}
			}
		}
	}
	return resource.Quantity{}, false
}

// podCount is how many pods o runs at once.
func podCount(o *unstructured.Unstructured) (int64, error) {
	switch o.GetKind() {
	case "Pod", "DaemonSet": // a DaemonSet: at least one; nodes are unknown here
		return 1, nil
	case "Job":
		return jobPods(o.Object, "spec")
	case "CronJob":
		return jobPods(o.Object, "spec", "jobTemplate", "spec")
	}
	replicas, found, err := unstructured.NestedInt64(o.Object, "spec", "replicas")
	if err != nil {
		return 0, err
	}
	if !found {
		return 1, nil
	}
	return replicas, nil
}

// jobPods is the parallelism (default 1) of the Job spec at path, at most
// its completions.
func jobPods(obj map[string]any, path ...string) (int64, error) {
	par, found, err := unstructured.NestedInt64(obj, append(path, "parallelism")...)
	if err != nil {
		return 0, err
	}
	if !found {
		par = 1
	}
	comp, found, err := unstructured.NestedInt64(obj, append(path, "completions")...)
	if err != nil {
		return 0, err
	}
	if found && comp < par {
		par = comp
	}
	return par, nil
}

// countResource is the object-count quota resource of o's kind:
// count/deployments.apps, count/services.
func countResource(o *unstructured.Unstructured) string {
	kind := strings.ToLower(o.GetKind())
	switch {
	case strings.HasSuffix(kind, "s"):
		kind += "es"
	case strings.HasSuffix(kind, "y"):
		kind = strings.TrimSuffix(kind, "y") + "ies"
	default:
		kind += "s"
	}
	if g := o.GroupVersionKind().Group; g != "" {
		kind += "." + g
	}
	return "count/" + kind
}

// quotaKey is a quota resource as Need keys it: cpu and memory are the
// requests' old names.
func quotaKey(r string) string {
	switch r {
	case "cpu", "memory":
		return "requests." + r
	}
	return r
}

// amount is the need of quota resource r, and whether berth computes it.
func (n Need) amount(r string) (resource.Quantity, bool) {
	r = quotaKey(r)
	if v, ok := n.Amounts[r]; ok {
		return v, true
	}
	return resource.Quantity{}, strings.HasPrefix(r, "count/")
}
