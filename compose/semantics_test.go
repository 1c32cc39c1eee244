package compose

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/meta"
)

// TestNginxGolangMySQL checks what kompose gets wrong on this app.
func TestNginxGolangMySQL(t *testing.T) {
	b := loadApp(t, "nginx-golang-mysql")

	// backend has no ports in compose; nginx proxies to backend:8000
	svc := object(t, b, "overlays/dev", "Service", "backend")
	if got := get(t, svc, "spec.ports.[name=tcp-8000].port"); got != "8000" {
		t.Errorf("backend Service port = %q, want 8000 (from nginx.conf)", got)
	}

	backend := object(t, b, "overlays/dev", "Deployment", "backend")
	mount := "spec.template.spec.containers.[name=backend].volumeMounts.[mountPath=/run/secrets/db-password]"
	if got := get(t, backend, mount+".subPath"); got != "db-password" {
		t.Errorf("secret subPath = %q, want db-password: the secret must be a file at /run/secrets/db-password", got)
	}
	vol := get(t, backend, mount+".name")
	secretName := get(t, backend, "spec.template.spec.volumes.[name="+vol+"].secret.secretName")
	if !strings.HasPrefix(secretName, "db-password-") {
		t.Errorf("secret volume refers to %q, want the generated db-password-<hash>", secretName)
	}
	sec := object(t, b, "overlays/dev", "Secret", "db-password")
	if get(t, sec, "data.db-password") == "" {
		t.Error("db-password Secret has no db-password key")
	}

	var deps map[string]string
	if err := json.Unmarshal([]byte(get(t, backend, "metadata.annotations.berth~dev/depends-on")), &deps); err != nil {
		t.Fatalf("depends-on annotation: %v", err)
	}
	if deps["db"] != meta.ConditionHealthy {
		t.Errorf("backend depends-on = %v, want db: service_healthy", deps)
	}
	if get(t, backend, "metadata.annotations.berth~dev/build-context") != "./backend" {
		t.Error("backend build context annotation missing")
	}

	proxy := object(t, b, "overlays/dev", "Deployment", "proxy")
	pm := "spec.template.spec.containers.[name=proxy].volumeMounts.[mountPath=/etc/nginx/conf.d/default.conf]"
	if get(t, proxy, pm+".readOnly") != "true" || get(t, proxy, pm+".subPath") != "nginx.conf" {
		t.Errorf("nginx conf mount wrong: %s", get(t, proxy, pm))
	}
	cmName := get(t, proxy, "spec.template.spec.volumes.[name="+get(t, proxy, pm+".name")+"].configMap.name")
	cm := object(t, b, "overlays/dev", "ConfigMap", "proxy-nginx-conf")
	if get(t, cm, "metadata.name") != cmName {
		t.Errorf("proxy mounts ConfigMap %q, built %q", cmName, get(t, cm, "metadata.name"))
	}
	if !strings.Contains(get(t, cm, "data.nginx~conf"), "proxy_pass") {
		t.Error("nginx.conf content not in the ConfigMap")
	}

	db := object(t, b, "overlays/dev", "Deployment", "db")
	c := "spec.template.spec.containers.[name=db]"
	if get(t, db, c+".readinessProbe.exec.command") == "" || get(t, db, c+".livenessProbe.periodSeconds") != "3" {
		t.Errorf("db healthcheck not mapped to readiness/liveness probes")
	}
	if get(t, db, c+".startupProbe.failureThreshold") == "" {
		t.Error("db start_period not mapped to a startupProbe")
	}
	if get(t, db, "spec.strategy.type") != "Recreate" {
		t.Error("db with a PVC must use the Recreate strategy")
	}
	if got := get(t, object(t, b, "overlays/dev", "PersistentVolumeClaim", "db-data"), "spec.resources.requests.storage"); got != "1Gi" {
		t.Errorf("db-data size = %q", got)
	}
}

// TestDevOverlaySpot checks every pod template of every corpus app lands on
// spot capacity in the dev overlay, and no base object does.
func TestDevOverlaySpot(t *testing.T) {
	for _, app := range corpusApps(t) {
		b := loadApp(t, app)
		for _, r := range build(t, b, "overlays/dev").Resources() {
			switch r.GetKind() {
			case "Deployment", "StatefulSet", "DaemonSet", "Job":
			default:
				continue
			}
			n := rnode(t, r)
			tol := get(t, n, "spec.template.spec.tolerations.[key=karpenter~sh/capacity-type].effect")
			aff := get(t, n, "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
			if tol != "NoSchedule" || !strings.Contains(aff, "spot") {
				t.Errorf("%s %s/%s: no spot toleration/affinity", app, r.GetKind(), r.GetName())
			}
			if get(t, n, "spec.template.spec.containers.0.resources.requests.cpu") == "" {
				t.Errorf("%s %s/%s: no dev cpu request", app, r.GetKind(), r.GetName())
			}
			if get(t, n, "metadata.labels.berth~dev/service") == "" || get(t, n, "spec.template.metadata.labels.berth~dev/service") == "" {
				t.Errorf("%s %s/%s: missing %s label", app, r.GetKind(), r.GetName(), meta.LabelService)
			}
		}
		for _, r := range build(t, b, "base").Resources() {
			if strings.Contains(string(must(r.AsYAML())), SpotLabel) {
				t.Errorf("%s: base %s/%s mentions spot", app, r.GetKind(), r.GetName())
			}
		}
	}
}

// TestDeterministic converts every corpus app twice.
func TestDeterministic(t *testing.T) {
	for _, app := range corpusApps(t) {
		a, b := loadApp(t, app), loadApp(t, app)
		if len(a.Files) != len(b.Files) {
			t.Fatalf("%s: %d vs %d files", app, len(a.Files), len(b.Files))
		}
		for p, data := range a.Files {
			if !bytes.Equal(data, b.Files[p]) {
				t.Errorf("%s: %s differs between runs", app, p)
			}
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
