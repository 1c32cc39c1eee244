package envs

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/meta"
)

// DefaultHostPattern is the host of a service in an env when berth.yaml
// sets a domain and no hostPattern: "web-feature-login.dev.example.com".
const DefaultHostPattern = "{service}-{env}.{domain}"

// Placeholders of hostPattern.
const (
	placeService = "{service}"
	placeEnv     = "{env}"
	placeProject = "{project}"
	placeDomain  = "{domain}"
)

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// TLS is how env Ingresses serve https: a wildcard certificate's Secret
// (copied into each env by the cluster's tooling, e.g. a replicator), or a
// cert-manager issuer that gets each host its own certificate. Either sets
// the URLs' scheme to https.
type TLS struct {
	// SecretName is the Secret of a certificate for *.<domain>.
	SecretName string `yaml:"secretName,omitempty"`
	// ClusterIssuer and Issuer name a cert-manager issuer (at most one):
	// the Ingress gets its annotation and a Secret "<ingress>-tls".
	ClusterIssuer string `yaml:"clusterIssuer,omitempty"`
	Issuer        string `yaml:"issuer,omitempty"`
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.SecretName != "" || t.ClusterIssuer != "" || t.Issuer != "" }

// Gateway routes env hosts through Gateway API HTTPRoutes.
type Gateway struct {
	// ParentRefs are the Gateways (and listeners) every HTTPRoute attaches to.
	ParentRefs []ParentRef `yaml:"parentRefs"`
	// HTTPS says the Gateway's listener terminates TLS: URLs are https.
	HTTPS bool `yaml:"https,omitempty"`
}

// ParentRef is a Gateway an HTTPRoute attaches to, as in the Gateway API.
type ParentRef struct {
	Name        string `yaml:"name"`
	Namespace   string `yaml:"namespace,omitempty"`
	SectionName string `yaml:"sectionName,omitempty"`
	Port        int32  `yaml:"port,omitempty"`
}

// hostPattern returns the pattern in use.
func (c Config) hostPattern() string {
	if c.HostPattern == "" {
		return DefaultHostPattern
	}
	return c.HostPattern
}

// URLScheme is "https" when the env hosts are served with TLS, else "http".
func (c Config) URLScheme() string {
	if c.TLS.Enabled() || (c.Gateway != nil && c.Gateway.HTTPS) {
		return "https"
	}
	return "http"
}

// Host returns the host of a compose service in env: cfg's host pattern
// filled in. "" when cfg sets no domain. See HostAmong.
func Host(cfg Config, env Env, service string) string {
	return HostAmong(cfg, env, service, nil)
}

// HostAmong is the host of service in env when the app has services: each
// DNS label holding {service}, {env} or {project} that had to change (a
// service name that is not a DNS label), is longer than 63, or could read
// as another service's in another env (service "web-api" in env "main" and
// service "web" in env "api-main" both give "web-api-main") is cut and
// suffixed with a hash of the env's namespace and the service, as
// Namespace does. So hosts are unique per env and service.
func HostAmong(cfg Config, env Env, service string, services []string) string {
	if cfg.Domain == "" {
		return ""
	}
	svc := Slug(service)
	labels := strings.Split(cfg.hostPattern(), ".")
	for i, l := range labels {
		if l == placeDomain {
			labels[i] = cfg.Domain
			continue
		}
		if !placeholder.MatchString(l) {
			continue
		}
		ambiguous := ambiguousService(l, svc, services)
		l = strings.NewReplacer(placeService, svc, placeEnv, env.Slug, placeProject, env.Project).Replace(l)
		if svc != service || len(l) > maxLabel || ambiguous {
			l = meta.FitName(l, maxLabel, meta.HashLen(hashLen), meta.HashOf(env.Namespace+"/"+service), meta.Hashed(true))
		}
		labels[i] = l
	}
	return strings.Join(labels, ".")
}

// ambiguousService reports whether, in a label of the pattern holding both
// {service} and {env}, service svc starts (or, env first, ends) with
// another of services and the text between the two placeholders: then
// its label could equal that service's in another env.
func ambiguousService(label, svc string, services []string) bool {
	si, ei := strings.Index(label, placeService), strings.Index(label, placeEnv)
	if si < 0 || ei < 0 {
		return false
	}
	for _, other := range services {
		o := Slug(other)
		if o == svc || o == "" {
			continue
		}
		if si < ei && strings.HasPrefix(svc, o+label[si+len(placeService):ei]) {
			return true
		}
		if ei < si && strings.HasSuffix(svc, label[ei+len(placeEnv):si]+o) {
			return true
		}
	}
	return false
}

// validateURLs checks domain, hostPattern, ingressClassName, tls and gateway.
func (c Config) validateURLs() error {
	if c.Domain == "" {
		for _, f := range []struct {
			field string
			set   bool
		}{
			{"hostPattern", c.HostPattern != ""}, {"ingressClassName", c.IngressClassName != ""},
			{"tls", c.TLS.Enabled()}, {"gateway", c.Gateway != nil},
		} {
			if f.set {
				return fieldErr(f.field, "needs domain: env URLs are made only under a domain, e.g. domain: dev.example.com")
			}
		}
		return nil
	}
	if strings.Contains(c.Domain, "://") || strings.HasPrefix(c.Domain, "*") || len(validation.IsDNS1123Subdomain(c.Domain)) > 0 || len(c.Domain) > 253-maxLabel-1 {
		return fieldErr("domain", "%q must be a DNS name like dev.example.com (lowercase, no scheme, no wildcard)", c.Domain)
	}
	if err := checkHostPattern(c.hostPattern()); err != nil {
		return err
	}
	sample := Host(c, Env{Namespace: "dev-project-branch", Project: "project", Slug: "branch"}, "service")
	if errs := validation.IsDNS1123Subdomain(sample); len(errs) > 0 {
		return fieldErr("hostPattern", "%q gives host %q, which is not a DNS name: %s", c.hostPattern(), sample, strings.Join(errs, "; "))
	}
	for _, f := range [][2]string{
		{"ingressClassName", c.IngressClassName}, {"tls.secretName", c.TLS.SecretName},
		{"tls.clusterIssuer", c.TLS.ClusterIssuer}, {"tls.issuer", c.TLS.Issuer},
	} {
		if field, v := f[0], f[1]; v != "" && len(validation.IsDNS1123Subdomain(v)) > 0 {
			return fieldErr(field, "%q must be an object name (lowercase letters, digits, '-' and '.')", v)
		}
	}
	if c.TLS.ClusterIssuer != "" && c.TLS.Issuer != "" {
		return fieldErr("tls.issuer", "set clusterIssuer or issuer, not both")
	}
	if c.Gateway == nil {
		return nil
	}
	if c.IngressClassName != "" {
		return fieldErr("ingressClassName", "does not apply with gateway: HTTPRoutes attach to gateway.parentRefs")
	}
	if c.TLS.Enabled() {
		return fieldErr("tls", "does not apply with gateway: the Gateway's listener terminates TLS (set gateway.https: true)")
	}
	if len(c.Gateway.ParentRefs) == 0 {
		return fieldErr("gateway", "needs parentRefs: the Gateway(s) the env's HTTPRoutes attach to, e.g. [{name: dev, namespace: gateway-system}]")
	}
	for i, p := range c.Gateway.ParentRefs {
		field := fmt.Sprintf("gateway.parentRefs[%d]", i)
		if len(validation.IsDNS1123Subdomain(p.Name)) > 0 {
			return fieldErr(field+".name", "%q must be the name of a Gateway", p.Name)
		}
		if p.Namespace != "" && len(validation.IsDNS1123Label(p.Namespace)) > 0 {
			return fieldErr(field+".namespace", "%q must be a namespace name", p.Namespace)
		}
		if p.SectionName != "" && len(validation.IsDNS1123Subdomain(p.SectionName)) > 0 {
			return fieldErr(field+".sectionName", "%q must be a listener name", p.SectionName)
		}
		if p.Port < 0 || p.Port > 65535 {
			return fieldErr(field+".port", "%d is not a port", p.Port)
		}
	}
	return nil
}

// checkHostPattern refuses unknown placeholders, {domain} inside a label,
// and patterns that would give two services or two envs one host.
func checkHostPattern(p string) error {
	for _, ph := range placeholder.FindAllString(p, -1) {
		switch ph {
		case placeService, placeEnv, placeProject, placeDomain:
		default:
			return fieldErr("hostPattern", "%q: unknown placeholder %s (use {service}, {env}, {project}, {domain})", p, ph)
		}
	}
	for _, l := range strings.Split(p, ".") {
		if strings.Contains(l, placeDomain) && l != placeDomain {
			return fieldErr("hostPattern", "%q: {domain} must stand alone between dots, e.g. {service}-{env}.{domain}", p)
		}
	}
	if strings.Contains(p, placeService+placeEnv) || strings.Contains(p, placeEnv+placeService) {
		return fieldErr("hostPattern", "%q: put a '-' or a '.' between {service} and {env}, or hosts could collide", p)
	}
	for _, need := range []string{placeService, placeEnv} {
		if !strings.Contains(p, need) {
			return fieldErr("hostPattern", "%q must contain %s, or envs or services would share a host", p, need)
		}
	}
	return nil
}
