package compose

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/meta"
)

// extensionKey is the compose extension berth reads at service, volume and
// top level.
const extensionKey = "x-berth"

// serviceExt is what a service's x-berth block (or kompose labels) can say
// that compose cannot.
type serviceExt struct {
	// Type is the Service type: ClusterIP, NodePort, LoadBalancer or Headless.
	Type string `json:"type,omitempty"`
	// NodePort fixes the node port of a NodePort Service.
	NodePort int32 `json:"nodePort,omitempty"`
	// Ingress exposes the service's first port on a host; false opts the
	// service out of the Ingress berth.yaml's domain gives published ports.
	Ingress *ingressExt `json:"ingress,omitempty"`
	// Controller forces the workload kind: deployment, statefulset,
	// daemonset or job.
	Controller string `json:"controller,omitempty"`
	// Phase marks a Job pre-deploy or post-deploy (and makes it a Job).
	Phase string `json:"phase,omitempty"`
	// Replicas per overlay ("dev", "prod").
	Replicas map[string]int32 `json:"replicas,omitempty"`
	// VolumeSize is the default size of the service's named volumes.
	VolumeSize string `json:"volumeSize,omitempty"`
	// StorageClass of the service's named volumes.
	StorageClass string `json:"storageClass,omitempty"`
	// ImagePullPolicy for the container.
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`
}

type ingressExt struct {
	Host      string `json:"host,omitempty"`
	Path      string `json:"path,omitempty"`
	TLSSecret string `json:"tlsSecret,omitempty"`
	Class     string `json:"className,omitempty"`
	// Off is `ingress: false` (kompose: expose "false"): no Ingress, not
	// even the one a domain in berth.yaml gives published ports.
	Off bool `json:"-"`
}

// enabled reports whether the service gets an Ingress from convert.
func (i *ingressExt) enabled() bool { return i != nil && !i.Off }

// UnmarshalJSON accepts a bare host string, a boolean (true: an Ingress
// without host; false: none) or an object.
func (i *ingressExt) UnmarshalJSON(b []byte) error {
	var host string
	if json.Unmarshal(b, &host) == nil {
		i.Host = host
		return nil
	}
	var on bool
	if json.Unmarshal(b, &on) == nil {
		i.Off = !on
		return nil
	}
	type plain ingressExt
	var p plain
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return err
	}
	*i = ingressExt(p)
	return nil
}

// volumeExt is a named volume's x-berth block (or the top-level defaults).
type volumeExt struct {
	Size         string `json:"size,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
	AccessMode   string `json:"accessMode,omitempty"`
}

// decodeExt decodes extensions[x-berth] into out, rejecting unknown fields.
// replicas may be a number (all overlays) or a map per overlay.
func decodeExt(ext types.Extensions, out any) error {
	raw, ok := ext[extensionKey]
	if !ok || raw == nil {
		return nil
	}
	if m, ok := raw.(map[string]any); ok {
		if r, ok := m["replicas"]; ok {
			switch r.(type) {
			case int, int64, float64, uint64:
				m2 := make(map[string]any, len(m))
				for k, v := range m {
					m2[k] = v
				}
				m2["replicas"] = map[string]any{"dev": r, "prod": r}
				raw = m2
			}
		}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(out)
}

// serviceExtension reads a service's x-berth block and kompose labels; the
// x-berth block wins. Labels it consumes are reported in used.
func (c *converter) serviceExtension(s types.ServiceConfig) (serviceExt, map[string]bool) {
	var x serviceExt
	used := map[string]bool{}
	if err := decodeExt(s.Extensions, &x); err != nil {
		c.warn.add(s.Name, extensionKey, "ignored: %v", err)
		x = serviceExt{}
	}
	k := komposeLabels(s.Labels, used)
	if x.Type == "" {
		x.Type = k.Type
	}
	if x.NodePort == 0 {
		x.NodePort = k.NodePort
	}
	if x.Ingress == nil {
		x.Ingress = k.Ingress
	}
	if x.Controller == "" {
		x.Controller = k.Controller
	}
	if x.VolumeSize == "" {
		x.VolumeSize = k.VolumeSize
	}
	if x.StorageClass == "" {
		x.StorageClass = k.StorageClass
	}
	if x.ImagePullPolicy == "" {
		x.ImagePullPolicy = k.ImagePullPolicy
	}
	x.Type = normalizeServiceType(x.Type)
	x.Controller = strings.ToLower(x.Controller)
	switch x.Controller {
	case "", "deployment", "statefulset", "daemonset", "job":
	default:
		c.warn.add(s.Name, extensionKey+".controller", "unknown controller %q ignored (deployment, statefulset, daemonset or job)", x.Controller)
		x.Controller = ""
	}
	switch x.Phase {
	case "", meta.PhasePreDeploy, meta.PhasePostDeploy:
	default:
		c.warn.add(s.Name, extensionKey+".phase", "unknown phase %q ignored (%s or %s)", x.Phase, meta.PhasePreDeploy, meta.PhasePostDeploy)
		x.Phase = ""
	}
	if x.Type == "invalid" {
		c.warn.add(s.Name, extensionKey+".type", "unknown service type ignored (ClusterIP, NodePort, LoadBalancer or Headless)")
		x.Type = ""
	}
	for _, name := range sortedKeys(s.Labels) {
		if strings.HasPrefix(name, "kompose.") && !used[name] {
			c.warn.add(s.Name, "labels."+name, "kompose label not supported by berth; kept as an annotation")
		}
	}
	return x, used
}

// komposeLabels reads the kompose.* labels berth honours.
func komposeLabels(labels types.Labels, used map[string]bool) serviceExt {
	var x serviceExt
	get := func(k string) string {
		v, ok := labels[k]
		if ok {
			used[k] = true
		}
		return v
	}
	x.Type = get("kompose.service.type")
	if np := get("kompose.service.nodeport.port"); np != "" {
		if n, err := strconv.ParseInt(np, 10, 32); err == nil {
			x.NodePort = int32(n)
		}
	}
	if e := get("kompose.service.expose"); strings.EqualFold(e, "false") {
		x.Ingress = &ingressExt{Off: true}
	} else if e != "" {
		ing := &ingressExt{}
		if !strings.EqualFold(e, "true") {
			first, _, _ := strings.Cut(e, ",")
			host, path, _ := strings.Cut(first, "/")
			ing.Host = host
			if path != "" {
				ing.Path = "/" + path
			}
		}
		ing.TLSSecret = get("kompose.service.expose.tls-secret")
		ing.Class = get("kompose.service.expose.ingress-class-name")
		x.Ingress = ing
	}
	x.Controller = get("kompose.controller.type")
	x.VolumeSize = get("kompose.volume.size")
	x.StorageClass = get("kompose.volume.storage-class-name")
	x.ImagePullPolicy = get("kompose.image-pull-policy")
	return x
}

func normalizeServiceType(t string) string {
	switch strings.ToLower(strings.ReplaceAll(t, "-", "")) {
	case "":
		return ""
	case "clusterip":
		return "ClusterIP"
	case "nodeport":
		return "NodePort"
	case "loadbalancer":
		return "LoadBalancer"
	case "headless", "none":
		return "Headless"
	default:
		return "invalid"
	}
}

// volumeExtension reads a named volume's size and class: x-berth on the
// volume, then driver_opts.size, then kompose labels, then the defaults.
func (c *converter) volumeExtension(name string, v types.VolumeConfig, svc serviceExt) volumeExt {
	var x volumeExt
	if err := decodeExt(v.Extensions, &x); err != nil {
		c.warn.add("", "volumes."+name+"."+extensionKey, "ignored: %v", err)
		x = volumeExt{}
	}
	if x.Size == "" {
		x.Size = v.DriverOpts["size"]
	}
	if x.Size == "" {
		x.Size = v.Labels["kompose.volume.size"]
	}
	if x.Size == "" {
		x.Size = svc.VolumeSize
	}
	if x.Size == "" {
		x.Size = c.top.Size
	}
	if x.StorageClass == "" {
		x.StorageClass = v.Labels["kompose.volume.storage-class-name"]
	}
	if x.StorageClass == "" {
		x.StorageClass = svc.StorageClass
	}
	if x.StorageClass == "" {
		x.StorageClass = c.top.StorageClass
	}
	return x
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
