package k8s

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/meta"
)

// Target is what a developer names with a compose service in an env: the
// workload running it and the selector of its pods. Port-forward, exec and
// logs all start from one.
type Target struct {
	Namespace string
	Service   string // the name the user gave
	Kind      string // Deployment, StatefulSet, DaemonSet or Job
	Name      string // the workload's name
	Selector  labels.Selector
	// Template is the workload's pod template spec: containers and ports
	// as the pods will have them.
	Template corev1.PodSpec
}

// String names the target like kubectl does: kind/name.
func (t Target) String() string { return strings.ToLower(t.Kind) + "/" + t.Name }

// ResolveTarget finds the workload of service in ns: the Deployment,
// StatefulSet, DaemonSet or Job named service or labelled with it as
// meta.LabelService (the converter's label; long names are hashed there).
// An unknown service is an error listing the services the env has.
func ResolveTarget(ctx context.Context, cs kube.Interface, ns, service string) (Target, error) {
	all, err := Targets(ctx, cs, ns)
	if err != nil {
		return Target{}, err
	}
	var found []Target
	var known []string
	for _, t := range all {
		known = append(known, t.Service)
		if t.Name == service || t.Service == service {
			t.Service = service
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		// A long-running workload wins over the Jobs of the same service.
		for _, t := range found {
			if t.Kind != "Job" {
				return t, nil
			}
		}
		return found[0], nil
	}
	sort.Strings(known)
	known = slices.Compact(known)
	if len(known) == 0 {
		return Target{}, fmt.Errorf("service %q not found: namespace %s has no workloads", service, ns)
	}
	return Target{}, fmt.Errorf("service %q not found in %s (services: %s)", service, ns, strings.Join(known, ", "))
}

// Targets lists every workload of ns (Deployments, StatefulSets,
// DaemonSets, then Jobs, each by name) as a Target whose Service is the
// compose service it runs: meta.LabelService, else its name.
func Targets(ctx context.Context, cs kube.Interface, ns string) ([]Target, error) {
	var all []Target
	add := func(kind string, m metav1.ObjectMeta, sel *metav1.LabelSelector, spec corev1.PodSpec) error {
		name := m.Labels[meta.LabelService]
		if name == "" {
			name = m.Name
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return fmt.Errorf("%s/%s: selector: %w", strings.ToLower(kind), m.Name, err)
		}
		all = append(all, Target{Namespace: ns, Service: name, Kind: kind, Name: m.Name, Selector: s, Template: spec})
		return nil
	}
	deps, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list deployments in %s: %w", ns, err)
	}
	for _, d := range deps.Items {
		if err := add("Deployment", d.ObjectMeta, d.Spec.Selector, d.Spec.Template.Spec); err != nil {
			return nil, err
		}
	}
	sts, err := cs.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list statefulsets in %s: %w", ns, err)
	}
	for _, s := range sts.Items {
		if err := add("StatefulSet", s.ObjectMeta, s.Spec.Selector, s.Spec.Template.Spec); err != nil {
			return nil, err
		}
	}
	dss, err := cs.AppsV1().DaemonSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list daemonsets in %s: %w", ns, err)
	}
	for _, d := range dss.Items {
		if err := add("DaemonSet", d.ObjectMeta, d.Spec.Selector, d.Spec.Template.Spec); err != nil {
			return nil, err
		}
	}
	jobs, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list jobs in %s: %w", ns, err)
	}
	for _, j := range jobs.Items {
		if err := add("Job", j.ObjectMeta, j.Spec.Selector, j.Spec.Template.Spec); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// Pods lists the target's pods, newest first.
func (t Target) Pods(ctx context.Context, cs kube.Interface) ([]corev1.Pod, error) {
	list, err := cs.CoreV1().Pods(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: t.Selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list pods of %s in %s: %w", t, t.Namespace, err)
	}
	pods := list.Items
	sort.SliceStable(pods, func(i, j int) bool {
		return pods[j].CreationTimestamp.Before(&pods[i].CreationTimestamp)
	})
	return pods, nil
}

// ReadyPod returns the newest pod that is Ready and not being deleted.
func ReadyPod(pods []corev1.Pod) (corev1.Pod, bool) {
	var best *corev1.Pod
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil || !podReady(p) {
			continue
		}
		if best == nil || best.CreationTimestamp.Before(&p.CreationTimestamp) {
			best = p
		}
	}
	if best == nil {
		return corev1.Pod{}, false
	}
	return *best, true
}

func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
