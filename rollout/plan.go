package rollout

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/meta"
)

// WaitKind is what a Step waits for after applying its objects.
type WaitKind int

const (
	WaitNone     WaitKind = iota // applied is enough (service_started)
	WaitReady                    // rolled out, pods Ready (service_healthy)
	WaitComplete                 // Job succeeded (service_completed_successfully)
)

func (w WaitKind) String() string {
	switch w {
	case WaitNone:
		return "none"
	case WaitReady:
		return "ready"
	case WaitComplete:
		return "complete"
	}
	return fmt.Sprintf("WaitKind(%d)", int(w))
}

// Step is one stage of an up: apply Objects (together; their order does not
// matter), then wait for each of them per Wait before the next step.
type Step struct {
	Name    string
	Objects []*unstructured.Unstructured
	Wait    WaitKind
	// WaitOnly marks a step whose objects an earlier step applied: only wait.
	WaitOnly bool
}

// Plan orders the objects of an environment into steps: the namespace; the
// ResourceQuota and LimitRange; everything that is not a workload
// (ServiceAccounts, ConfigMaps, Secrets, PVCs, Services, ...) in one step;
// then the workloads and Jobs in depends_on order (meta.AnnotationDependsOn,
// keyed by meta.LabelService), where pre-deploy Jobs whose dependencies are met
// form a step waiting for their completion and every workload that no
// pre-deploy Job needs starts only after all of them completed; workloads
// whose dependencies are met form a wave, waiting per the strongest
// condition others depend on them with; then a wait for the rollout of all
// workloads; last, the post-deploy Jobs, in steps waiting for completion
// likewise.
func Plan(objects []*unstructured.Unstructured) ([]Step, error) {
	steps, _, err := plan(objects)
	return steps, err
}

// plan is Plan plus, for each step, the services it holds as nodes of the
// depends_on graph (nil for the namespace, quota, config and rollout
// steps): Up runs the workload steps service by service as the graph
// allows.
func plan(objects []*unstructured.Unstructured) ([]Step, [][]*node, error) {
	var namespaces, quotas, config, workloads []*unstructured.Unstructured
	for _, o := range objects {
		switch {
		case o.GetKind() == "Namespace" && o.GroupVersionKind().Group == "":
			namespaces = append(namespaces, o)
		case (o.GetKind() == "ResourceQuota" || o.GetKind() == "LimitRange") && o.GroupVersionKind().Group == "":
			quotas = append(quotas, o)
		case isWorkload(o):
			workloads = append(workloads, o)
		default:
			config = append(config, o)
		}
	}
	var steps []Step
	for _, s := range []Step{
		{Name: "namespace", Objects: namespaces},
		{Name: "quota", Objects: quotas},
		{Name: "config", Objects: config},
	} {
		if len(s.Objects) > 0 {
			sortObjects(s.Objects)
			steps = append(steps, s)
		}
	}
	ordered, post, err := planWorkloads(workloads, objects)
	if err != nil {
		return nil, nil, err
	}
	members := make([][]*node, len(steps))
	for _, l := range ordered {
		steps = append(steps, l.step)
		members = append(members, l.nodes)
	}
	var rollout []*unstructured.Unstructured
	for _, o := range workloads {
		if k := o.GetKind(); k != "Job" && k != "CronJob" {
			rollout = append(rollout, o)
		}
	}
	if len(rollout) > 0 {
		sortObjects(rollout)
		steps = append(steps, Step{Name: "rollout", Objects: rollout, Wait: WaitReady, WaitOnly: true})
		members = append(members, nil)
	}
	for _, l := range post {
		steps = append(steps, l.step)
		members = append(members, l.nodes)
	}
	return steps, members, nil
}

// isWorkload reports whether o runs pods (and so takes part in depends_on).
func isWorkload(o *unstructured.Unstructured) bool {
	return envs.PodSpecPath(o.GetKind()) != nil
}

// node is a compose service in the dependency graph.
type node struct {
	name      string
	objects   []*unstructured.Unstructured
	deps      map[string]string // service → condition; after planning, only services with workloads, each step's own
	job       bool              // all its workloads are Jobs
	preDeploy bool
	post      bool // post-deploy Jobs only
	wait      WaitKind
}

// layerStep is a step of workloads and the services (nodes) it holds.
type layerStep struct {
	step  Step
	nodes []*node
}

// planWorkloads returns the steps of the workloads and pre-deploy Jobs,
// and those of the post-deploy Jobs.
func planWorkloads(workloads, all []*unstructured.Unstructured) (main, post []layerStep, err error) {
	nodes := map[string]*node{}
	for _, o := range workloads {
		name := o.GetLabels()[meta.LabelService]
		if name == "" {
			name = o.GetKind() + "/" + o.GetName()
		}
		n := nodes[name]
		if n == nil {
			n = &node{name: name, deps: map[string]string{}, job: true, post: true}
			nodes[name] = n
		}
		n.objects = append(n.objects, o)
		n.job = n.job && o.GetKind() == "Job"
		n.preDeploy = n.preDeploy || envs.IsPreDeployJob(o)
		n.post = n.post && o.GetKind() == "Job" && o.GetAnnotations()[meta.AnnotationPhase] == meta.PhasePostDeploy
		deps, err := dependsOn(o)
		if err != nil {
			return nil, nil, err
		}
		for d, c := range deps {
			if d == name {
				return nil, nil, fmt.Errorf("service %s depends on itself", name)
			}
			n.deps[d] = strongest(n.deps[d], c)
		}
	}
	services := map[string]bool{} // services with objects, workload or not
	for _, o := range all {
		if s := o.GetLabels()[meta.LabelService]; s != "" {
			services[s] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(nodes)) {
		n := nodes[name]
		for _, d := range slices.Sorted(maps.Keys(n.deps)) {
			switch {
			case nodes[d] == nil && !services[d]:
				return nil, nil, fmt.Errorf("service %s depends on %s, which has no objects", name, d)
			case nodes[d] == nil:
				delete(n.deps, d) // no workload (e.g. only a Service): met by the config step
			case nodes[d].post && !n.post:
				return nil, nil, fmt.Errorf("service %s depends on %s, a post-deploy Job that runs after the rollout", name, d)
			case !nodes[d].post && n.post:
				delete(n.deps, d) // met: post-deploy Jobs run after everything else
			}
		}
	}
	postNodes := map[string]*node{}
	for name, n := range nodes {
		if n.post {
			n.wait = WaitComplete
			postNodes[name] = n
			delete(nodes, name)
		}
	}
	if post, err = layer(postNodes, slices.Sorted(maps.Keys(postNodes))); err != nil {
		return nil, nil, err
	}
	names := slices.Sorted(maps.Keys(nodes))
	// Workloads no pre-deploy Job needs start after all pre-deploy Jobs.
	needed := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		for d := range nodes[name].deps {
			if !needed[d] {
				needed[d] = true
				visit(d)
			}
		}
	}
	var preDeploy []string
	for _, name := range names {
		if nodes[name].preDeploy {
			preDeploy = append(preDeploy, name)
			visit(name)
		}
	}
	for _, name := range names {
		if n := nodes[name]; !n.preDeploy && !needed[name] {
			for _, p := range preDeploy {
				n.deps[p] = strongest(n.deps[p], meta.ConditionCompleted)
			}
		}
	}
	for _, name := range names {
		n := nodes[name]
		for d, c := range n.deps {
			w, err := waitFor(nodes[d], c, name)
			if err != nil {
				return nil, nil, err
			}
			if w > nodes[d].wait {
				nodes[d].wait = w
			}
		}
		if n.preDeploy {
			n.wait = WaitComplete
		}
	}
	main, err = layer(nodes, names)
	return main, post, err
}

// layer turns the graph into steps, level by level (Kahn's algorithm).
func layer(nodes map[string]*node, names []string) ([]layerStep, error) {
	done := map[string]bool{}
	var steps []layerStep
	wave := 0
	for len(done) < len(names) {
		var level []*node
		for _, name := range names {
			if done[name] {
				continue
			}
			ready := true
			for d := range nodes[name].deps {
				ready = ready && done[d]
			}
			if ready {
				level = append(level, nodes[name])
			}
		}
		if len(level) == 0 {
			return nil, cycleError(nodes, done)
		}
		groups := map[WaitKind][]*node{}
		var jobs []*node
		for _, n := range level {
			done[n.name] = true
			if n.preDeploy || n.post {
				jobs = append(jobs, n)
			} else {
				groups[n.wait] = append(groups[n.wait], n)
			}
		}
		for _, w := range []WaitKind{WaitNone, WaitReady, WaitComplete} {
			if len(groups[w]) == 0 {
				continue
			}
			wave++
			steps = append(steps, layerStep{groupStep(fmt.Sprintf("wave %d", wave), groups[w], w), groups[w]})
		}
		// Jobs of a level depend on nothing left to do, nor on each other:
		// they run side by side, as compose runs them.
		if len(jobs) > 0 {
			prefix := "job"
			if jobs[0].post {
				prefix = "post-deploy job"
			}
			steps = append(steps, layerStep{groupStep(prefix, jobs, WaitComplete), jobs})
		}
	}
	return steps, nil
}

func groupStep(prefix string, group []*node, w WaitKind) Step {
	s := Step{Wait: w}
	var names []string
	for _, n := range group {
		names = append(names, n.name)
		s.Objects = append(s.Objects, n.objects...)
	}
	sortObjects(s.Objects)
	s.Name = prefix + ": " + strings.Join(names, ", ")
	return s
}

// waitFor is what dependent needs of dep to meet condition c.
func waitFor(dep *node, c, dependent string) (WaitKind, error) {
	switch c {
	case meta.ConditionStarted:
		return WaitNone, nil
	case meta.ConditionHealthy:
		if dep.job {
			return WaitComplete, nil
		}
		return WaitReady, nil
	case meta.ConditionCompleted:
		if !dep.job {
			return 0, fmt.Errorf("service %s waits for %s to complete successfully, but %s is a %s, not a Job", dependent, dep.name, dep.name, dep.objects[0].GetKind())
		}
		return WaitComplete, nil
	}
	return 0, fmt.Errorf("service %s: unknown depends_on condition %q for %s", dependent, c, dep.name)
}

// dependsOn parses an object's meta.AnnotationDependsOn.
func dependsOn(o *unstructured.Unstructured) (map[string]string, error) {
	raw, ok := o.GetAnnotations()[meta.AnnotationDependsOn]
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var deps map[string]string
	if err := json.Unmarshal([]byte(raw), &deps); err != nil {
		return nil, fmt.Errorf("%s %s: annotation %s: want JSON like {\"db\":%q}: %w", o.GetKind(), o.GetName(), meta.AnnotationDependsOn, meta.ConditionHealthy, err)
	}
	for d, c := range deps {
		switch c {
		case meta.ConditionStarted, meta.ConditionHealthy, meta.ConditionCompleted:
		default:
			return nil, fmt.Errorf("%s %s: depends on %s with unknown condition %q", o.GetKind(), o.GetName(), d, c)
		}
	}
	return deps, nil
}

// strongest returns the condition that asks more of the dependency.
func strongest(a, b string) string {
	rank := func(c string) int {
		switch c {
		case meta.ConditionStarted:
			return 1
		case meta.ConditionHealthy:
			return 2
		case meta.ConditionCompleted:
			return 3
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// cycleError names a depends_on cycle among the nodes not done.
func cycleError(nodes map[string]*node, done map[string]bool) error {
	var start string
	for _, name := range slices.Sorted(maps.Keys(nodes)) {
		if !done[name] {
			start = name
			break
		}
	}
	// Every node left has a dependency left: walk until a node repeats.
	seen := map[string]int{}
	var path []string
	for cur := start; ; {
		if i, ok := seen[cur]; ok {
			return fmt.Errorf("depends_on cycle: %s", strings.Join(append(path[i:], cur), " → "))
		}
		seen[cur] = len(path)
		path = append(path, cur)
		for _, d := range slices.Sorted(maps.Keys(nodes[cur].deps)) {
			if !done[d] {
				cur = d
				break
			}
		}
	}
}

// kindRank orders objects within a step: the order kubectl applies kinds.
func kindRank(kind string) int {
	order := []string{"Namespace", "ResourceQuota", "LimitRange", "ServiceAccount", "Secret", "ConfigMap",
		"PersistentVolumeClaim", "Role", "RoleBinding", "Service", "DaemonSet", "StatefulSet", "Deployment",
		"ReplicaSet", "Pod", "Job", "CronJob"}
	for i, k := range order {
		if k == kind {
			return i
		}
	}
	return len(order)
}

func sortObjects(objs []*unstructured.Unstructured) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if ra, rb := kindRank(a.GetKind()), kindRank(b.GetKind()); ra != rb {
			return ra < rb
		}
		if a.GetKind() != b.GetKind() {
			return a.GetKind() < b.GetKind()
		}
		if a.GetNamespace() != b.GetNamespace() {
			return a.GetNamespace() < b.GetNamespace()
		}
		return a.GetName() < b.GetName()
	})
}
