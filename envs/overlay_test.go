package envs

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/meta"
)

func testEnv(t *testing.T, cfg Config, branch, commit string) Env {
	t.Helper()
	env, err := Resolve(cfg, GitInfo{Branch: branch, Commit: commit}, Overrides{}, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Project = "shop"
	return cfg
}

func readApp(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := ReadTree("testdata/app")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// byKindName indexes objects as "Kind/name".
func byKindName(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		m[o.GetKind()+"/"+o.GetName()] = o
	}
	return m
}

// parseBase returns the objects of the fixture's base files, as written.
func parseBase(t *testing.T, files map[string][]byte, names ...string) map[string]*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, n := range names {
		for _, doc := range strings.Split(string(files[n]), "\n---\n") {
			o := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(doc), &o.Object); err != nil {
				t.Fatal(err)
			}
			objs = append(objs, o)
		}
	}
	return byKindName(objs)
}

func containers(t *testing.T, o *unstructured.Unstructured) map[string]map[string]any {
	t.Helper()
	spec, err := PodSpec(o)
	if err != nil || spec == nil {
		t.Fatalf("%s/%s: pod spec %v", o.GetKind(), o.GetName(), err)
	}
	out := map[string]map[string]any{}
	for _, c := range spec["containers"].([]any) {
		c := c.(map[string]any)
		out[c["name"].(string)] = c
	}
	return out
}

func TestOverlay(t *testing.T) {
	files := readApp(t)
	cfg := testConfig()
	env := testEnv(t, cfg, "Feature/ÜBER_x", "c0ffee")
	objs, err := Overlay(files, "", env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].GetKind() != "Namespace" || objs[0].GetName() != env.Namespace ||
		!reflect.DeepEqual(objs[0].GetLabels(), env.Labels()) || !reflect.DeepEqual(objs[0].GetAnnotations(), env.Annotations()) {
		t.Fatalf("first object %v", objs[0].Object)
	}
	got := byKindName(objs)
	base := parseBase(t, files, "base/web.yaml", "base/db.yaml", "base/worker.yaml", "base/migrate.yaml")
	for _, want := range []string{"Deployment/web", "Service/web", "PersistentVolumeClaim/uploads", "StatefulSet/db",
		"Service/db", "Deployment/worker", "ResourceQuota/" + QuotaName, "LimitRange/" + LimitRangeName} {
		if got[want] == nil {
			t.Errorf("missing %s", want)
		}
	}
	var sawConfigMap, sawSecret bool
	for _, o := range objs[1:] {
		id := o.GetKind() + "/" + o.GetName()
		if o.GetNamespace() != env.Namespace {
			t.Errorf("%s in namespace %q", id, o.GetNamespace())
		}
		for k, v := range env.ObjectLabels() {
			if o.GetLabels()[k] != v {
				t.Errorf("%s: label %s=%q, want %q", id, k, o.GetLabels()[k], v)
			}
		}
		if PodSpecPath(o.GetKind()) != nil {
			tl, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
			for k, v := range env.ObjectLabels() {
				if tl[k] != v {
					t.Errorf("%s: pod template label %s=%q, want %q", id, k, tl[k], v)
				}
			}
		}
		sawConfigMap = sawConfigMap || (o.GetKind() == "ConfigMap" && strings.HasPrefix(o.GetName(), "web-config-"))
		sawSecret = sawSecret || (o.GetKind() == "Secret" && strings.HasPrefix(o.GetName(), "db-password-"))
	}
	if !sawConfigMap || !sawSecret {
		t.Errorf("generated ConfigMap %v / Secret %v missing", sawConfigMap, sawSecret)
	}
	// Selectors are immutable: the overlay must leave them as in the base.
	for _, id := range []string{"Deployment/web", "StatefulSet/db", "Deployment/worker", "Service/web"} {
		path := []string{"spec", "selector", "matchLabels"}
		if strings.HasPrefix(id, "Service/") {
			path = []string{"spec", "selector"}
		}
		want, _, _ := unstructured.NestedStringMap(base[id].Object, path...)
		have, _, _ := unstructured.NestedStringMap(got[id].Object, path...)
		if !reflect.DeepEqual(want, have) {
			t.Errorf("%s selector changed: %v → %v", id, want, have)
		}
	}
	// overlays/dev is the default base dir: its patch applies.
	if r, _, _ := unstructured.NestedInt64(got["Deployment/web"].Object, "spec", "replicas"); r != 1 {
		t.Errorf("web replicas %d, want 1 from overlays/dev", r)
	}
	// The StatefulSet's PVCs carry the labels too.
	vct, _, _ := unstructured.NestedSlice(got["StatefulSet/db"].Object, "spec", "volumeClaimTemplates")
	if l, _, _ := unstructured.NestedStringMap(vct[0].(map[string]any), "metadata", "labels"); l[meta.LabelEnv] != env.Namespace {
		t.Errorf("volumeClaimTemplate labels %v", l)
	}
}

func TestOverlayImages(t *testing.T) {
	files := readApp(t)
	for _, registry := range []string{"", "reg.local:5000/team"} {
		cfg := testConfig()
		cfg.Registry = registry
		env := testEnv(t, cfg, "feature/x", "")
		for _, baseDir := range []string{"base", "overlays/dev"} {
			objs, err := Overlay(files, baseDir, env, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := byKindName(objs)
			prefix := func(name string) string {
				if registry == "" {
					return name
				}
				return registry + "/" + withoutRegistry(name)
			}
			want := map[string]string{
				"Deployment/web:web":       prefix("shop/web") + ":" + env.Tag,
				"Deployment/web:proxy":     "nginx:1.27", // not in images: untouched
				"StatefulSet/db:db":        "postgres:16",
				"Deployment/worker:worker": prefix("ghcr.io/acme/shop-worker") + ":" + env.Tag,
			}
			for key, image := range want {
				id, c, _ := strings.Cut(key, ":")
				if have := containers(t, got[id])[c]["image"]; have != image {
					t.Errorf("registry %q base %s: %s image %v, want %s", registry, baseDir, key, have, image)
				}
			}
			for key, image := range want {
				id, c, _ := strings.Cut(key, ":")
				policy, set := containers(t, got[id])[c]["imagePullPolicy"]
				own := !strings.HasPrefix(image, "nginx") && !strings.HasPrefix(image, "postgres")
				if (registry != "" && own) != (set && policy == "Always") {
					t.Errorf("registry %q: %s pull policy %v", registry, key, policy)
				}
			}
			var job *unstructured.Unstructured
			for _, o := range objs {
				if IsPreDeployJob(o) {
					job = o
				}
			}
			if have := containers(t, job)["migrate"]["image"]; have != prefix("shop/web")+":"+env.Tag {
				t.Errorf("migrate image %v", have)
			}
		}
	}
}

func hasSpotAffinity(t *testing.T, o *unstructured.Unstructured) (terms int, withSpot int) {
	t.Helper()
	spec, _ := PodSpec(o)
	ts, _, _ := unstructured.NestedSlice(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
	for _, term := range ts {
		exprs, _ := term.(map[string]any)["matchExpressions"].([]any)
		for _, e := range exprs {
			e := e.(map[string]any)
			if e["key"] == SpotCapacityLabel && e["operator"] == "In" && reflect.DeepEqual(e["values"], []any{"spot"}) {
				withSpot++
			}
		}
	}
	return len(ts), withSpot
}

func tolerationKeys(o *unstructured.Unstructured) []string {
	spec, _ := PodSpec(o)
	ts, _, _ := unstructured.NestedSlice(spec, "tolerations")
	var keys []string
	for _, t := range ts {
		keys = append(keys, t.(map[string]any)["key"].(string))
	}
	return keys
}

func TestOverlaySpotPlacement(t *testing.T) {
	files := readApp(t)
	cfg := testConfig()
	env := testEnv(t, cfg, "main", "")
	objs, err := Overlay(files, "base", env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := byKindName(objs)
	if terms, spot := hasSpotAffinity(t, got["Deployment/web"]); terms != 1 || spot != 1 {
		t.Errorf("web: %d terms, %d spot expressions", terms, spot)
	}
	if keys := tolerationKeys(got["Deployment/web"]); !reflect.DeepEqual(keys, []string{SpotCapacityLabel}) {
		t.Errorf("web tolerations %v", keys)
	}
	// worker's arch requirement stays, ANDed with spot in the same term.
	spec, _ := PodSpec(got["Deployment/worker"])
	ts, _, _ := unstructured.NestedSlice(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
	if exprs := ts[0].(map[string]any)["matchExpressions"].([]any); len(ts) != 1 || len(exprs) != 2 || exprs[0].(map[string]any)["key"] != "kubernetes.io/arch" {
		t.Errorf("worker terms %v", ts)
	}
	// db selects capacity-type itself (on-demand): no spot requirement.
	if _, spot := hasSpotAffinity(t, got["StatefulSet/db"]); spot != 0 {
		t.Error("db got a spot affinity despite its own capacity-type nodeSelector")
	}
	if ns, _, _ := unstructured.NestedStringMap(got["StatefulSet/db"].Object, "spec", "template", "spec", "nodeSelector"); ns[SpotCapacityLabel] != "on-demand" {
		t.Errorf("db nodeSelector %v", ns)
	}
	for _, o := range objs {
		if IsPreDeployJob(o) {
			if keys := tolerationKeys(o); !reflect.DeepEqual(keys, []string{"dedicated", SpotCapacityLabel}) {
				t.Errorf("migrate tolerations %v, want its own then spot", keys)
			}
		}
	}
	// Placing again changes nothing.
	for _, o := range objs {
		before := o.DeepCopy()
		if err := PlaceOnSpot(o, cfg.Spot); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before.Object, o.Object) {
			t.Errorf("%s/%s: second placement changed it", o.GetKind(), o.GetName())
		}
	}

	cfg.Spot.Enabled = false
	cfg.Quota.Enabled = false
	objs, err = Overlay(files, "base", env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got = byKindName(objs)
	if keys := tolerationKeys(got["Deployment/web"]); len(keys) != 0 {
		t.Errorf("spot disabled, web tolerations %v", keys)
	}
	if got["ResourceQuota/"+QuotaName] != nil || got["LimitRange/"+LimitRangeName] != nil {
		t.Error("quota disabled but objects rendered")
	}
}

func TestOverlayQuota(t *testing.T) {
	cfg := testConfig()
	cfg.Quota.Hard = map[string]Quantity{"pods": "7"}
	cfg.Quota.DefaultRequests = map[string]Quantity{"cpu": "10m"}
	objs, err := Overlay(readApp(t), "base", testEnv(t, cfg, "main", ""), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := byKindName(objs)
	if hard, _, _ := unstructured.NestedStringMap(got["ResourceQuota/"+QuotaName].Object, "spec", "hard"); !reflect.DeepEqual(hard, map[string]string{"pods": "7"}) {
		t.Errorf("hard %v", hard)
	}
	limits, _, _ := unstructured.NestedSlice(got["LimitRange/"+LimitRangeName].Object, "spec", "limits")
	l := limits[0].(map[string]any)
	if l["type"] != "Container" || !reflect.DeepEqual(l["defaultRequest"], map[string]any{"cpu": "10m"}) ||
		!reflect.DeepEqual(l["default"], quantities(cfg.Quota.DefaultLimits)) {
		t.Errorf("limit range %v", l)
	}
}

func TestOverlayJobNamedByContent(t *testing.T) {
	files := readApp(t)
	cfg := testConfig()
	jobName := func(files map[string][]byte, commit string) string {
		t.Helper()
		objs, err := Overlay(files, "base", testEnv(t, cfg, "main", commit), cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if IsPreDeployJob(o) {
				if o.GetAnnotations()[meta.AnnotationJobName] != "migrate" {
					t.Errorf("job-name annotation %v", o.GetAnnotations())
				}
				return o.GetName()
			}
		}
		t.Fatal("no pre-deploy job")
		return ""
	}
	a := jobName(files, "c1")
	if !strings.HasPrefix(a, "migrate-") || len(a) != len("migrate-")+hashLen {
		t.Errorf("job name %q", a)
	}
	if b := jobName(files, "c1"); b != a {
		t.Errorf("same content, names %q and %q", a, b)
	}
	if b := jobName(files, "c2"); b == a {
		t.Errorf("new commit kept name %q", a)
	}
	changed := map[string][]byte{}
	for k, v := range files {
		changed[k] = v
	}
	changed["base/migrate.yaml"] = []byte(strings.Replace(string(files["base/migrate.yaml"]), "[migrate, up]", "[migrate, up, --all]", 1))
	if b := jobName(changed, "c1"); b == a {
		t.Errorf("changed template kept name %q", a)
	}
	changed["base/migrate.yaml"] = []byte(strings.Replace(string(files["base/migrate.yaml"]), "backoffLimit: 2", "backoffLimit: 5", 1))
	if b := jobName(changed, "c1"); b != a {
		t.Errorf("change outside the template renamed the job: %q → %q", a, b)
	}
}

func TestJobContentNameLong(t *testing.T) {
	job := &unstructured.Unstructured{Object: map[string]any{"kind": "Job", "metadata": map[string]any{"name": strings.Repeat("m", 70)}}}
	name, err := JobContentName(job, "")
	if err != nil || len(name) != maxLabel {
		t.Errorf("long job name %q (%d), %v", name, len(name), err)
	}
	// Renaming an already content-named job starts from its base name.
	if err := nameJobByContent(job, "x"); err != nil {
		t.Fatal(err)
	}
	first := job.GetName()
	if err := nameJobByContent(job, "x"); err != nil || job.GetName() != first {
		t.Errorf("renaming twice: %q → %q (%v)", first, job.GetName(), err)
	}
}

func TestOverlayErrors(t *testing.T) {
	cfg := testConfig()
	env := testEnv(t, cfg, "main", "")
	good := readApp(t)
	with := func(extra map[string]string) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = []byte(v)
		}
		return m
	}
	tests := []struct {
		name    string
		files   map[string][]byte
		baseDir string
		want    string
	}{
		{"no kustomization", good, "nowhere", "no kustomization"},
		{"escaping path", with(map[string]string{"../evil.yaml": "x"}), "", "inside the tree"},
		{"namespace in base", with(map[string]string{
			"ns/kustomization.yaml": "resources: [ns.yaml]\n",
			"ns/ns.yaml":            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n",
		}), "ns", "Namespace"},
		{"broken kustomization", with(map[string]string{"bad/kustomization.yaml": "resources: [missing.yaml]\n"}), "bad", "build overlay"},
		{"unknown kustomization field", with(map[string]string{"bad/kustomization.yaml": "resourcez: []\n"}), "bad", "kustomization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Overlay(tt.files, tt.baseDir, env, cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestDefaultBaseDir(t *testing.T) {
	k := []byte("resources: []\n")
	tests := []struct {
		files map[string][]byte
		want  string
	}{
		{map[string][]byte{"base/kustomization.yaml": k, "overlays/dev/kustomization.yaml": k}, "overlays/dev"},
		{map[string][]byte{"base/kustomization.yml": k}, "base"},
		{map[string][]byte{"kustomization.yaml": k}, "."},
	}
	for _, tt := range tests {
		if got := DefaultBaseDir(tt.files); got != tt.want {
			t.Errorf("DefaultBaseDir(%v) = %q, want %q", reflect.ValueOf(tt.files).MapKeys(), got, tt.want)
		}
	}
}

func TestOverlayImagesWithoutBuildMarks(t *testing.T) {
	files := map[string][]byte{
		"kustomization.yaml": []byte("resources: [app.yaml]\nimages:\n- name: app\n- name: redis\n  newTag: \"7\"\n"),
		"app.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      initContainers: [{name: init, image: app}]
      containers: [{name: app, image: app:latest}, {name: redis, image: redis}]
`),
	}
	cfg := testConfig()
	env := testEnv(t, cfg, "main", "")
	objs, err := Overlay(files, "", env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := byKindName(objs)["Deployment/app"]
	if c := containers(t, d); c["app"]["image"] != "app:main" || c["redis"]["image"] != "redis:7" {
		t.Errorf("images %v / %v", c["app"]["image"], c["redis"]["image"])
	}
	inits, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "initContainers")
	if img := inits[0].(map[string]any)["image"]; img != "app:main" {
		t.Errorf("init container image %v", img)
	}
}

func TestImageName(t *testing.T) {
	for in, want := range map[string]string{
		"web": "web", "web:1": "web", "localhost:5000/web:1": "localhost:5000/web", "localhost:5000/web": "localhost:5000/web",
		"web@sha256:abc": "web", "ghcr.io/a/web:1@sha256:abc": "ghcr.io/a/web",
	} {
		if got := imageName(in); got != want {
			t.Errorf("imageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithoutRegistry(t *testing.T) {
	for in, want := range map[string]string{
		"web": "web", "acme/web": "acme/web", "ghcr.io/acme/web": "acme/web",
		"localhost:5000/web": "web", "localhost/web": "web", "docker.io/library/nginx": "library/nginx",
	} {
		if got := withoutRegistry(in); got != want {
			t.Errorf("withoutRegistry(%q) = %q, want %q", in, got, want)
		}
	}
}
