package rollout_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcompose"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
)

// baselineOf is what ReadBaseline would read of an env deployed from objs.
func baselineOf(ns string, objs []*unstructured.Unstructured) rollout.Baseline {
	b := rollout.Baseline{Namespace: ns, Workloads: map[string][]rollout.BaselineWorkload{}, Services: map[string]rollout.BaselineService{}}
	for _, o := range objs {
		svc := o.GetLabels()[meta.LabelService]
		switch {
		case envs.PodSpecPath(o.GetKind()) != nil:
			name := o.GetName()
			if base := o.GetAnnotations()[meta.AnnotationJobName]; base != "" {
				name = base
			}
			spec, _ := envs.PodSpec(o)
			vols, _ := spec["volumes"].([]any)
			stateful := o.GetKind() == "StatefulSet"
			for _, v := range vols {
				_, pvc := v.(map[string]any)["persistentVolumeClaim"]
				stateful = stateful || pvc
			}
			b.Workloads[svc] = append(b.Workloads[svc], rollout.BaselineWorkload{Kind: o.GetKind(), Name: name,
				Fingerprint: o.GetAnnotations()[meta.AnnotationFingerprint],
				SourcePrint: o.GetAnnotations()[meta.AnnotationSourcePrint], Stateful: stateful})
		case o.GetKind() == "Service":
			headless, _, _ := unstructured.NestedString(o.Object, "spec", "clusterIP")
			b.Services[o.GetName()] = rollout.BaselineService{Headless: headless == "None"}
		}
	}
	return b
}

func kinds(objs []*unstructured.Unstructured) map[string]int {
	out := map[string]int{}
	for _, o := range objs {
		out[o.GetKind()]++
	}
	return out
}

// PlanChanged on the realistic app against a baseline rendered from the
// same app: nothing changed borrows everything; a changed migration Job
// is refused while the databases it migrates are borrowed, and runs with
// --allow-shared-state or once they are deployed too; --with-dependents
// deploys what depends on a changed service; a deployed service's
// depends_on on borrowed ones is met.
func TestPlanChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the 60-service app several times")
	}
	dir := t.TempDir()
	if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	baseEnv, baseObjs, _ := renderBranch(t, dir, "main")
	base := baselineOf(baseEnv.Namespace, baseObjs)

	env, objs, _ := renderBranch(t, dir, "feature/x")
	p, err := rollout.PlanChanged(objs, env, base, rollout.ChangedOptions{Baseline: base.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Borrowing.Deployed) != 0 || len(p.Borrowing.Borrowed) != genapp.DefaultServices {
		t.Errorf("nothing changed: deployed %v, %d borrowed", p.Borrowing.Deployed, len(p.Borrowing.Borrowed))
	}
	if k := kinds(p.Objects); k["Deployment"]+k["Job"]+k["StatefulSet"] != 0 || k["Namespace"] != 1 {
		t.Errorf("nothing changed: objects %v", k)
	}

	// A changed migration against the borrowed clickhouse and kafka.
	testcompose.Edit(t, filepath.Join(dir, "compose.yaml"), `command: ["migrations", "migrate", "--force"]`, `command: ["migrations", "migrate", "--force", "--log-level", "debug"]`)
	env, objs, _ = renderBranch(t, dir, "feature/x")
	_, err = rollout.PlanChanged(objs, env, base, rollout.ChangedOptions{Baseline: base.Namespace})
	var shared *rollout.SharedStateError
	if !errors.As(err, &shared) || !strings.Contains(err.Error(), "Job snuba-migrate changed and depends on clickhouse, borrowed from "+base.Namespace) ||
		!strings.Contains(err.Error(), "--allow-shared-state") {
		t.Fatalf("changed migration on borrowed databases: %v, want a SharedStateError naming snuba-migrate and clickhouse", err)
	}
	p, err = rollout.PlanChanged(objs, env, base, rollout.ChangedOptions{Baseline: base.Namespace, AllowSharedState: true})
	if err != nil || !slices.Equal(p.Borrowing.Deployed, []string{"snuba-migrate"}) || kinds(p.Objects)["Job"] != 1 {
		t.Fatalf("--allow-shared-state: %v, deployed %v, objects %v", err, p.Borrowing.Deployed, kinds(p.Objects))
	}
	// The databases deployed here too (their baseline fingerprints differ):
	// the migration runs against them, nothing shared.
	moved := baselineOf(base.Namespace, baseObjs)
	for _, db := range []string{"clickhouse", "kafka"} {
		for i := range moved.Workloads[db] {
			moved.Workloads[db][i].Fingerprint = "other"
		}
	}
	p, err = rollout.PlanChanged(objs, env, moved, rollout.ChangedOptions{Baseline: base.Namespace})
	if err != nil || !slices.Equal(p.Borrowing.Deployed, []string{"clickhouse", "kafka", "snuba-migrate"}) {
		t.Fatalf("databases deployed too: %v, deployed %v", err, p.Borrowing.Deployed)
	}
	// The Job's depends_on keeps the deployed databases.
	for _, o := range p.Objects {
		if o.GetKind() == "Job" {
			if d := o.GetAnnotations()[meta.AnnotationDependsOn]; !strings.Contains(d, "clickhouse") || !strings.Contains(d, "kafka") {
				t.Errorf("the Job's depends_on %s lost a deployed database", d)
			}
		}
	}

	// With dependents: everything that depends on snuba-migrate, directly
	// or not, is deployed too.
	p, err = rollout.PlanChanged(objs, env, base, rollout.ChangedOptions{Baseline: base.Namespace, AllowSharedState: true, Dependents: true})
	if err != nil || len(p.Borrowing.Deployed) < 10 || !slices.Contains(p.Borrowing.Deployed, "snuba-api") || !slices.Contains(p.Borrowing.Deployed, "web") ||
		slices.Contains(p.Borrowing.Deployed, "clickhouse") {
		t.Errorf("--with-dependents: %v, deployed %v", err, p.Borrowing.Deployed)
	}
}

// A deployed service keeps only its depends_on on deployed services: the
// baseline runs the borrowed ones. With routing, its Service gets an
// HTTPRoute on the baseline's; without, none.
func TestPlanChangedDependsOnAndRoutes(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the 60-service app twice")
	}
	dir := t.TempDir()
	if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	baseEnv, baseObjs, _ := renderBranch(t, dir, "main")
	base := baselineOf(baseEnv.Namespace, baseObjs)
	testcompose.Edit(t, filepath.Join(dir, "compose.yaml"), "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n", "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n      VROOM_LOG_LEVEL: debug\n")
	env, objs, _ := renderBranch(t, dir, "feature/x")
	for _, routing := range []string{"", envs.RoutingHTTPRoute} {
		p, err := rollout.PlanChanged(objs, env, base, rollout.ChangedOptions{Baseline: base.Namespace, Routing: routing})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Borrowing.Deployed, []string{"vroom"}) {
			t.Fatalf("deployed %v, want [vroom]", p.Borrowing.Deployed)
		}
		var routes, claims int
		for _, o := range p.Objects {
			switch o.GetKind() {
			case "Deployment":
				if d := o.GetAnnotations()[meta.AnnotationDependsOn]; d != "{}" {
					t.Errorf("vroom's depends_on %s, want {} (relay and kafka are borrowed)", d)
				}
			case "HTTPRoute":
				routes++
			case "PersistentVolumeClaim":
				claims++
			}
		}
		if want := map[string]int{"": 0, envs.RoutingHTTPRoute: 1}[routing]; routes != want {
			t.Errorf("routing %q: %d HTTPRoutes, want %d", routing, routes, want)
		}
		if claims != 1 {
			t.Errorf("%d claims kept, want vroom's own", claims)
		}
		if _, err := rollout.Plan(p.Objects); err != nil {
			t.Errorf("the changed objects do not plan: %v", err)
		}
	}
}
