package compose

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/berth-dev/berth/meta"
)

// portSpec is one port a service listens on.
type portSpec struct {
	port     int32
	protocol corev1.Protocol
	name     string
	appProto string
}

var ianaSvcName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$`)

// planPorts collects the ports of a service: ports and expose as declared,
// else ports inferred from references, its healthcheck and well-known
// images. Services others reach by name with no known port get a headless
// Service.
func (c *converter) planPorts(pl *plan, refs *references) {
	s := pl.s
	seen := map[string]bool{}
	add := func(port int32, proto, name, appProto string) {
		if port <= 0 {
			return
		}
		p := corev1.Protocol(strings.ToUpper(proto))
		if p == "" {
			p = corev1.ProtocolTCP
		}
		key := fmt.Sprintf("%d/%s", port, p)
		if seen[key] {
			return
		}
		seen[key] = true
		pl.ports = append(pl.ports, portSpec{port: port, protocol: p, name: name, appProto: appProto})
	}
	for i, p := range s.Ports {
		if p.Target == 0 || p.Target > 65535 {
			c.warn.add(s.Name, fmt.Sprintf("ports.%d", i), "no container port; skipped")
			continue
		}
		switch strings.ToLower(p.Protocol) {
		case "", "tcp", "udp", "sctp":
		default:
			c.warn.add(s.Name, fmt.Sprintf("ports.%d", i), "protocol %q not supported; skipped", p.Protocol)
			continue
		}
		if p.HostIP != "" && p.HostIP != "0.0.0.0" && p.HostIP != "::" {
			c.warn.add(s.Name, fmt.Sprintf("ports.%d", i), "host_ip %s not mapped; the Service listens on the cluster network", p.HostIP)
		}
		add(int32(p.Target), p.Protocol, p.Name, p.AppProtocol)
	}
	for i, e := range s.Expose {
		port, proto, _ := strings.Cut(e, "/")
		lo, hi, isRange := strings.Cut(port, "-")
		a, b := parsePort(lo), parsePort(hi)
		if !isRange {
			b = a
		}
		if a == 0 || b < a || b-a > 100 {
			c.warn.add(s.Name, fmt.Sprintf("expose.%d", i), "invalid port %q skipped", e)
			continue
		}
		for p := a; p <= b; p++ {
			add(p, proto, "", "")
		}
	}
	if pl.kind == kindJob {
		pl.ports = pl.ports[:0:0]
		if len(s.Ports) > 0 || len(s.Expose) > 0 {
			c.warn.add(s.Name, "ports", "not mapped: a Job gets no Service")
		}
		return
	}
	if len(pl.ports) == 0 {
		for _, p := range sortedPorts(refs.ports[s.Name]) {
			add(p, "tcp", "", "")
		}
		for _, p := range ownPorts(s) {
			add(p, "tcp", "", "")
		}
		if hp := healthcheckPort(s.HealthCheck); hp > 0 {
			add(hp, "tcp", "", "")
		}
		if len(pl.ports) == 0 {
			for _, p := range imagePorts(pl.s.Image) {
				add(p, "tcp", "", "")
			}
		}
	}
	sort.SliceStable(pl.ports, func(i, j int) bool {
		if pl.ports[i].port != pl.ports[j].port {
			return pl.ports[i].port < pl.ports[j].port
		}
		return pl.ports[i].protocol < pl.ports[j].protocol
	})
	used := map[string]bool{}
	for i := range pl.ports {
		n := strings.ToLower(pl.ports[i].name)
		if !ianaSvcName.MatchString(n) || !strings.ContainsAny(n, "abcdefghijklmnopqrstuvwxyz") || used[n] {
			n = strings.ToLower(string(pl.ports[i].protocol)) + "-" + strconv.Itoa(int(pl.ports[i].port))
		}
		used[n] = true
		pl.ports[i].name = n
	}
	pl.service = len(pl.ports) > 0 || refs.reached[s.Name] || pl.x.Type != "" || pl.kind == kindStatefulSet
	pl.headless = pl.service && (len(pl.ports) == 0 || pl.x.Type == "Headless")
	if pl.service && len(pl.ports) == 0 {
		c.warn.add(s.Name, "ports", "no port declared or inferred; created a headless Service (DNS only)")
	}
}

// serviceObject builds the Service of a planned service.
func (c *converter) serviceObject(pl *plan, om metav1.ObjectMeta) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: om,
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{meta.LabelService: labelValue(pl.name)},
		},
	}
	switch {
	case pl.headless:
		svc.Spec.ClusterIP = corev1.ClusterIPNone
	case pl.x.Type == "NodePort":
		svc.Spec.Type = corev1.ServiceTypeNodePort
	case pl.x.Type == "LoadBalancer":
		svc.Spec.Type = corev1.ServiceTypeLoadBalancer
	}
	for _, p := range pl.ports {
		sp := corev1.ServicePort{
			Name:       p.name,
			Port:       p.port,
			TargetPort: intstr.FromString(p.name),
		}
		if p.protocol != corev1.ProtocolTCP {
			sp.Protocol = p.protocol
		}
		if p.appProto != "" {
			ap := p.appProto
			sp.AppProtocol = &ap
		}
		if svc.Spec.Type == corev1.ServiceTypeNodePort && pl.x.NodePort > 0 && len(svc.Spec.Ports) == 0 {
			sp.NodePort = pl.x.NodePort
		}
		svc.Spec.Ports = append(svc.Spec.Ports, sp)
	}
	if name := publishedPort(pl); name != "" {
		svc.Annotations = map[string]string{meta.AnnotationPublishedPort: name}
	}
	return svc
}

// notHTTP are well-known ports of protocols a browser cannot speak (DNS,
// SSH, SMTP, databases, brokers): never exposed on an env's host.
var notHTTP = map[uint32]bool{22: true, 25: true, 53: true, 3306: true, 5432: true, 5672: true, 6379: true, 9092: true, 11211: true, 27017: true}

// publishedPort is the name of the first TCP port the service publishes
// with `ports:` (see notHTTP), when it has no ingress and did not opt out (x-berth
// `ingress: false`); "" otherwise. With a domain in berth.yaml, the dev
// overlay of `berth up` exposes it on the env's host.
func publishedPort(pl *plan) string {
	if pl.x.Ingress != nil || pl.headless || pl.kind == kindJob {
		return ""
	}
	for _, p := range pl.s.Ports {
		if (p.Protocol != "" && !strings.EqualFold(p.Protocol, "tcp")) || notHTTP[p.Target] {
			continue
		}
		for _, ps := range pl.ports {
			if ps.port == int32(p.Target) && ps.protocol == corev1.ProtocolTCP {
				return ps.name
			}
		}
	}
	return ""
}

// ingressObject exposes the first TCP port of a service on a host.
func (c *converter) ingressObject(pl *plan, om metav1.ObjectMeta) *networkingv1.Ingress {
	ing := pl.x.Ingress
	var port *portSpec
	for i := range pl.ports {
		if pl.ports[i].protocol == corev1.ProtocolTCP {
			port = &pl.ports[i]
			break
		}
	}
	if port == nil || pl.headless {
		c.warn.add(pl.name, extensionKey+".ingress", "no TCP port to expose; no Ingress created")
		return nil
	}
	path := ing.Path
	if path == "" {
		path = "/"
	}
	pt := networkingv1.PathTypePrefix
	rule := networkingv1.IngressRule{
		Host: ing.Host,
		IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{
				Path:     path,
				PathType: &pt,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: pl.k8s,
					Port: networkingv1.ServiceBackendPort{Name: port.name},
				}},
			}},
		}},
	}
	obj := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: om,
		Spec:       networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule}},
	}
	if ing.Class != "" {
		cl := ing.Class
		obj.Spec.IngressClassName = &cl
	}
	if ing.TLSSecret != "" {
		tls := networkingv1.IngressTLS{SecretName: ing.TLSSecret}
		if ing.Host != "" {
			tls.Hosts = []string{ing.Host}
		}
		obj.Spec.TLS = []networkingv1.IngressTLS{tls}
	}
	return obj
}
