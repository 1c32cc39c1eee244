package envs

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/internal/testcompose"
	"github.com/berth-dev/berth/meta"
)

// externalApp is a compose app with an external volume shared by two
// services, one with its own name and size, an external secret, a
// NodePort with a fixed port and a LoadBalancer.
const externalApp = `services:
  api:
    image: app
    ports: ["8000:8000"]
    x-berth: {type: NodePort, nodePort: 30080}
    secrets: [token]
    volumes: ["uploads:/srv/uploads", "cache:/cache"]
  worker:
    image: app
    volumes: ["uploads:/srv/uploads"]
  web:
    image: nginx
    ports: ["80:80"]
    x-berth: {type: LoadBalancer}
volumes:
  uploads: {external: true}
  cache: {external: true, name: shared_cache, x-berth: {size: 5Gi}}
secrets:
  token: {external: true, name: api-token}
`

// convertApp converts compose YAML to a tree, as `berth up` and `berth
// convert` do.
func convertApp(t *testing.T, composeYAML string) map[string][]byte {
	t.Helper()
	return testcompose.Convert(t, "app", composeYAML).Files
}

func claimOf(t *testing.T, o *unstructured.Unstructured, volume string) string {
	t.Helper()
	spec, err := PodSpec(o)
	if err != nil || spec == nil {
		t.Fatalf("%s: no pod spec: %v", o.GetName(), err)
	}
	for _, v := range list(spec["volumes"]) {
		if v["name"] == volume {
			c, _, _ := unstructured.NestedString(v, "persistentVolumeClaim", "claimName")
			return c
		}
	}
	return ""
}

// TestOverlayExternalDefaults: with default settings, an environment has
// one empty claim per external volume and ClusterIP Services, whether it
// builds on the converted base (berth up from compose) or on the written
// dev overlay (berth.yaml base: a converted tree).
func TestOverlayExternalDefaults(t *testing.T) {
	files := convertApp(t, externalApp)
	cfg := testConfig()
	env := testEnv(t, cfg, "main", "")
	for dir, cacheSize := range map[string]string{"base": defaultExternalSize, "overlays/dev": "5Gi"} {
		t.Run(dir, func(t *testing.T) {
			objs, err := Overlay(files, dir, env, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := byKindName(objs)
			claims := 0
			for _, o := range objs {
				if o.GetKind() == "PersistentVolumeClaim" {
					claims++
				}
			}
			if claims != 2 {
				t.Errorf("%d claims, want uploads and shared-cache once each", claims)
			}
			for name, size := range map[string]string{"uploads": defaultExternalSize, "shared-cache": cacheSize} {
				pvc := got["PersistentVolumeClaim/"+name]
				if pvc == nil {
					t.Fatalf("no claim %s in %v", name, keys(got))
				}
				if pvc.GetNamespace() != env.Namespace || pvc.GetLabels()[meta.LabelManagedBy] != "berth" {
					t.Errorf("claim %s: namespace %q labels %v, want the environment's", name, pvc.GetNamespace(), pvc.GetLabels())
				}
				if s, _, _ := unstructured.NestedString(pvc.Object, "spec", "resources", "requests", "storage"); s != size {
					t.Errorf("claim %s size %s, want %s", name, s, size)
				}
			}
			for _, svc := range []string{"api", "web"} {
				s := got["Service/"+svc]
				if typ, _, _ := unstructured.NestedString(s.Object, "spec", "type"); typ != "ClusterIP" {
					t.Errorf("Service %s type %q, want ClusterIP", svc, typ)
				}
				ports, _, _ := unstructured.NestedSlice(s.Object, "spec", "ports")
				for _, p := range ports {
					if np, ok := p.(map[string]any)["nodePort"]; ok {
						t.Errorf("Service %s keeps nodePort %v", svc, np)
					}
				}
			}
		})
	}
}

// TestOverlayExternalMapped: berth.yaml maps a volume to an existing
// claim (no claim created, pods renamed), another to a snapshot, and the
// external secret to an existing Secret.
func TestOverlayExternalMapped(t *testing.T) {
	files := convertApp(t, externalApp)
	cfg, err := ParseConfig([]byte(`project: shop
external:
  volumes:
    uploads: {claim: uploads-from-staging}
    shared-cache: {snapshot: cache-nightly, size: 20Gi, storageClass: fast}
  secrets:
    api-token: dev-api-token
`))
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, cfg, "main", "")
	for _, dir := range []string{"base", "overlays/dev"} {
		t.Run(dir, func(t *testing.T) {
			objs, err := Overlay(files, dir, env, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := byKindName(objs)
			if got["PersistentVolumeClaim/uploads"] != nil {
				t.Error("claim uploads created though berth.yaml maps it to an existing claim")
			}
			for _, d := range []string{"api", "worker"} {
				if c := claimOf(t, got["Deployment/"+d], "uploads"); c != "uploads-from-staging" {
					t.Errorf("%s mounts claim %q, want uploads-from-staging", d, c)
				}
			}
			pvc := got["PersistentVolumeClaim/shared-cache"]
			if pvc == nil {
				t.Fatal("no claim shared-cache")
			}
			for path, want := range map[string]string{
				"spec.dataSource.kind": "VolumeSnapshot", "spec.dataSource.name": "cache-nightly",
				"spec.dataSource.apiGroup": "snapshot.storage.k8s.io", "spec.resources.requests.storage": "20Gi",
				"spec.storageClassName": "fast",
			} {
				if v, _, _ := unstructured.NestedString(pvc.Object, strings.Split(path, ".")...); v != want {
					t.Errorf("shared-cache %s = %q, want %q", path, v, want)
				}
			}
			spec, _ := PodSpec(got["Deployment/api"])
			var secret string
			for _, v := range list(spec["volumes"]) {
				if s, ok, _ := unstructured.NestedString(v, "secret", "secretName"); ok {
					secret = s
				}
			}
			if secret != "dev-api-token" {
				t.Errorf("api mounts Secret %q, want dev-api-token", secret)
			}
		})
	}
}

// TestOverlayExternalErrors: a mapping that names nothing external is an
// error naming the berth.yaml line.
func TestOverlayExternalErrors(t *testing.T) {
	files := convertApp(t, externalApp)
	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown claim", "external:\n  volumes:\n    nope: {size: 2Gi}\n", "line 3: external.volumes.nope: no workload mounts an external claim \"nope\" (external claims: shared-cache, uploads)"},
		{"unused secret", "external:\n  secrets:\n    other: x\n", "line 3: external.secrets.other: no workload refers to Secret \"other\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			cfg.Project = "shop"
			_, err = Overlay(files, "base", testEnv(t, cfg, "main", ""), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestExternalConfigErrors: invalid mappings fail berth.yaml parsing with
// the field's line.
func TestExternalConfigErrors(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"external:\n  volumes:\n    data:\n      claim: a\n      snapshot: b\n", "line 3: external.volumes.data: claim uses an existing claim"},
		{"external:\n  volumes:\n    data: {claim: data}\n", "line 3: external.volumes.data.claim: names the claim itself"},
		{"external:\n  volumes:\n    data: {snapshot: Bad_Name}\n", "line 3: external.volumes.data.snapshot: \"Bad_Name\" is not a valid object name"},
		{"external:\n  volumes:\n    data: {size: lots}\n", "line 3: external.volumes.data.size: invalid quantity"},
		{"external:\n  secrets:\n    token: Not_Valid\n", "line 3: external.secrets.token: \"Not_Valid\" is not a valid object name"},
		{"external:\n  networks: {}\n", "line 2: unknown field \"external.networks\""},
	} {
		if _, err := ParseConfig([]byte(tt.yaml)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

// TestOverlayQuotaAllowsNodePorts: a quota that allows node ports keeps
// NodePort Services as they are — a fixed quota.hard, or without one the
// ceiling the sized quota stays under; the default ceiling allows none.
func TestOverlayQuotaAllowsNodePorts(t *testing.T) {
	files := convertApp(t, externalApp)
	for _, tt := range []struct {
		name    string
		set     func(*Quota)
		apiType string
	}{
		{"default ceiling", func(*Quota) {}, "ClusterIP"},
		{"ceiling allows", func(q *Quota) { q.Ceiling["services.nodeports"] = "2" }, "NodePort"},
		{"hard allows", func(q *Quota) { q.Hard = map[string]Quantity{"services.nodeports": "2", "services.loadbalancers": "0"} }, "NodePort"},
		{"hard forbids", func(q *Quota) { q.Hard = map[string]Quantity{"services.nodeports": "0"} }, "ClusterIP"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.set(&cfg.Quota)
			objs, err := Overlay(files, "base", testEnv(t, cfg, "main", ""), cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := byKindName(objs)
			for svc, want := range map[string]string{"api": tt.apiType, "web": "ClusterIP"} {
				if typ, _, _ := unstructured.NestedString(got["Service/"+svc].Object, "spec", "type"); typ != want {
					t.Errorf("Service %s type %q, want %s", svc, typ, want)
				}
			}
		})
	}
}

func keys(m map[string]*unstructured.Unstructured) []string { return sortedKeys(m) }
