package envs

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// cert-manager's annotations naming the issuer of an Ingress's certificate.
const (
	certManagerClusterIssuer = "cert-manager.io/cluster-issuer"
	certManagerIssuer        = "cert-manager.io/issuer"
)

// HTTPRoute's API version and kind (Gateway API v1, standard channel).
const (
	httpRouteAPIVersion = "gateway.networking.k8s.io/v1"
	httpRouteKind       = "HTTPRoute"
)

// exposeURLs gives the environment its own URLs when cfg sets a domain:
// every Ingress of the tree gets the env's host of its compose service
// (Host) instead of the prod host, cfg's ingressClassName and TLS (the
// prod TLS settings are dropped: the prod certificate does not cover the
// env's hosts); a Service marked meta.AnnotationPublishedPort whose service
// has no Ingress gets one. With cfg.Gateway, each Ingress becomes an
// HTTPRoute of the same name attached to the gateway's parentRefs. The
// URLs are recorded on the Namespace (meta.AnnotationURLs) for every
// output to read. Without a domain, objs are returned unchanged. The
// Ingresses in left (not rendered: RenderBorrowing) count among the
// services with a host, as in a full render, so every host is the same.
func exposeURLs(objs, left []*unstructured.Unstructured, env Env, cfg Config) ([]*unstructured.Unstructured, error) {
	if cfg.Domain == "" {
		return objs, nil
	}
	services := map[string]*unstructured.Unstructured{}
	routed := map[string]bool{} // compose services with an Ingress
	var ns *unstructured.Unstructured
	for _, o := range objs {
		switch {
		case o.GetAPIVersion() == "v1" && o.GetKind() == "Service":
			services[o.GetName()] = o
		case isIngress(o):
			routed[composeService(o)] = true
		case o.GetAPIVersion() == "v1" && o.GetKind() == "Namespace":
			ns = o
		}
	}
	if ns == nil {
		return nil, fmt.Errorf("rendered objects hold no Namespace")
	}
	var leftHosts []string
	for _, o := range left {
		if isIngress(o) {
			routed[composeService(o)] = true
			leftHosts = append(leftHosts, composeService(o))
		}
	}
	var ingresses []*networkingv1.Ingress
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		if !isIngress(o) {
			out = append(out, o)
			continue
		}
		ing := &networkingv1.Ingress{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, ing); err != nil {
			return nil, fmt.Errorf("Ingress %s: %w", o.GetName(), err)
		}
		ingresses = append(ingresses, ing)
	}
	for _, name := range sortedKeys(services) {
		svc := services[name]
		port := svc.GetAnnotations()[meta.AnnotationPublishedPort]
		if port == "" || routed[composeService(svc)] {
			continue
		}
		ingresses = append(ingresses, publishedIngress(svc, port))
	}
	var urls []status.URL
	var names []string // compose services with a host
	for _, ing := range ingresses {
		names = append(names, ingressService(ing))
	}
	names = append(names, leftHosts...)
	for _, ing := range ingresses {
		service := ingressService(ing)
		host := HostAmong(cfg, env, service, names)
		rehost(ing, host, cfg)
		urls = append(urls, status.URL{Service: service, URL: cfg.URLScheme() + "://" + host + firstPath(ing)})
		var obj *unstructured.Unstructured
		var err error
		if cfg.Gateway != nil {
			obj, err = httpRoute(ing, host, cfg.Gateway, services)
		} else {
			obj, err = toUnstructured(ing)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
	if len(urls) > 0 {
		a := ns.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[meta.AnnotationURLs] = status.EncodeURLs(urls)
		ns.SetAnnotations(a)
	}
	return out, nil
}

// ingressService is the compose service of an Ingress: its
// meta.LabelService, else its name.
func ingressService(ing *networkingv1.Ingress) string {
	if s := ing.Labels[meta.LabelService]; s != "" {
		return s
	}
	return ing.Name
}

func isIngress(o *unstructured.Unstructured) bool {
	return o.GetKind() == "Ingress" && o.GroupVersionKind().Group == "networking.k8s.io"
}

// composeService is the compose service an object was made for: its
// meta.LabelService, else its name.
func composeService(o *unstructured.Unstructured) string {
	if s := o.GetLabels()[meta.LabelService]; s != "" {
		return s
	}
	return o.GetName()
}

// publishedIngress is the Ingress of a Service's published port, named and
// labelled like the Service; rehost sets its host.
func publishedIngress(svc *unstructured.Unstructured, port string) *networkingv1.Ingress {
	pt := networkingv1.PathTypePrefix
	return &networkingv1.Ingress{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{
			Name: svc.GetName(), Namespace: svc.GetNamespace(), Labels: svc.GetLabels(),
		},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: &pt,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: svc.GetName(), Port: networkingv1.ServiceBackendPort{Name: port},
					}},
				}},
			}},
		}}},
	}
}

// rehost puts every rule of ing on host, with cfg's class and TLS.
func rehost(ing *networkingv1.Ingress, host string, cfg Config) {
	for i := range ing.Spec.Rules {
		ing.Spec.Rules[i].Host = host
	}
	if cfg.IngressClassName != "" {
		cl := cfg.IngressClassName
		ing.Spec.IngressClassName = &cl
	}
	ing.Spec.TLS = nil
	if !cfg.TLS.Enabled() {
		return
	}
	secret := cfg.TLS.SecretName
	if secret == "" {
		secret = ing.Name + "-tls"
		if ing.Annotations == nil {
			ing.Annotations = map[string]string{}
		}
		if cfg.TLS.ClusterIssuer != "" {
			ing.Annotations[certManagerClusterIssuer] = cfg.TLS.ClusterIssuer
		} else {
			ing.Annotations[certManagerIssuer] = cfg.TLS.Issuer
		}
	}
	ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: secret}}
}

// firstPath is the path of the Ingress's first rule when not "/" (the URL
// then leads to it), else "".
func firstPath(ing *networkingv1.Ingress) string {
	for _, r := range ing.Spec.Rules {
		if r.HTTP != nil && len(r.HTTP.Paths) > 0 {
			if p := r.HTTP.Paths[0].Path; p != "/" {
				return p
			}
			return ""
		}
	}
	return ""
}

// httpRoute is the HTTPRoute doing what ing does, on host, attached to
// gw's parentRefs. Backend ports named in the Ingress are looked up in
// services (an HTTPRoute's backendRef takes a port number).
func httpRoute(ing *networkingv1.Ingress, host string, gw *Gateway, services map[string]*unstructured.Unstructured) (*unstructured.Unstructured, error) {
	var parents []any
	for _, p := range gw.ParentRefs {
		ref := map[string]any{"name": p.Name}
		if p.Namespace != "" {
			ref["namespace"] = p.Namespace
		}
		if p.SectionName != "" {
			ref["sectionName"] = p.SectionName
		}
		if p.Port != 0 {
			ref["port"] = int64(p.Port)
		}
		parents = append(parents, ref)
	}
	var rules []any
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if p.Backend.Service == nil {
				return nil, fmt.Errorf("Ingress %s: path %s has no Service backend, which an HTTPRoute needs", ing.Name, p.Path)
			}
			port, err := backendPort(ing.Name, p.Backend.Service, services)
			if err != nil {
				return nil, err
			}
			match := "PathPrefix"
			if p.PathType != nil && *p.PathType == networkingv1.PathTypeExact {
				match = "Exact"
			}
			path := p.Path
			if path == "" {
				path = "/"
			}
			rules = append(rules, map[string]any{
				"matches":     []any{map[string]any{"path": map[string]any{"type": match, "value": path}}},
				"backendRefs": []any{map[string]any{"name": p.Backend.Service.Name, "port": port}},
			})
		}
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("Ingress %s has no HTTP paths to route", ing.Name)
	}
	md := map[string]any{"name": ing.Name}
	if ing.Namespace != "" {
		md["namespace"] = ing.Namespace
	}
	if len(ing.Labels) > 0 {
		labels := map[string]any{}
		for k, v := range ing.Labels {
			labels[k] = v
		}
		md["labels"] = labels
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": httpRouteAPIVersion,
		"kind":       httpRouteKind,
		"metadata":   md,
		"spec": map[string]any{
			"parentRefs": parents,
			"hostnames":  []any{host},
			"rules":      rules,
		},
	}}, nil
}

// backendPort is the number of an Ingress backend's port.
func backendPort(ingress string, b *networkingv1.IngressServiceBackend, services map[string]*unstructured.Unstructured) (int64, error) {
	if b.Port.Number != 0 {
		return int64(b.Port.Number), nil
	}
	svc, ok := services[b.Name]
	if !ok {
		return 0, fmt.Errorf("Ingress %s: backend Service %s is not in the app; an HTTPRoute needs its port number", ingress, b.Name)
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	for _, p := range ports {
		m, _ := p.(map[string]any)
		if name, _ := m["name"].(string); name == b.Port.Name {
			if n, ok := m["port"].(int64); ok {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("Ingress %s: Service %s has no port named %q", ingress, b.Name, b.Port.Name)
}

func toUnstructured(ing *networkingv1.Ingress) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ing)
	if err != nil {
		return nil, fmt.Errorf("Ingress %s: %w", ing.Name, err)
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// URLs returns the environment's URLs recorded on the Namespace among the
// rendered objs (see exposeURLs), sorted by service.
func URLs(objs []*unstructured.Unstructured) []status.URL {
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			return status.URLsOf(o.GetAnnotations())
		}
	}
	return nil
}
