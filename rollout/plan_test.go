package rollout

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/meta"
)

// wl returns a workload of kind for service with deps and options.
func wl(kind, service string, deps map[string]string, preDeploy bool) *unstructured.Unstructured {
	apiVersion := map[string]string{"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1", "Pod": "v1"}[kind]
	o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind}}
	o.SetName(service)
	o.SetNamespace("ns")
	if service != "" {
		o.SetLabels(map[string]string{meta.LabelService: service})
	}
	ann := map[string]string{}
	if deps != nil {
		data, _ := json.Marshal(deps)
		ann[meta.AnnotationDependsOn] = string(data)
	}
	if preDeploy {
		ann[meta.AnnotationPhase] = meta.PhasePreDeploy
	}
	o.SetAnnotations(ann)
	return o
}

func plain(apiVersion, kind, name, service string) *unstructured.Unstructured {
	o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind}}
	o.SetName(name)
	if kind != "Namespace" {
		o.SetNamespace("ns")
	}
	if service != "" {
		o.SetLabels(map[string]string{meta.LabelService: service})
	}
	return o
}

// postJob returns a post-deploy Job for service.
func postJob(service string, deps map[string]string) *unstructured.Unstructured {
	o := wl("Job", service, deps, false)
	ann := o.GetAnnotations()
	ann[meta.AnnotationPhase] = meta.PhasePostDeploy
	o.SetAnnotations(ann)
	return o
}

func stepNames(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Name+"/"+s.Wait.String())
	}
	return out
}

// checkPlan verifies the invariants of any plan of objects: every object
// is applied exactly once; a dependency is applied in an earlier step that
// waits at least as much as its condition needs; pre-deploy Jobs wait for
// completion and precede every workload they do not need.
func checkPlan(t *testing.T, objects []*unstructured.Unstructured, steps []Step) {
	t.Helper()
	stepOf := map[string]int{}
	for i, s := range steps {
		for _, o := range s.Objects {
			k := RefOf(o).key()
			if s.WaitOnly {
				if _, ok := stepOf[k]; !ok || !isWorkload(o) {
					t.Errorf("step %q waits on %s before applying it", s.Name, k)
				}
				continue
			}
			if _, dup := stepOf[k]; dup {
				t.Errorf("%s applied twice", k)
			}
			stepOf[k] = i
		}
	}
	if len(stepOf) != len(objects) {
		t.Errorf("%d objects applied, %d given", len(stepOf), len(objects))
	}
	byService := map[string][]*unstructured.Unstructured{}
	for _, o := range objects {
		if isWorkload(o) {
			byService[o.GetLabels()[meta.LabelService]] = append(byService[o.GetLabels()[meta.LabelService]], o)
		}
	}
	need := map[string]WaitKind{meta.ConditionStarted: WaitNone, meta.ConditionHealthy: WaitReady, meta.ConditionCompleted: WaitComplete}
	for _, o := range objects {
		if o.GetKind() == "Namespace" {
			if stepOf[RefOf(o).key()] != 0 {
				t.Errorf("namespace not first")
			}
			continue
		}
		deps, _ := dependsOn(o)
		for d, c := range deps {
			for _, do := range byService[d] {
				ds := stepOf[RefOf(do).key()]
				if ds >= stepOf[RefOf(o).key()] {
					t.Errorf("%s applied in step %d, its dependency %s in step %d", o.GetName(), stepOf[RefOf(o).key()], d, ds)
				}
				w := need[c]
				if w == WaitReady && do.GetKind() == "Job" {
					w = WaitComplete
				}
				if got := waitedBefore(steps, do, stepOf[RefOf(o).key()]); got < w {
					t.Errorf("%s needs %s %s, its steps wait %s", o.GetName(), d, c, got)
				}
			}
		}
		if envs.IsPreDeployJob(o) && steps[stepOf[RefOf(o).key()]].Wait != WaitComplete {
			t.Errorf("pre-deploy job %s does not wait for completion", o.GetName())
		}
	}
}

// waitedBefore is the most any step before step `before` waits for o.
func waitedBefore(steps []Step, o *unstructured.Unstructured, before int) WaitKind {
	w := WaitKind(-1)
	for _, s := range steps[:before] {
		for _, so := range s.Objects {
			if RefOf(so).key() == RefOf(o).key() && s.Wait > w {
				w = s.Wait
			}
		}
	}
	return w
}

func TestPlanFixture(t *testing.T) {
	objs, err := fixtureApp(t)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := Plan(objs)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, objs, steps)
	// db (healthy for migrate and web) → migrate → web (started for worker) → worker.
	var job string
	for _, o := range objs {
		if envs.IsPreDeployJob(o) {
			job = o.GetName()
		}
	}
	want := []string{"namespace/none", "quota/none", "config/none", "wave 1: db/ready", "job: migrate/complete",
		"wave 2: web/none", "wave 3: worker/none", "rollout/ready"}
	if got := stepNames(steps); strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("steps\n %v\nwant\n %v", got, want)
	}
	if s := steps[4]; len(s.Objects) != 1 || s.Objects[0].GetName() != job {
		t.Errorf("job step objects %v", s.Objects)
	}
	kinds := map[string]bool{}
	for _, o := range steps[2].Objects {
		kinds[o.GetKind()] = true
	}
	for _, k := range []string{"ConfigMap", "Secret", "Service", "PersistentVolumeClaim"} {
		if !kinds[k] {
			t.Errorf("config step lacks %s: %v", k, kinds)
		}
	}
	if last := steps[len(steps)-1]; !last.WaitOnly || len(last.Objects) != 3 {
		t.Errorf("rollout step %+v", last)
	}
}

func TestPlanOrders(t *testing.T) {
	H, S, C := meta.ConditionHealthy, meta.ConditionStarted, meta.ConditionCompleted
	unlabeled := wl("Deployment", "", nil, false)
	unlabeled.SetName("legacy")
	tests := []struct {
		name    string
		objects []*unstructured.Unstructured
		want    []string
	}{
		{"independent workloads form one wave", []*unstructured.Unstructured{
			wl("Deployment", "b", nil, false), wl("Deployment", "a", nil, false),
		}, []string{"wave 1: a, b/none", "rollout/ready"}},
		{"same level split by wait kind", []*unstructured.Unstructured{
			wl("StatefulSet", "db", nil, false), wl("Deployment", "cache", nil, false),
			wl("Deployment", "web", map[string]string{"db": H, "cache": S}, false),
		}, []string{"wave 1: cache/none", "wave 2: db/ready", "wave 3: web/none", "rollout/ready"}},
		{"jobs ordered among themselves, app after all", []*unstructured.Unstructured{
			wl("StatefulSet", "db", nil, false),
			wl("Job", "seed", map[string]string{"migrate": C}, true),
			wl("Job", "migrate", map[string]string{"db": H}, true),
			wl("Deployment", "web", map[string]string{"db": H}, false),
			wl("Deployment", "cache", nil, false),
		}, []string{"wave 1: db/ready", "job: migrate/complete", "job: seed/complete", "wave 2: cache, web/none", "rollout/ready"}},
		{"independent jobs run side by side", []*unstructured.Unstructured{
			wl("StatefulSet", "db", nil, false),
			wl("Job", "migrate-users", map[string]string{"db": H}, true),
			wl("Job", "migrate-orders", map[string]string{"db": H}, true),
			wl("Job", "seed", map[string]string{"migrate-users": C}, true),
			wl("Deployment", "web", map[string]string{"db": H}, false),
		}, []string{"wave 1: db/ready", "job: migrate-orders, migrate-users/complete", "job: seed/complete", "wave 2: web/none", "rollout/ready"}},
		{"independent post-deploy jobs side by side", []*unstructured.Unstructured{
			postJob("notify", map[string]string{"web": S}), postJob("smoke", map[string]string{"web": H}),
			wl("Deployment", "web", nil, false),
		}, []string{"wave 1: web/none", "rollout/ready", "post-deploy job: notify, smoke/complete"}},
		{"plain job others wait for", []*unstructured.Unstructured{
			wl("Job", "init", nil, false), wl("Deployment", "web", map[string]string{"init": C}, false),
		}, []string{"wave 1: init/complete", "wave 2: web/none", "rollout/ready"}},
		{"healthy on a job waits for completion", []*unstructured.Unstructured{
			wl("Job", "init", nil, false), wl("Deployment", "web", map[string]string{"init": H}, false),
		}, []string{"wave 1: init/complete", "wave 2: web/none", "rollout/ready"}},
		{"strongest condition wins", []*unstructured.Unstructured{
			wl("Deployment", "api", nil, false),
			wl("Deployment", "a", map[string]string{"api": S}, false),
			wl("Deployment", "b", map[string]string{"api": H}, false),
		}, []string{"wave 1: api/ready", "wave 2: a, b/none", "rollout/ready"}},
		{"unlabeled workloads and cronjobs", []*unstructured.Unstructured{
			unlabeled, wl("CronJob", "nightly", nil, false),
		}, []string{"wave 1: Deployment/legacy, nightly/none", "rollout/ready"}},
		{"depends on a service without workload", []*unstructured.Unstructured{
			plain("v1", "Service", "ext", "ext"), wl("Deployment", "web", map[string]string{"ext": S}, false),
		}, []string{"config/none", "wave 1: web/none", "rollout/ready"}},
		{"only config", []*unstructured.Unstructured{
			plain("v1", "Namespace", "ns", ""), plain("v1", "LimitRange", "l", ""), plain("v1", "ConfigMap", "c", ""),
		}, []string{"namespace/none", "quota/none", "config/none"}},
		{"post-deploy jobs after the rollout", []*unstructured.Unstructured{
			postJob("notify", map[string]string{"smoke": C, "web": S}),
			postJob("smoke", map[string]string{"web": H}),
			wl("Deployment", "web", nil, false),
		}, []string{"wave 1: web/none", "rollout/ready", "post-deploy job: smoke/complete", "post-deploy job: notify/complete"}},
		{"no objects", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps, err := Plan(tt.objects)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, tt.objects, steps)
			if got := stepNames(steps); strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
				t.Errorf("steps\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
}

func TestPlanErrors(t *testing.T) {
	H, C := meta.ConditionHealthy, meta.ConditionCompleted
	bad := wl("Deployment", "web", nil, false)
	bad.SetAnnotations(map[string]string{meta.AnnotationDependsOn: "db"})
	tests := []struct {
		name    string
		objects []*unstructured.Unstructured
		want    []string
	}{
		{"cycle", []*unstructured.Unstructured{
			wl("Deployment", "a", map[string]string{"b": H}, false),
			wl("Deployment", "b", map[string]string{"c": H}, false),
			wl("Deployment", "c", map[string]string{"a": H}, false),
			wl("Deployment", "d", nil, false),
		}, []string{"cycle", "a → b → c → a"}},
		{"cycle behind a good node", []*unstructured.Unstructured{
			wl("Deployment", "a", map[string]string{"x": H}, false),
			wl("Deployment", "x", map[string]string{"y": H}, false),
			wl("Deployment", "y", map[string]string{"x": H}, false),
		}, []string{"cycle", "x → y → x"}},
		{"self", []*unstructured.Unstructured{wl("Deployment", "a", map[string]string{"a": H}, false)}, []string{"a depends on itself"}},
		{"unknown service", []*unstructured.Unstructured{wl("Deployment", "web", map[string]string{"dbx": H}, false)}, []string{"web", "dbx"}},
		{"bad json", []*unstructured.Unstructured{bad}, []string{"Deployment web", meta.AnnotationDependsOn}},
		{"unknown condition", []*unstructured.Unstructured{
			wl("Deployment", "db", nil, false), wl("Deployment", "web", map[string]string{"db": "service_happy"}, false),
		}, []string{"service_happy"}},
		{"depends on a post-deploy job", []*unstructured.Unstructured{
			postJob("smoke", nil), wl("Deployment", "web", map[string]string{"smoke": C}, false),
		}, []string{"web", "smoke", "post-deploy"}},
		{"post-deploy cycle", []*unstructured.Unstructured{
			postJob("a", map[string]string{"b": C}), postJob("b", map[string]string{"a": C}),
		}, []string{"cycle", "a → b → a"}},
		{"completed on a deployment", []*unstructured.Unstructured{
			wl("Deployment", "db", nil, false), wl("Deployment", "web", map[string]string{"db": C}, false),
		}, []string{"web", "db", "Deployment", "not a Job"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan(tt.objects)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// fixtureApp renders envs' test app (envs/testdata/app) for branch main of
// project shop, as berth up would.
func fixtureApp(t *testing.T) ([]*unstructured.Unstructured, error) {
	t.Helper()
	cfg := envs.DefaultConfig()
	cfg.Project = "shop"
	env, err := envs.Resolve(cfg, envs.GitInfo{Branch: "main", Commit: "c"}, envs.Overrides{}, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	files, err := envs.ReadTree("../envs/testdata/app")
	if err != nil {
		t.Fatal(err)
	}
	return envs.Overlay(files, "", env, cfg)
}
