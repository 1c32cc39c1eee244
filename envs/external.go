package envs

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/meta"
)

// External maps what the app refers to but does not create (compose
// `external: true`) to what an environment uses instead. Keys are the names
// the workloads refer to: the claim, Secret or ConfigMap name.
type External struct {
	// Volumes maps an external claim to existing data. Unmapped, berth
	// creates an empty claim in the environment.
	Volumes map[string]ExternalVolume `yaml:"volumes"`
	// Secrets and Configs rename a referenced Secret or ConfigMap to one
	// that exists in the environment's namespace.
	Secrets map[string]string `yaml:"secrets"`
	Configs map[string]string `yaml:"configs"`

	lines map[string]int // berth.yaml line of each key, for errors
}

// ExternalVolume says where an external claim's data comes from.
type ExternalVolume struct {
	// Claim uses this existing claim (of another name) instead; berth
	// creates none, and prunes the one it created before.
	Claim string `yaml:"claim,omitempty"`
	// Snapshot creates the claim from this VolumeSnapshot (dataSource).
	Snapshot string `yaml:"snapshot,omitempty"`
	// Size and StorageClass of the claim berth creates; default 1Gi and the
	// cluster's default class.
	Size         Quantity `yaml:"size,omitempty"`
	StorageClass string   `yaml:"storageClass,omitempty"`
}

// defaultExternalSize is the size of a claim created for an external volume
// the tree has no claim for.
const defaultExternalSize = "1Gi"

// validate checks names and that a volume says one thing.
func (x External) validate() error {
	for _, k := range sortedKeys(x.Volumes) {
		v, f := x.Volumes[k], "external.volumes."+k
		if err := dnsField(f, k); err != nil {
			return err
		}
		if v.Claim == k {
			// berth would prune the claim it made, which the pods then use
			return fieldErr(f+".claim", "names the claim itself: to keep the claim berth creates, remove the mapping; to use a claim of your own, give it another name")
		}
		if v.Claim != "" && (v.Snapshot != "" || v.Size != "" || v.StorageClass != "") {
			return fieldErr(f, "claim uses an existing claim: snapshot, size and storageClass do not apply")
		}
		for sub, name := range map[string]string{"claim": v.Claim, "snapshot": v.Snapshot, "storageClass": v.StorageClass} {
			if name != "" {
				if err := dnsField(f+"."+sub, name); err != nil {
					return err
				}
			}
		}
	}
	for section, m := range map[string]map[string]string{"secrets": x.Secrets, "configs": x.Configs} {
		for _, k := range sortedKeys(m) {
			f := "external." + section + "." + k
			if err := dnsField(f, k); err != nil {
				return err
			}
			if err := dnsField(f, m[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func dnsField(field, name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fieldErr(field, "%q is not a valid object name: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

// locate records the berth.yaml line of every key under external.
func (x *External) locate(doc *yaml.Node) {
	if len(x.Volumes)+len(x.Secrets)+len(x.Configs) == 0 {
		return
	}
	x.lines = map[string]int{}
	for section, keys := range map[string][]string{"volumes": sortedKeys(x.Volumes), "secrets": sortedKeys(x.Secrets), "configs": sortedKeys(x.Configs)} {
		for _, k := range keys {
			x.lines[section+"."+k] = keyLine(doc, "external", section, k)
		}
	}
}

// keyLine is the line of the key at path in mapping n (keys may hold dots).
func keyLine(n *yaml.Node, path ...string) int {
	line := 0
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next, line = n.Content[i+1], n.Content[i].Line
			}
		}
		n = next
	}
	return line
}

// err is a FieldError on external.<section>.<key> of berth.yaml, with its
// line.
func (x External) err(section, key, format string, a ...any) error {
	return fmt.Errorf("%s: %w", ConfigFile, &FieldError{Field: "external." + section + "." + key, Line: x.lines[section+"."+key], Msg: fmt.Sprintf(format, a...)})
}

// applyExternal makes objs deployable in a fresh namespace: each claim the
// workloads mount that the tree does not create, or that the dev overlay
// created for an external volume, becomes berth.yaml's mapping or an empty
// claim; mapped Secrets and ConfigMaps are renamed; and NodePort and
// LoadBalancer Services become ClusterIP where the quota allows none. The
// workloads in left (not rendered: RenderBorrowing) count as mounting and
// naming what they do, as they would in a full render, but are not
// returned.
func applyExternal(objs, left []*unstructured.Unstructured, env Env, cfg Config) ([]*unstructured.Unstructured, error) {
	x := cfg.External
	created := map[string]*unstructured.Unstructured{} // claims the tree creates
	madeFor := map[string]bool{}                       // of those, made for external volumes
	for _, o := range slices.Concat(objs, left) {
		if o.GetKind() != "PersistentVolumeClaim" {
			continue
		}
		created[o.GetName()] = o
		if _, ok := o.GetAnnotations()[meta.AnnotationExternalVolume]; ok {
			madeFor[o.GetName()] = true
		}
	}
	mounted := map[string]bool{}
	for _, o := range slices.Concat(objs, left) {
		if err := eachRef(o, func(kind string, name *string) {
			if kind == "PersistentVolumeClaim" {
				mounted[*name] = true
			}
		}); err != nil {
			return nil, err
		}
	}
	external := map[string]bool{}
	for c := range mounted {
		if created[c] == nil || madeFor[c] {
			external[c] = true
		}
	}
	for c := range madeFor {
		external[c] = true
	}
	for _, k := range sortedKeys(x.Volumes) {
		if !external[k] {
			return nil, x.err("volumes", k, "no workload mounts an external claim %q (external claims: %s)", k, listOrNone(external))
		}
	}
	rename := map[string]map[string]string{"PersistentVolumeClaim": {}, "Secret": x.Secrets, "ConfigMap": x.Configs}
	drop := map[string]bool{}
	var extra []*unstructured.Unstructured
	for _, c := range sortedKeys(external) {
		v := x.Volumes[c]
		if v.Claim != "" {
			rename["PersistentVolumeClaim"][c] = v.Claim
			drop[c] = true
			continue
		}
		pvc := created[c]
		if pvc == nil {
			pvc = externalClaim(c, env)
			extra = append(extra, pvc)
		}
		if err := mapClaim(pvc, v); err != nil {
			return nil, err
		}
	}
	used := map[string]bool{}
	for _, o := range left {
		if err := eachRef(o, func(kind string, name *string) {
			if _, ok := rename[kind][*name]; ok {
				used[kind+"/"+*name] = true
			}
		}); err != nil {
			return nil, err
		}
	}
	out := make([]*unstructured.Unstructured, 0, len(objs)+len(extra))
	for _, o := range objs {
		if o.GetKind() == "PersistentVolumeClaim" && drop[o.GetName()] {
			continue
		}
		if err := eachRef(o, func(kind string, name *string) {
			if to, ok := rename[kind][*name]; ok {
				used[kind+"/"+*name] = true
				*name = to
			}
		}); err != nil {
			return nil, err
		}
		if err := clusterIPOnly(o, cfg.Quota); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	for section, kind := range map[string]string{"secrets": "Secret", "configs": "ConfigMap"} {
		for _, k := range sortedKeys(rename[kind]) {
			if !used[kind+"/"+k] {
				return nil, x.err(section, k, "no workload refers to %s %q", kind, k)
			}
		}
	}
	return append(out, extra...), nil
}

func listOrNone(m map[string]bool) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(m), ", ")
}

// externalClaim is an empty claim for an external volume the tree has no
// claim for (a base converted from compose: only the dev overlay has one).
func externalClaim(name string, env Env) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "PersistentVolumeClaim",
		"metadata": map[string]any{
			"name":        name,
			"namespace":   env.Namespace,
			"labels":      toAny(env.ObjectLabels()),
			"annotations": map[string]any{meta.AnnotationExternalVolume: name},
		},
		"spec": map[string]any{
			"accessModes": []any{"ReadWriteOnce"},
			"resources":   map[string]any{"requests": map[string]any{"storage": defaultExternalSize}},
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

// mapClaim applies berth.yaml's size, class and snapshot to a claim.
func mapClaim(pvc *unstructured.Unstructured, v ExternalVolume) error {
	set := func(val any, path ...string) error {
		return unstructured.SetNestedField(pvc.Object, val, append([]string{"spec"}, path...)...)
	}
	if v.Size != "" {
		q, err := resource.ParseQuantity(string(v.Size))
		if err != nil {
			return fmt.Errorf("claim %s: size: %w", pvc.GetName(), err)
		}
		if err := set(q.String(), "resources", "requests", "storage"); err != nil {
			return err
		}
	}
	if v.StorageClass != "" {
		if err := set(v.StorageClass, "storageClassName"); err != nil {
			return err
		}
	}
	if v.Snapshot != "" {
		ds := map[string]any{"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": v.Snapshot}
		if err := set(ds, "dataSource"); err != nil {
			return err
		}
	}
	return nil
}

// eachRef calls f with every claim, Secret and ConfigMap name obj's pod
// spec refers to, for reading or renaming in place.
func eachRef(obj *unstructured.Unstructured, f func(kind string, name *string)) error {
	spec, err := PodSpec(obj)
	if err != nil || spec == nil {
		return err
	}
	at := func(m map[string]any, kind string, key string) {
		if m == nil {
			return
		}
		if s, ok := m[key].(string); ok {
			f(kind, &s)
			m[key] = s
		}
	}
	sub := func(m map[string]any, key string) map[string]any {
		v, _ := m[key].(map[string]any)
		return v
	}
	for _, v := range list(spec["volumes"]) {
		at(sub(v, "persistentVolumeClaim"), "PersistentVolumeClaim", "claimName")
		at(sub(v, "secret"), "Secret", "secretName")
		at(sub(v, "configMap"), "ConfigMap", "name")
		for _, src := range list(sub(v, "projected")["sources"]) {
			at(sub(src, "secret"), "Secret", "name")
			at(sub(src, "configMap"), "ConfigMap", "name")
		}
	}
	for _, s := range list(spec["imagePullSecrets"]) {
		at(s, "Secret", "name")
	}
	for _, field := range []string{"initContainers", "containers"} {
		for _, c := range list(spec[field]) {
			for _, e := range list(c["env"]) {
				from := sub(e, "valueFrom")
				at(sub(from, "secretKeyRef"), "Secret", "name")
				at(sub(from, "configMapKeyRef"), "ConfigMap", "name")
			}
			for _, e := range list(c["envFrom"]) {
				at(sub(e, "secretRef"), "Secret", "name")
				at(sub(e, "configMapRef"), "ConfigMap", "name")
			}
		}
	}
	return nil
}

// list is the objects of a list value, skipping other entries.
func list(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// clusterIPOnly turns a NodePort or LoadBalancer Service into a ClusterIP
// one when the quota allows no node ports (a LoadBalancer takes node ports
// too) or no load balancers (see Quota.Limits), dropping the fields only
// those types have.
func clusterIPOnly(obj *unstructured.Unstructured, q Quota) error {
	if obj.GetKind() != "Service" || obj.GetAPIVersion() != "v1" {
		return nil
	}
	typ, _, _ := unstructured.NestedString(obj.Object, "spec", "type")
	limits, _ := q.Limits()
	forbidden := func(key string) bool {
		v, ok := limits[key]
		if !q.Enabled || !ok {
			return false
		}
		n, err := resource.ParseQuantity(string(v))
		return err == nil && n.IsZero()
	}
	switch {
	case typ == "NodePort" && forbidden("services.nodeports"):
	case typ == "LoadBalancer" && (forbidden("services.loadbalancers") || forbidden("services.nodeports")):
	default:
		return nil
	}
	spec, _, err := unstructured.NestedMap(obj.Object, "spec")
	if err != nil {
		return fmt.Errorf("Service %s: %w", obj.GetName(), err)
	}
	spec["type"] = "ClusterIP"
	for _, k := range []string{"externalTrafficPolicy", "healthCheckNodePort", "loadBalancerIP", "loadBalancerSourceRanges", "loadBalancerClass", "allocateLoadBalancerNodePorts"} {
		delete(spec, k)
	}
	ports := list(spec["ports"])
	for _, p := range ports {
		delete(p, "nodePort")
	}
	if len(ports) > 0 {
		spec["ports"] = anyList(ports)
	}
	return unstructured.SetNestedMap(obj.Object, spec, "spec")
}

func anyList(l []map[string]any) []any {
	out := make([]any, len(l))
	for i, m := range l {
		out[i] = m
	}
	return out
}
