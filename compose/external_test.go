package compose

import (
	"sigs.k8s.io/kustomize/api/resource"

	"strings"
	"testing"
)

const externalCompose = `services:
  api:
    image: app
    ports: ["8000:8000"]
    labels:
      kompose.service.type: nodeport
      kompose.service.nodeport.port: "30080"
    volumes:
      - uploads:/srv/uploads
      - cache:/cache
  worker:
    image: app
    volumes:
      - uploads:/srv/uploads
  web:
    image: nginx
    ports: ["80:80"]
    x-berth: {type: LoadBalancer}
volumes:
  uploads:
    external: true
  cache:
    external: true
    name: shared_cache
    x-berth: {size: 5Gi}
`

// TestExternalVolumesDev: the dev overlay creates a marked claim for each
// external volume (named as the existing volume), prod and base create
// none, and the pods of both overlays refer to it.
func TestExternalVolumesDev(t *testing.T) {
	b := convertYAML(t, externalCompose, nil)
	claims := map[string]string{"uploads": "uploads", "cache": "shared-cache"} // compose volume -> claim
	for vol, claim := range claims {
		pvc := object(t, b, "overlays/dev", "PersistentVolumeClaim", claim)
		if got := get(t, pvc, "metadata.annotations.berth~dev/external-volume"); got != vol {
			t.Errorf("dev claim %s annotation = %q, want %q", claim, got, vol)
		}
		for _, ov := range []string{"overlays/prod", "base"} {
			if hasResource(build(t, b, ov).Resources(), "PersistentVolumeClaim", claim) {
				t.Errorf("%s creates external claim %s", ov, claim)
			}
		}
	}
	if got := get(t, object(t, b, "overlays/dev", "PersistentVolumeClaim", "shared-cache"), "spec.resources.requests.storage"); got != "5Gi" {
		t.Errorf("dev claim shared-cache size = %q, want the x-berth 5Gi", got)
	}
	for _, ov := range []string{"overlays/dev", "overlays/prod"} {
		for _, svc := range []string{"api", "worker"} {
			d := object(t, b, ov, "Deployment", svc)
			if got := get(t, d, "spec.template.spec.volumes.[name=uploads].persistentVolumeClaim.claimName"); got != "uploads" {
				t.Errorf("%s %s claim = %q, want uploads", ov, svc, got)
			}
		}
		if got := get(t, object(t, b, ov, "Deployment", "api"), "spec.template.spec.volumes.[name=shared-cache].persistentVolumeClaim.claimName"); got != "shared-cache" {
			t.Errorf("%s api cache claim = %q, want shared-cache", ov, got)
		}
	}
	for vol, line := range map[string]int{"uploads": 21, "cache": 23} {
		var n int
		for _, w := range b.Warnings {
			if w.Key != "volumes."+vol+".external" {
				continue
			}
			n++
			if w.File != "compose.yaml" || w.Line != line || !strings.Contains(w.Message, "the dev overlay creates an empty PVC \""+claims[vol]+"\"") || !strings.Contains(w.Message, "external.volumes."+claims[vol]) {
				t.Errorf("warning for %s: %s, want compose.yaml:%d naming the claim and the berth.yaml key", vol, w, line)
			}
		}
		if n != 1 {
			t.Errorf("%d warnings for external volume %s, want 1: %v", n, vol, b.Warnings)
		}
	}
}

// TestNodePortLoadBalancerDev: dev Services are ClusterIP without a node
// port, prod keeps the declared type.
func TestNodePortLoadBalancerDev(t *testing.T) {
	b := convertYAML(t, externalCompose, nil)
	for svc, typ := range map[string]string{"api": "NodePort", "web": "LoadBalancer"} {
		dev := object(t, b, "overlays/dev", "Service", svc)
		if got := get(t, dev, "spec.type"); got != "ClusterIP" {
			t.Errorf("dev %s type = %q, want ClusterIP", svc, got)
		}
		if got := get(t, dev, "spec.ports.0.nodePort"); got != "" {
			t.Errorf("dev %s keeps nodePort %s", svc, got)
		}
		if got := get(t, dev, "spec.ports.0.port"); got == "" {
			t.Errorf("dev %s lost its port", svc)
		}
		if got := get(t, object(t, b, "overlays/prod", "Service", svc), "spec.type"); got != typ {
			t.Errorf("prod %s type = %q, want %s", svc, got, typ)
		}
	}
	if got := get(t, object(t, b, "overlays/prod", "Service", "api"), "spec.ports.0.nodePort"); got != "30080" {
		t.Errorf("prod api nodePort = %q, want 30080", got)
	}
	for key, line := range map[string]int{"services.api.labels.kompose.service.type": 6, "services.web.x-berth.type": 18} {
		var n int
		for _, w := range b.Warnings {
			if w.Key == key {
				n++
				if w.Line != line || !strings.Contains(w.Message, "makes it ClusterIP") {
					t.Errorf("warning %s, want line %d saying it becomes ClusterIP", w, line)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d warnings on %s, want 1: %v", n, key, b.Warnings)
		}
	}
	// a plain ports: Service is ClusterIP everywhere and needs no patch
	plain := convertYAML(t, "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n", nil)
	if _, ok := plain.Files["overlays/dev/"+servicesFile]; ok {
		t.Error("dev overlay patches Services when none is NodePort or LoadBalancer")
	}
}

func hasResource(rs []*resource.Resource, kind, name string) bool {
	for _, r := range rs {
		if r.GetKind() == kind && r.GetName() == name {
			return true
		}
	}
	return false
}

// TestExternalVolumeTwoNames: two compose volumes naming one external
// volume share one dev claim (kustomize refuses duplicates).
func TestExternalVolumeTwoNames(t *testing.T) {
	b := convertYAML(t, `services:
  a:
    image: app
    volumes: ["one:/data"]
  b:
    image: app
    volumes: ["two:/data"]
volumes:
  one: {external: true, name: media}
  two: {external: true, name: media}
`, nil)
	var n int
	for _, r := range build(t, b, "overlays/dev").Resources() {
		if r.GetKind() == "PersistentVolumeClaim" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d dev claims, want one for the volume media", n)
	}
}

// TestExternalNetworkWarned: an external network is warned, nothing made.
func TestExternalNetworkWarned(t *testing.T) {
	b := convertYAML(t, "services:\n  web:\n    image: nginx\n    networks: [edge]\nnetworks:\n  edge:\n    external: true\n", nil)
	if !hasWarning(b, "networks.edge.external", "nothing to create") {
		t.Errorf("external network not warned: %v", b.Warnings)
	}
}

// TestExternalSecretWarned: an external secret is referred to by its name,
// never generated, and the warning names the berth.yaml key.
func TestExternalSecretWarned(t *testing.T) {
	b := convertYAML(t, "services:\n  web:\n    image: nginx\n    secrets: [token]\nsecrets:\n  token:\n    external: true\n    name: api_token\n", nil)
	d := object(t, b, "overlays/dev", "Deployment", "web")
	if got := get(t, d, "spec.template.spec.volumes.[name=secret-0].secret.secretName"); got != "api-token" {
		t.Errorf("secret volume refers to %q, want api-token", got)
	}
	for _, r := range build(t, b, "overlays/dev").Resources() {
		if r.GetKind() == "Secret" {
			t.Errorf("external secret generated as %s", r.GetName())
		}
	}
	if !hasWarning(b, "secrets.token.external", "berth.yaml (external.secrets.api-token)") {
		t.Errorf("external secret warning: %v", b.Warnings)
	}
}
