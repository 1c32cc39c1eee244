package rollout

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/meta"
)

// objects parses YAML documents into objects as the overlay renders them.
func objects(t *testing.T, docs ...string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, d := range docs {
		data, err := yaml.YAMLToJSON([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		o := &unstructured.Unstructured{}
		if err := o.UnmarshalJSON(data); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

const (
	deploy3 = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: app
        image: web
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: "1", memory: 256Mi}}
      - name: sidecar
        image: proxy`
	statefulDB = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  template:
    spec:
      initContainers:
      - {name: init, image: db, resources: {requests: {cpu: "2", memory: 1Gi}, limits: {cpu: "2", memory: 1Gi}}}
      containers:
      - {name: db, image: db, resources: {limits: {cpu: 500m, memory: 512Mi}}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}`
	jobPar = `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  parallelism: 4
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: m}]`
	jobPlain = `
apiVersion: batch/v1
kind: Job
metadata: {name: seed}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: s, image: s}]`
	pvc = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: uploads}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}`
	nodePort = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: NodePort, ports: [{port: 80}, {port: 443}]}`
	loadBalancer = `
apiVersion: v1
kind: Service
metadata: {name: lb}
spec: {type: LoadBalancer, ports: [{port: 80}]}`
	clusterIP = `
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {ports: [{port: 5432}]}`
	berthLimits = `
apiVersion: v1
kind: LimitRange
metadata: {name: berth-limits}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 50m, memory: 128Mi}`
)

func TestNeedOf(t *testing.T) {
	tests := []struct {
		name  string
		docs  []string
		extra []corev1.LimitRange // LimitRanges already in the namespace
		want  map[string]string
		unset map[string]int // resource → containers without a value
	}{
		{
			name: "deployment replicas; the sidecar gets the LimitRange defaults",
			docs: []string{deploy3, berthLimits},
			// per pod: app 100m/64Mi (1/256Mi) + sidecar 50m/128Mi (500m/512Mi)
			want: map[string]string{"pods": "3", "requests.cpu": "450m", "requests.memory": "576Mi",
				"limits.cpu": "4500m", "limits.memory": "2304Mi", "count/deployments.apps": "1", "count/limitranges": "1"},
		},
		{
			name:  "no LimitRange: the sidecar sets nothing",
			docs:  []string{deploy3},
			want:  map[string]string{"pods": "3", "requests.cpu": "300m", "limits.memory": "768Mi"},
			unset: map[string]int{"requests.cpu": 1, "requests.memory": 1, "limits.cpu": 1, "limits.memory": 1},
		},
		{
			name: "a LimitRange in the namespace gives the defaults; default alone also defaults the request",
			docs: []string{deploy3},
			extra: []corev1.LimitRange{{ObjectMeta: metav1.ObjectMeta{Name: "team"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type:    corev1.LimitTypeContainer,
				Default: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			}}}}},
			want: map[string]string{"requests.cpu": "900m", "requests.memory": "384Mi", "limits.cpu": "3600m", "limits.memory": "960Mi"},
		},
		{
			name: "statefulset: init container dominates, requests default to limits, claims per replica",
			docs: []string{statefulDB},
			want: map[string]string{"pods": "2", "requests.cpu": "4", "requests.memory": "2Gi", "limits.cpu": "4",
				"persistentvolumeclaims": "2", "requests.storage": "10Gi"},
		},
		{
			name: "jobs run parallelism pods, at most completions; default 1",
			docs: []string{jobPar, jobPlain, berthLimits},
			want: map[string]string{"pods": "3", "requests.cpu": "150m", "count/jobs.batch": "2"},
		},
		{
			name: "PVCs and services by type; node ports per port",
			docs: []string{pvc, nodePort, loadBalancer, clusterIP},
			want: map[string]string{"persistentvolumeclaims": "1", "requests.storage": "10Gi", "services": "3",
				"services.nodeports": "3", "services.loadbalancers": "1", "pods": "0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := objects(t, tt.docs...)
			var ranges []corev1.LimitRange
			for _, o := range objs {
				if o.GetKind() == "LimitRange" {
					var lr corev1.LimitRange
					data, _ := o.MarshalJSON()
					if err := json.Unmarshal(data, &lr); err != nil {
						t.Fatal(err)
					}
					ranges = append(ranges, lr)
				}
			}
			need, err := NeedOf(objs, append(ranges, tt.extra...))
			if err != nil {
				t.Fatal(err)
			}
			for r, want := range tt.want {
				got, ok := need.Amounts[r]
				if !ok || got.Cmp(resource.MustParse(want)) != 0 {
					t.Errorf("%s = %s, want %s", r, got.String(), want)
				}
			}
			for _, c := range computeResources {
				if got := len(need.Unset[c.quota]); got != tt.unset[c.quota] {
					t.Errorf("unset %s: %v, want %d containers", c.quota, need.Unset[c.quota], tt.unset[c.quota])
				}
			}
		})
	}
}

// quotaDoc is berth's ResourceQuota as envs.QuotaObjects renders q.
func quotaDoc(t *testing.T, q envs.Quota) *unstructured.Unstructured {
	t.Helper()
	q.Enabled = true
	for _, o := range envs.QuotaObjects(q) {
		if o.GetKind() == "ResourceQuota" {
			return o
		}
	}
	t.Fatal("no ResourceQuota rendered")
	return nil
}

func TestPreflight(t *testing.T) {
	bigApp := []string{berthLimits}
	for i := range 60 { // 60 pods and 16 PVCs: more than the old fixed quota (50, 10)
		name := fmt.Sprintf("s%d", i)
		bigApp = append(bigApp, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: `+name+`}
spec: {template: {spec: {containers: [{name: c, image: i}]}}}`)
		if i < 16 {
			bigApp = append(bigApp, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: `+name+`}
spec: {resources: {requests: {storage: 1Gi}}}`)
		}
	}
	foreign := corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "team-quota"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("2"), "requests.storage": resource.MustParse("1Ti")}}}
	scoped := *foreign.DeepCopy()
	scoped.Name, scoped.Spec.Scopes = "best-effort", []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
	previous := *foreign.DeepCopy()
	previous.Name = envs.QuotaName // berth's own from an earlier up: replaced, not checked
	previous.Status.Used = corev1.ResourceList{"pods": resource.MustParse("70"), "requests.cpu": resource.MustParse("1")}

	tests := []struct {
		name     string
		quota    envs.Quota
		docs     []string
		existing []corev1.ResourceQuota
		ranges   []corev1.LimitRange
		want     []string // "resource need limit setting line quota", or for a LimitRange "resource need bound limit object name"
		hard     map[string]string
	}{
		{
			name:  "configured quota too small: each resource with its berth.yaml line",
			quota: envs.Quota{Hard: map[string]envs.Quantity{"pods": "2", "persistentvolumeclaims": "1", "requests.cpu": "4"}, Lines: map[string]int{"hard.pods": 7, "hard.persistentvolumeclaims": 8, "hard.requests.cpu": 9}},
			docs:  []string{deploy3, statefulDB, pvc, berthLimits},
			want: []string{"persistentvolumeclaims 3 1 quota.hard.persistentvolumeclaims 8 berth-quota", "pods 5 2 quota.hard.pods 7 berth-quota",
				"requests.cpu 4450m 4 quota.hard.requests.cpu 9 berth-quota"},
		},
		{
			name:  "configured quota that fits",
			quota: envs.Quota{Hard: map[string]envs.Quantity{"pods": "5", "requests.storage": "20Gi"}},
			docs:  []string{deploy3, statefulDB, berthLimits},
			hard:  map[string]string{"pods": "5", "requests.storage": "20Gi"},
		},
		{
			name:  "quota on CPU but no LimitRange: the containers without are named",
			quota: envs.Quota{Hard: map[string]envs.Quantity{"limits.cpu": "100"}},
			docs:  []string{deploy3},
			want:  []string{"limits.cpu  100 quota.hard.limits.cpu 0 berth-quota"},
		},
		{
			name:  "sized from the app: big app gets need × 1.5, small one the floor",
			quota: envs.Quota{Ceiling: envs.DefaultQuotaCeiling()},
			docs:  bigApp,
			hard: map[string]string{"pods": "90", "persistentvolumeclaims": "24", "requests.storage": "50Gi",
				"requests.cpu": "5", "requests.memory": "12Gi", "limits.cpu": "45", "limits.memory": "45Gi", "services.nodeports": "0"},
		},
		{
			name:  "sized, small app: the floor",
			quota: envs.Quota{Ceiling: envs.DefaultQuotaCeiling()},
			docs:  []string{deploy3, berthLimits},
			hard:  map[string]string{"pods": "50", "persistentvolumeclaims": "10", "requests.cpu": "4", "limits.cpu": "8"},
		},
		{
			name:  "sized, over the configured ceiling: the ceiling's line",
			quota: envs.Quota{Ceiling: map[string]envs.Quantity{"pods": "40", "persistentvolumeclaims": "100"}, Lines: map[string]int{"ceiling.pods": 4}},
			docs:  bigApp,
			want:  []string{"pods 60 40 quota.ceiling.pods 4 berth-quota"},
			hard:  map[string]string{"pods": "40", "persistentvolumeclaims": "24"},
		},
		{
			name:  "sized, NodePort Services over the default ceiling of none",
			quota: envs.Quota{Ceiling: envs.DefaultQuotaCeiling()},
			docs:  []string{nodePort, loadBalancer},
			want:  []string{"services.loadbalancers 1 0 quota.ceiling.services.loadbalancers 0 berth-quota", "services.nodeports 3 0 quota.ceiling.services.nodeports 0 berth-quota"},
		},
		{
			name:  "LimitRange max and min in the namespace, on defaulted containers and PVCs",
			quota: envs.Quota{Ceiling: envs.DefaultQuotaCeiling()},
			docs:  []string{deploy3, statefulDB, pvc, berthLimits},
			ranges: []corev1.LimitRange{{ObjectMeta: metav1.ObjectMeta{Name: "team-limits"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{
				{Type: corev1.LimitTypeContainer, Max: corev1.ResourceList{"cpu": resource.MustParse("1")}, Min: corev1.ResourceList{"memory": resource.MustParse("100Mi")}},
				{Type: corev1.LimitTypePersistentVolumeClaim, Max: corev1.ResourceList{"storage": resource.MustParse("5Gi")}},
			}}}},
			want: []string{
				"requests.memory 64Mi min 100Mi Deployment/web container app team-limits",
				"requests.cpu 2 max 1 StatefulSet/db container init team-limits",
				"limits.cpu 2 max 1 StatefulSet/db container init team-limits",
				"requests.storage 10Gi max 5Gi PersistentVolumeClaim/uploads team-limits",
			},
		},
		{
			name:     "sized, shrinking app: the old objects' usage still counts until pruned",
			quota:    envs.Quota{Ceiling: envs.DefaultQuotaCeiling()},
			docs:     []string{deploy3, berthLimits},
			existing: []corev1.ResourceQuota{previous},
			hard:     map[string]string{"pods": "105", "requests.cpu": "4"},
		},
		{
			name:     "a foreign quota in the namespace; scoped ones and berth's previous one are left out",
			quota:    envs.Quota{Ceiling: envs.DefaultQuotaCeiling()},
			docs:     []string{deploy3, berthLimits},
			existing: []corev1.ResourceQuota{scoped, foreign, previous},
			want:     []string{"pods 3 2  0 team-quota"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := append(objects(t, tt.docs...), quotaDoc(t, tt.quota))
			v, err := Preflight(objs, tt.existing, tt.ranges)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range v.Shortfalls {
				row := []string{s.Resource, s.Need, s.Limit, s.Setting, itoa(s.Line), s.Quota}
				if s.LimitRange != "" {
					row = []string{s.Resource, s.Need, s.Bound, s.Limit, s.Object, s.LimitRange}
				}
				got = append(got, strings.Join(row, " "))
				named := s.Limit
				if s.LimitRange != "" {
					named = s.Object
				}
				if len(s.Unset) > 0 {
					named = s.Unset[0]
				}
				if !strings.HasPrefix(s.String(), s.Resource+": ") || !strings.Contains(s.String(), named) {
					t.Errorf("message %q does not name %s and %s", s, s.Resource, named)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("shortfalls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for r, want := range tt.hard {
				h := v.Hard[r]
				if h.Cmp(resource.MustParse(want)) != 0 {
					t.Errorf("hard %s = %s, want %s", r, h.String(), want)
				}
				// The object up applies holds the same.
				applied, _, _ := unstructured.NestedString(objs[len(objs)-1].Object, "spec", "hard", r)
				if q, err := resource.ParseQuantity(applied); err != nil || q.Cmp(h) != 0 {
					t.Errorf("applied hard %s = %q, want %s", r, applied, h.String())
				}
			}
		})
	}
}

// Sizing twice (a second up over the same objects) gives the same quota.
func TestPreflightSizesIdempotently(t *testing.T) {
	objs := append(objects(t, deploy3, statefulDB, berthLimits), quotaDoc(t, envs.Quota{Ceiling: envs.DefaultQuotaCeiling()}))
	first, err := Preflight(objs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Preflight(objs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for r, q := range first.Hard {
		if q.Cmp(second.Hard[r]) != 0 {
			t.Errorf("%s: %v then %v", r, q, second.Hard[r])
		}
	}
}

func TestShortfallMessages(t *testing.T) {
	for _, tt := range []struct {
		s    Shortfall
		want string
	}{
		{Shortfall{Resource: "pods", Need: "57", Limit: "50", Quota: envs.QuotaName, Setting: "quota.hard.pods", Line: 12},
			"pods: need 57, limit 50 (berth.yaml:12 quota.hard.pods)"},
		{Shortfall{Resource: "pods", Need: "250", Limit: "200", Quota: envs.QuotaName, Setting: "quota.ceiling.pods"},
			"pods: need 250, limit 200 (quota.ceiling.pods: berth's default; set it in berth.yaml)"},
		{Shortfall{Resource: "pods", Need: "3", Limit: "2", Quota: "team"},
			"pods: need 3, limit 2 (ResourceQuota team in the namespace, not berth's)"},
		{Shortfall{Resource: "limits.cpu", Need: "2", Limit: "1", Bound: "max", LimitRange: "team-limits", Object: "Deployment/web container app"},
			"limits.cpu: Deployment/web container app needs 2, max 1 (LimitRange team-limits in the namespace, not berth's)"},
		{Shortfall{Resource: "limits.cpu", Limit: "8", Quota: "team", Unset: []string{"a", "b", "c", "d", "e"}},
			"limits.cpu: required (ResourceQuota team in the namespace, not berth's), but a, b, c and 2 more set none and no LimitRange gives a default"},
	} {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestQuotaLines(t *testing.T) {
	cfg, err := envs.ParseConfig([]byte("project: shop\nquota:\n  hard:\n    pods: 5\n    requests.cpu: 2\n  ceiling:\n    pods: 9\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"hard.pods": 4, "hard.requests.cpu": 5, "ceiling.pods": 7}
	for k, line := range want {
		if cfg.Quota.Lines[k] != line {
			t.Errorf("%s: line %d, want %d (%v)", k, cfg.Quota.Lines[k], line, cfg.Quota.Lines)
		}
	}
	rq := quotaDoc(t, cfg.Quota)
	if _, sized := rq.GetAnnotations()[meta.AnnotationQuotaCeiling]; sized {
		t.Error("quota.hard set, yet the quota is marked to be sized")
	}
	if got := rq.GetAnnotations()[meta.AnnotationQuotaLines]; got != `{"pods":4,"requests.cpu":5}` {
		t.Errorf("lines annotation %s", got)
	}
	def, err := envs.ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.Quota.Hard != nil || def.Quota.Lines != nil || def.Quota.Ceiling["pods"] != "200" {
		t.Errorf("defaults: hard %v (want none: sized), lines %v, ceiling %v", def.Quota.Hard, def.Quota.Lines, def.Quota.Ceiling)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
