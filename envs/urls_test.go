package envs

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/urls")

// urlsApp has a service with an ingress (prod host, path), one with
// published ports and no ingress, one opted out, a database publishing
// its port and one with only expose.
const urlsApp = `
services:
  web:
    image: nginx
    ports: ["8080:80"]
    x-berth:
      ingress: {host: shop.example.com, path: /app, tlsSecret: shop-tls, className: prod}
  api:
    image: api
    ports: ["9000:8080", "9443:8443"]
  admin:
    image: admin
    ports: ["7000:80"]
    x-berth: {ingress: false}
  db:
    image: postgres:16
    ports: ["5432:5432"]
  worker:
    image: worker
    expose: ["8080"]
`

func urlObjects(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Ingress" || o.GetKind() == "HTTPRoute" {
			out = append(out, o)
		}
	}
	return out
}

func TestOverlayURLs(t *testing.T) {
	files := convertApp(t, urlsApp)
	cfg := urlConfig("dev.example.com", "")
	env := testEnv(t, cfg, "feature/login", "")
	objs, err := Overlay(files, "", env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := byKindName(objs)
	// The prod host stays in the tree convert wrote.
	if !strings.Contains(string(files["base/web.yaml"]), "host: shop.example.com") {
		t.Errorf("base lost the prod host:\n%s", files["base/web.yaml"])
	}
	want := map[string]string{
		"web": "web-" + env.Slug + ".dev.example.com",
		"api": "api-" + env.Slug + ".dev.example.com",
	}
	var got []string
	for _, o := range urlObjects(objs) {
		got = append(got, o.GetName())
		rules, _, _ := unstructured.NestedSlice(o.Object, "spec", "rules")
		for _, r := range rules {
			if h := r.(map[string]any)["host"]; h != want[o.GetName()] {
				t.Errorf("Ingress %s host %v, want %s", o.GetName(), h, want[o.GetName()])
			}
		}
		if _, found, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "tls"); found {
			t.Errorf("Ingress %s keeps the prod TLS, which does not cover %s", o.GetName(), want[o.GetName()])
		}
		if o.GetNamespace() != env.Namespace || o.GetLabels()[meta.LabelEnv] != env.Namespace {
			t.Errorf("Ingress %s: namespace %q labels %v", o.GetName(), o.GetNamespace(), o.GetLabels())
		}
	}
	if !reflect.DeepEqual(got, []string{"web", "api"}) {
		t.Errorf("Ingresses %v, want web (its own) and api (published port); not admin (opted out), db (not HTTP), worker (expose only)", got)
	}
	if cl, _, _ := unstructured.NestedString(m["Ingress/web"].Object, "spec", "ingressClassName"); cl != "prod" {
		t.Errorf("web keeps its class when berth.yaml sets none: %q", cl)
	}
	if p, _, _ := unstructured.NestedSlice(m["Ingress/api"].Object, "spec", "rules"); len(p) != 1 {
		t.Fatalf("api rules %v", p)
	}
	wantURLs := []status.URL{
		{Service: "api", URL: "http://" + want["api"]},
		{Service: "web", URL: "http://" + want["web"] + "/app"},
	}
	if got := URLs(objs); !reflect.DeepEqual(got, wantURLs) {
		t.Errorf("URLs %v, want %v", got, wantURLs)
	}
	if got := status.URLsOf(m["Namespace/"+env.Namespace].GetAnnotations()); !reflect.DeepEqual(got, wantURLs) {
		t.Errorf("namespace annotation %v", got)
	}

	// Another branch: other hosts, same objects.
	other := testEnv(t, cfg, "main", "")
	objs2, err := Overlay(files, "", other, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range URLs(objs2) {
		if u.URL == wantURLs[i].URL || !strings.Contains(u.URL, "-main.") {
			t.Errorf("branch main URL %s (feature/login: %s)", u.URL, wantURLs[i].URL)
		}
	}
}

func TestOverlayNoDomainKeepsHosts(t *testing.T) {
	files := convertApp(t, urlsApp)
	cfg := testConfig()
	objs, err := Overlay(files, "", testEnv(t, cfg, "main", ""), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ings := urlObjects(objs)
	if len(ings) != 1 || ings[0].GetName() != "web" {
		t.Fatalf("without a domain only web's own Ingress: %v", ings)
	}
	rules, _, _ := unstructured.NestedSlice(ings[0].Object, "spec", "rules")
	if h := rules[0].(map[string]any)["host"]; h != "shop.example.com" {
		t.Errorf("host %v, want the prod host", h)
	}
	if u := URLs(objs); u != nil {
		t.Errorf("URLs without a domain: %v", u)
	}
}

// TestOverlayURLsGolden pins the env's Ingresses (class and cert-manager
// TLS from berth.yaml) and HTTPRoutes (gateway mode) as YAML.
func TestOverlayURLsGolden(t *testing.T) {
	files := convertApp(t, urlsApp)
	ingress := urlConfig("dev.example.com", "")
	ingress.IngressClassName = "nginx"
	ingress.TLS = TLS{ClusterIssuer: "letsencrypt"}
	gateway := urlConfig("dev.example.com", "{service}.{env}.{domain}")
	gateway.Gateway = &Gateway{ParentRefs: []ParentRef{{Name: "dev", Namespace: "gateway-system", SectionName: "https"}}, HTTPS: true}
	for name, cfg := range map[string]Config{"ingress": ingress, "gateway": gateway} {
		t.Run(name, func(t *testing.T) {
			objs, err := Overlay(files, "", testEnv(t, cfg, "feature/login", ""), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, o := range urlObjects(objs) {
				y, err := yaml.Marshal(o.Object)
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString("---\n")
				b.Write(y)
			}
			b.WriteString("--- # " + meta.AnnotationURLs + "\n" + urlsText(URLs(objs)))
			path := filepath.Join("testdata", "urls", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("%s differs from %s (run with -update and review):\n%s", name, path, b.String())
			}
		})
	}
}

// urlsText lists urls one per line, for goldens.
func urlsText(urls []status.URL) string {
	var b strings.Builder
	for _, u := range urls {
		b.WriteString(u.Service + " " + u.URL + "\n")
	}
	return b.String()
}
