package compose

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/meta"
)

// Files of the dev overlay that stand in for what a per-branch namespace
// cannot have: claims of external volumes, and node ports or load balancers.
const (
	externalFile = "external-volumes.yaml"
	servicesFile = "cluster-ip.yaml"
)

// devExternalVolumes are the claims the dev overlay creates for external
// volumes: a fresh namespace has none of them, so the workloads using one
// could never schedule. Each is marked with meta.AnnotationExternalVolume so
// `berth up` can map it to existing data (berth.yaml external.volumes); the
// prod overlay creates none and keeps referring to the existing claim.
func (c *converter) devExternalVolumes() ([]byte, error) {
	var objs []any
	made := map[string]bool{}
	for _, n := range sortedKeys(c.pvcs) {
		pv := c.pvcs[n]
		if !pv.cfg.External {
			continue
		}
		c.warn.add("", "volumes."+pv.name+".external", "external volume: the dev overlay creates an empty PVC %q (prod expects it to exist); map it in berth.yaml (external.volumes.%s) to use existing data", pv.k8s, pv.k8s)
		if made[pv.k8s] {
			continue // two compose names for one external volume
		}
		made[pv.k8s] = true
		var owner *plan
		if len(pv.users) == 1 {
			owner = c.plans[pv.users[0]]
		}
		dev := *pv
		dev.cfg.External = false
		obj, ok := c.pvcObject(&dev, owner).(*corev1.PersistentVolumeClaim)
		if !ok {
			continue
		}
		obj.Annotations = map[string]string{meta.AnnotationExternalVolume: pv.name}
		objs = append(objs, obj)
	}
	if len(objs) == 0 {
		return nil, nil
	}
	return renderObjects(objs)
}

// devClusterIP is a patch turning the NodePort and LoadBalancer Services
// into ClusterIP ones (the dev quota allows neither), nil when there are
// none. A fixed node port is removed too: ClusterIP Services may not have one.
func (c *converter) devClusterIP() ([]byte, error) {
	var out []byte
	for _, pl := range c.sortedPlans() {
		if !pl.service || pl.headless || (pl.x.Type != "NodePort" && pl.x.Type != "LoadBalancer") {
			continue
		}
		spec := map[string]any{"type": "ClusterIP"}
		if pl.x.Type == "NodePort" && pl.x.NodePort > 0 && len(pl.ports) > 0 {
			// strategic merge by port; null deletes the field
			spec["ports"] = []any{map[string]any{"port": pl.ports[0].port, "nodePort": nil}}
		}
		b, err := marshalYAML(map[string]any{
			"apiVersion": "v1",
			"kind":       "Service",
			"metadata":   map[string]any{"name": pl.k8s},
			"spec":       spec,
		})
		if err != nil {
			return nil, err
		}
		if out != nil {
			out = append(out, "---\n"...)
		}
		out = append(out, b...)
		c.warn.add(pl.name, serviceTypeKey(pl), "%s Service: the dev overlay makes it ClusterIP (the dev quota allows no node ports or load balancers); prod keeps %s", pl.x.Type, pl.x.Type)
	}
	return out, nil
}

// serviceTypeKey is the key that set a service's type: x-berth.type, or
// the kompose label.
func serviceTypeKey(pl *plan) string {
	if m, ok := pl.s.Extensions[extensionKey].(map[string]any); ok {
		if _, ok := m["type"]; ok {
			return extensionKey + ".type"
		}
	}
	for k := range pl.s.Labels {
		if strings.EqualFold(k, "kompose.service.type") {
			return "labels." + k
		}
	}
	return extensionKey
}
