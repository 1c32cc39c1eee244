package compose

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/meta"
)

// TestPublishedPort: the Service of a service publishing HTTP-ish ports
// with no ingress names its first such port for the env's URL; an ingress,
// `ingress: false` (or kompose expose "false"), a non-HTTP port or expose
// alone leave it unmarked, and `ingress: false` makes no Ingress.
func TestPublishedPort(t *testing.T) {
	b := convertYAML(t, `
services:
  dns:
    image: coredns
    ports: ["53:53/tcp", "8080:80"]
  web:
    image: web
    ports: ["8000:8000"]
    x-berth: {ingress: web.example.com}
  admin:
    image: admin
    ports: ["7000:80"]
    x-berth: {ingress: false}
  legacy:
    image: legacy
    ports: ["7001:80"]
    labels: {kompose.service.expose: "false"}
  bare:
    image: bare
    ports: ["9000:9000"]
    x-berth: {ingress: true}
  db:
    image: postgres:16
    ports: ["5432:5432"]
  internal:
    image: internal
    expose: ["8080"]
`, nil)
	key := "metadata.annotations." + strings.ReplaceAll(meta.AnnotationPublishedPort, ".", "~")
	want := map[string]string{"dns": "tcp-80", "web": "", "admin": "", "legacy": "", "bare": "", "db": "", "internal": ""}
	for svc, port := range want {
		if got := get(t, object(t, b, "base", "Service", svc), key); got != port {
			t.Errorf("Service %s: %s = %q, want %q", svc, meta.AnnotationPublishedPort, got, port)
		}
	}
	ingresses := map[string]bool{}
	for _, r := range build(t, b, "base").Resources() {
		if r.GetKind() == "Ingress" {
			ingresses[r.GetName()] = true
		}
	}
	if !ingresses["web"] || !ingresses["bare"] || ingresses["admin"] || ingresses["legacy"] || len(ingresses) != 2 {
		t.Errorf("Ingresses %v, want web and bare (ingress: true) only", ingresses)
	}
	if h := get(t, object(t, b, "base", "Ingress", "bare"), "spec.rules.0.host"); h != "" {
		t.Errorf("ingress: true has host %q, want none", h)
	}
}
