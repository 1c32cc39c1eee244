package envs

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/meta"
)

func urlConfig(domain, pattern string) Config {
	cfg := testConfig()
	cfg.Domain, cfg.HostPattern = domain, pattern
	return cfg
}

func TestHost(t *testing.T) {
	cfg := urlConfig("dev.example.com", "")
	main := testEnv(t, cfg, "main", "")
	feat := testEnv(t, cfg, "Feature/Login", "")
	tests := []struct {
		name    string
		cfg     Config
		env     Env
		service string
		want    string
	}{
		{"default pattern", cfg, main, "web", "web-main.dev.example.com"},
		{"hashed branch slug kept once", cfg, feat, "web", "web-" + feat.Slug + ".dev.example.com"},
		{"labels of their own", urlConfig("dev.example.com", "{service}.{env}.{project}.{domain}"), main, "api", "api.main.shop.dev.example.com"},
		{"no domain", urlConfig("", ""), main, "web", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Host(tt.cfg, tt.env, tt.service); got != tt.want {
				t.Errorf("Host(%s, %s) = %q, want %q", tt.env.Branch, tt.service, got, tt.want)
			}
		})
	}
}

// Every label fits DNS, and hosts differ per env and per service, however
// long or odd the branch and service names.
func TestHostShortenedAndUnique(t *testing.T) {
	cfg := urlConfig("dev.example.com", "")
	long := strings.Repeat("very-long-branch-name-", 5)
	branches := []string{"main", long + "a", long + "b", "Feature/Ü", "feature-u"}
	services := []string{"web", "web_app", "web-app", strings.Repeat("service", 12)}
	seen := map[string]string{}
	for _, b := range branches {
		env := testEnv(t, cfg, b, "")
		for _, s := range services {
			h := Host(cfg, env, s)
			if errs := validation.IsDNS1123Subdomain(h); len(errs) > 0 {
				t.Errorf("Host(%q, %q) = %q: %v", b, s, h, errs)
			}
			for _, l := range strings.Split(h, ".") {
				if len(l) > 63 {
					t.Errorf("Host(%q, %q) = %q: label %q longer than 63", b, s, h, l)
				}
			}
			if !strings.HasSuffix(h, ".dev.example.com") {
				t.Errorf("Host(%q, %q) = %q: not under the domain", b, s, h)
			}
			if other, dup := seen[h]; dup {
				t.Errorf("Host(%q, %q) = %q, as for %s", b, s, h, other)
			}
			seen[h] = b + "/" + s
		}
	}
	// A shortened label is cut and ends in the hash suffix.
	h := Host(cfg, testEnv(t, cfg, long+"a", ""), "web")
	first, _, _ := strings.Cut(h, ".")
	if len(first) != 63 || !meta.LooksHashed(first, hashLen) {
		t.Errorf("long host %q: want a 63-character first label ending in a hash", h)
	}
}

func TestParseConfigURLs(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
domain: dev.example.com
hostPattern: "{service}.{env}.{domain}"
ingressClassName: nginx
tls:
  clusterIssuer: letsencrypt
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Domain != "dev.example.com" || cfg.IngressClassName != "nginx" || cfg.TLS.ClusterIssuer != "letsencrypt" || cfg.URLScheme() != "https" {
		t.Errorf("parsed %+v", cfg)
	}
	cfg, err = ParseConfig([]byte("domain: dev.example.com\ngateway:\n  parentRefs:\n  - {name: dev, namespace: gateway-system, sectionName: web}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Gateway == nil || len(cfg.Gateway.ParentRefs) != 1 || cfg.Gateway.ParentRefs[0].Namespace != "gateway-system" || cfg.URLScheme() != "http" || cfg.hostPattern() != DefaultHostPattern {
		t.Errorf("parsed gateway %+v", cfg.Gateway)
	}
}

func TestParseConfigURLErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string
	}{
		{"pattern without domain", "project: a\nhostPattern: \"{service}-{env}.x.com\"\n", []string{"line 2", "hostPattern", "needs domain"}},
		{"gateway without domain", "gateway:\n  parentRefs: [{name: dev}]\n", []string{"line 1", "gateway", "needs domain"}},
		{"bad domain", "domain: https://dev.example.com\n", []string{"line 1", "domain"}},
		{"wildcard domain", "domain: \"*.dev.example.com\"\n", []string{"line 1", "domain"}},
		{"unknown placeholder", "domain: d.io\nhostPattern: \"{svc}-{env}.{domain}\"\n", []string{"line 2", "{svc}"}},
		{"adjacent", "domain: d.io\nhostPattern: \"{service}{env}.{domain}\"\n", []string{"line 2", "between {service} and {env}"}},
		{"no env", "domain: d.io\nhostPattern: \"{service}.{domain}\"\n", []string{"line 2", "{env}", "share a host"}},
		{"no service", "domain: d.io\nhostPattern: \"{env}.{domain}\"\n", []string{"line 2", "{service}"}},
		{"domain inside a label", "domain: d.io\nhostPattern: \"{service}-{env}-{domain}\"\n", []string{"line 2", "stand alone"}},
		{"bad host", "domain: d.io\nhostPattern: \"{service}_{env}.{domain}\"\n", []string{"line 2", "not a DNS name"}},
		{"two issuers", "domain: d.io\ntls:\n  issuer: a\n  clusterIssuer: b\n", []string{"line 3", "tls.issuer", "not both"}},
		{"bad secret", "domain: d.io\ntls:\n  secretName: Wild Card\n", []string{"line 3", "tls.secretName"}},
		{"gateway without parents", "domain: d.io\ngateway: {https: true}\n", []string{"line 2", "parentRefs"}},
		{"gateway and tls", "domain: d.io\ntls: {secretName: w}\ngateway:\n  parentRefs: [{name: dev}]\n", []string{"line 2", "tls", "listener"}},
		{"gateway and class", "domain: d.io\ningressClassName: nginx\ngateway:\n  parentRefs: [{name: dev}]\n", []string{"line 2", "ingressClassName"}},
		{"bad parent", "domain: d.io\ngateway:\n  parentRefs:\n  - name: dev\n  - name: Bad_Name\n", []string{"line 5", "gateway.parentRefs[1].name"}},
		{"unknown tls key", "domain: d.io\ntls:\n  secret: w\n", []string{"line 3", `"tls.secret"`, "secretName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.data))
			if err == nil {
				t.Fatalf("no error for %q", tt.data)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// Service "web-api" in env "main" and service "web" in env "api-main" would
// both be "web-api-main": the one whose name starts with another service's
// gets the hash suffix, whatever the separator and order in the pattern.
func TestHostAmbiguousServices(t *testing.T) {
	services := []string{"web", "web-api"}
	for _, pattern := range []string{"{service}-{env}.{domain}", "{env}-{service}.{domain}", "x{service}.{env}y.{domain}"} {
		cfg := urlConfig("dev.example.com", pattern)
		envs := []string{"main", "api-main", "main-web", "web-main"}
		seen := map[string]string{}
		for _, b := range envs {
			env := testEnv(t, cfg, b, "")
			for _, s := range services {
				h := HostAmong(cfg, env, s, services)
				if other, dup := seen[h]; dup {
					t.Errorf("%s: %s/%s and %s share host %s", pattern, b, s, other, h)
				}
				seen[h] = b + "/" + s
			}
		}
	}
	cfg := urlConfig("dev.example.com", "")
	main := testEnv(t, cfg, "main", "")
	if h := HostAmong(cfg, main, "web", []string{"web", "web-api"}); h != "web-main.dev.example.com" {
		t.Errorf("web keeps its plain host: %s", h)
	}
	if h := HostAmong(cfg, main, "web-api", []string{"web-api", "api"}); h != "web-api-main.dev.example.com" {
		t.Errorf("web-api without a service web keeps its plain host: %s", h)
	}
	if h := HostAmong(cfg, main, "web-api", []string{"web", "web-api"}); !meta.LooksHashed(strings.TrimSuffix(h, ".dev.example.com"), hashLen) {
		t.Errorf("web-api beside web: %s, want a hashed label", h)
	}
}
