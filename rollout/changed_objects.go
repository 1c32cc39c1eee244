package rollout

import (
	"maps"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/meta"
)

// endpointSliceManager marks the EndpointSlices changed mode writes, so the
// EndpointSlice controller leaves them alone.
const endpointSliceManager = "berth.dev"

// borrowedService turns the rendered Service svc of a borrowed service into
// what points at the baseline's Service of the same name: ExternalName to
// its cluster DNS name — a CNAME, which for a headless Service resolves to
// its pods as they come and go — or, when the baseline's is headless and
// its endpoints have hostnames (a StatefulSet's pods, whose own DNS names
// <pod>.<svc> only a Service here can give), a selector-less headless
// Service and an EndpointSlice with the baseline's endpoints.
func borrowedService(svc *unstructured.Unstructured, env envs.Env, base Baseline) []*unstructured.Unstructured {
	name := svc.GetName()
	labels := maps.Clone(svc.GetLabels())
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, env.ObjectLabels())
	metadata := func(n string, l map[string]string) map[string]any {
		return map[string]any{
			"name": n, "namespace": env.Namespace, "labels": toAny(l),
			"annotations": map[string]any{meta.AnnotationBorrowedFrom: base.Namespace},
		}
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	bs := base.Services[name]
	if !bs.Headless || !bs.hostnames() {
		spec := map[string]any{"type": "ExternalName", "externalName": name + "." + base.Namespace + ".svc.cluster.local"}
		if len(ports) > 0 {
			spec["ports"] = ports
		}
		return []*unstructured.Unstructured{{Object: map[string]any{
			"apiVersion": "v1", "kind": "Service", "metadata": metadata(name, labels), "spec": spec,
		}}}
	}
	spec := map[string]any{"clusterIP": "None"}
	if len(ports) > 0 {
		spec["ports"] = ports
	}
	sliceLabels := maps.Clone(labels)
	sliceLabels["kubernetes.io/service-name"] = name
	sliceLabels["endpointslice.kubernetes.io/managed-by"] = endpointSliceManager
	endpoints := make([]any, 0, len(bs.Endpoints))
	for _, e := range bs.Endpoints {
		endpoints = append(endpoints, runtime.DeepCopyJSONValue(e))
	}
	addrType := bs.AddrType
	if addrType == "" {
		addrType = "IPv4"
	}
	slice := map[string]any{
		"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": metadata(name, sliceLabels),
		"addressType": addrType, "endpoints": endpoints,
	}
	if len(bs.SlicePort) > 0 {
		slice["ports"] = runtime.DeepCopyJSONValue(bs.SlicePort)
	}
	return []*unstructured.Unstructured{
		{Object: map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": metadata(name, labels), "spec": spec}},
		{Object: slice},
	}
}

// hostnames reports whether an endpoint of the Service has a hostname: a
// pod with its own DNS name under the Service's.
func (s BaselineService) hostnames() bool {
	for _, e := range s.Endpoints {
		if h, _ := e["hostname"].(string); h != "" {
			return true
		}
	}
	return false
}

// routeFor is, for the Service svc of a deployed service, a Gateway API
// HTTPRoute attached to the baseline's Service of the same name that
// sends requests carrying envs.RouteHeader: <env's namespace> to this
// env's Service: how a mesh implementing Gateway API for services (GAMMA)
// routes a branch's traffic through the baseline. nil for other objects.
func routeFor(svc *unstructured.Unstructured, env envs.Env, baseline string) *unstructured.Unstructured {
	if svc.GetKind() != "Service" || svc.GroupVersionKind().Group != "" {
		return nil
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	if len(ports) == 0 {
		return nil
	}
	p, _ := ports[0].(map[string]any)
	port, ok := p["port"].(int64)
	if !ok {
		return nil
	}
	labels := maps.Clone(svc.GetLabels())
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, env.ObjectLabels())
	name := meta.FitName(svc.GetName()+"-mesh", 253)
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind":       "HTTPRoute",
		"metadata": map[string]any{"name": name, "namespace": env.Namespace, "labels": toAny(labels),
			"annotations": map[string]any{meta.AnnotationBorrowedFrom: baseline}},
		"spec": map[string]any{
			"parentRefs": []any{map[string]any{"group": "", "kind": "Service", "name": svc.GetName(), "namespace": baseline, "port": port}},
			"rules": []any{map[string]any{
				"matches": []any{map[string]any{"headers": []any{map[string]any{
					"type": "Exact", "name": envs.RouteHeader, "value": env.Namespace}}}},
				"backendRefs": []any{map[string]any{"group": "", "kind": "Service", "name": svc.GetName(), "port": port}},
			}},
		},
	}}
}

func toAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
