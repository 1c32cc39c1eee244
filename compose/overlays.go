package compose

import (
	corev1 "k8s.io/api/core/v1"
)

// Spot placement of the dev overlay: the Karpenter capacity-type label and
// the taint the spot nodes carry.
const (
	SpotLabel  = "karpenter.sh/capacity-type"
	SpotValue  = "spot"
	spotPatch  = "spot.yaml"
	sizePatch  = "resources.yaml"
	devCPU     = "50m"
	devMemory  = "64Mi"
	overlayDev = "dev"
)

// prodHint opens the prod overlay, which is only a starting point.
const prodHint = `# A starting point for production: pin image tags under images:, and add
# patches for resources, replicas and ingress hosts. berth adds the namespace
# and ownership labels of each environment itself.
`

// overlays builds overlays/dev (spot placement, small requests, claims of
// external volumes, ClusterIP Services, dev replicas) and overlays/prod (a starting point with prod replicas).
func (c *converter) overlays() (map[string][]byte, error) {
	out := map[string][]byte{}
	kinds := map[string]bool{}
	for _, pl := range c.sortedPlans() {
		kinds[pl.kind] = true
	}
	dev := newKustomization()
	dev.Resources = []string{"../../base"}
	for _, kind := range []string{kindDeployment, kindStatefulSet, kindDaemonSet, kindJob} {
		if kinds[kind] {
			dev.Patches = append(dev.Patches, patchEntry{Path: spotPatch, Target: &patchTarget{Kind: kind}})
		}
	}
	sp, err := marshalYAML(spotPatchDoc())
	if err != nil {
		return nil, err
	}
	out["overlays/dev/"+spotPatch] = sp
	sizes, err := c.devRequests()
	if err != nil {
		return nil, err
	}
	if sizes != nil {
		out["overlays/dev/"+sizePatch] = sizes
		dev.Patches = append(dev.Patches, patchEntry{Path: sizePatch})
	}
	ext, err := c.devExternalVolumes()
	if err != nil {
		return nil, err
	}
	if ext != nil {
		out["overlays/dev/"+externalFile] = ext
		dev.Resources = append(dev.Resources, externalFile)
	}
	cip, err := c.devClusterIP()
	if err != nil {
		return nil, err
	}
	if cip != nil {
		out["overlays/dev/"+servicesFile] = cip
		dev.Patches = append(dev.Patches, patchEntry{Path: servicesFile})
	}
	dev.Replicas = c.overlayReplicas(overlayDev)
	b, err := marshalYAML(dev)
	if err != nil {
		return nil, err
	}
	out["overlays/dev/kustomization.yaml"] = b

	prod := newKustomization()
	prod.Resources = []string{"../../base"}
	prod.Replicas = c.overlayReplicas("prod")
	b, err = marshalYAML(prod)
	if err != nil {
		return nil, err
	}
	out["overlays/prod/kustomization.yaml"] = append([]byte(prodHint), b...)
	return out, nil
}

// spotPatchDoc is a strategic-merge patch for any pod-template workload
// (kustomize applies it to each target by kind).
func spotPatchDoc() map[string]any {
	return map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": "spot-placement"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"affinity": map[string]any{"nodeAffinity": map[string]any{
				"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
					"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{
						"key": SpotLabel, "operator": "In", "values": []any{SpotValue},
					}}}},
				},
			}},
			"tolerations": []any{map[string]any{
				"key": SpotLabel, "operator": "Equal", "value": SpotValue, "effect": "NoSchedule",
			}},
		}}},
	}
}

// devRequests is a patch giving every container without requests small
// ones, capped at its limits; nil when there is nothing to patch.
func (c *converter) devRequests() ([]byte, error) {
	var docs []any
	for _, pl := range c.sortedPlans() {
		r := c.resourcesQuiet(pl)
		req := map[string]any{}
		for name, def := range map[corev1.ResourceName]string{corev1.ResourceCPU: devCPU, corev1.ResourceMemory: devMemory} {
			if _, ok := r.Requests[name]; ok {
				continue
			}
			if _, ok := r.Limits[name]; ok {
				continue // a limit without a request sets the request to the limit
			}
			req[string(name)] = def
		}
		if len(req) == 0 {
			continue
		}
		docs = append(docs, map[string]any{
			"apiVersion": apiVersionOf(pl.kind),
			"kind":       pl.kind,
			"metadata":   map[string]any{"name": pl.k8s},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{"name": pl.k8s, "resources": map[string]any{"requests": req}}},
			}}},
		})
	}
	if len(docs) == 0 {
		return nil, nil
	}
	return renderObjects(docs)
}

// resourcesQuiet computes a plan's resources without re-reporting warnings.
func (c *converter) resourcesQuiet(pl *plan) corev1.ResourceRequirements {
	saved := c.warn.list
	r := c.resources(pl)
	c.warn.list = saved
	return r
}

func apiVersionOf(kind string) string {
	if kind == kindJob {
		return "batch/v1"
	}
	return "apps/v1"
}

// overlayReplicas lists x-berth replicas for one overlay.
func (c *converter) overlayReplicas(overlay string) []replicaEntry {
	var out []replicaEntry
	for _, pl := range c.sortedPlans() {
		n, ok := pl.x.Replicas[overlay]
		if !ok {
			continue
		}
		if pl.kind != kindDeployment && pl.kind != kindStatefulSet {
			continue
		}
		out = append(out, replicaEntry{Name: pl.k8s, Count: max(n, 0)})
	}
	return out
}
