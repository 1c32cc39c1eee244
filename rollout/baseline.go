package rollout

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/meta"
)

// ReadBaseline reads what changed mode compares and points at in the
// baseline namespace ns: its workloads and Jobs (fingerprints), Services
// and, for headless ones, EndpointSlices. It only gets and lists: berth
// never writes to a baseline. ns must be a berth environment (its
// workloads carry fingerprints).
func ReadBaseline(ctx context.Context, cs kubernetes.Interface, ns string) (Baseline, error) {
	n, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return Baseline{}, fmt.Errorf("baseline %s: no such namespace (deploy the baseline first, e.g. berth up on its branch)", ns)
	case err != nil:
		return Baseline{}, fmt.Errorf("baseline %s: %w", ns, err)
	case n.Labels[meta.LabelManagedBy] != meta.ManagedByBerth:
		return Baseline{}, fmt.Errorf("baseline %s is not a berth environment (no %s=%s): its services have no fingerprints to compare", ns, meta.LabelManagedBy, meta.ManagedByBerth)
	}
	b := Baseline{Namespace: ns, Workloads: map[string][]BaselineWorkload{}, Services: map[string]BaselineService{}}
	add := func(m metav1.ObjectMeta, kind string, spec *corev1.PodSpec, stateful bool) {
		name := m.Name
		if base := m.Annotations[meta.AnnotationJobName]; base != "" {
			name = base
		}
		for _, v := range spec.Volumes {
			stateful = stateful || v.PersistentVolumeClaim != nil
		}
		svc := m.Labels[meta.LabelService]
		b.Workloads[svc] = append(b.Workloads[svc], BaselineWorkload{Kind: kind, Name: name, Fingerprint: m.Annotations[meta.AnnotationFingerprint], Stateful: stateful})
	}
	apps, batch := cs.AppsV1(), cs.BatchV1()
	lo := metav1.ListOptions{}
	deps, err := apps.Deployments(ns).List(ctx, lo)
	if err != nil {
		return Baseline{}, fmt.Errorf("baseline %s: list deployments: %w", ns, err)
	}
	for _, d := range deps.Items {
		add(d.ObjectMeta, "Deployment", &d.Spec.Template.Spec, false)
	}
	sts, err := apps.StatefulSets(ns).List(ctx, lo)
	if err != nil {
		return Baseline{}, fmt.Errorf("baseline %s: list statefulsets: %w", ns, err)
	}
	for _, s := range sts.Items {
		add(s.ObjectMeta, "StatefulSet", &s.Spec.Template.Spec, true)
	}
	dss, err := apps.DaemonSets(ns).List(ctx, lo)
	if err != nil {
		return Baseline{}, fmt.Errorf("baseline %s: list daemonsets: %w", ns, err)
	}
	for _, d := range dss.Items {
		add(d.ObjectMeta, "DaemonSet", &d.Spec.Template.Spec, false)
	}
	jobs, err := batch.Jobs(ns).List(ctx, lo)
	if err != nil {
		return Baseline{}, fmt.Errorf("baseline %s: list jobs: %w", ns, err)
	}
	for _, j := range jobs.Items {
		add(j.ObjectMeta, "Job", &j.Spec.Template.Spec, false)
	}
	cjs, err := batch.CronJobs(ns).List(ctx, lo)
	if err != nil {
		return Baseline{}, fmt.Errorf("baseline %s: list cronjobs: %w", ns, err)
	}
	for _, j := range cjs.Items {
		add(j.ObjectMeta, "CronJob", &j.Spec.JobTemplate.Spec.Template.Spec, false)
	}
	if err := readServices(ctx, cs, &b); err != nil {
		return Baseline{}, err
	}
	return b, nil
}

// readServices adds the baseline's Services and, for the headless ones,
// their EndpointSlices' endpoints and ports.
func readServices(ctx context.Context, cs kubernetes.Interface, b *Baseline) error {
	svcs, err := cs.CoreV1().Services(b.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("baseline %s: list services: %w", b.Namespace, err)
	}
	for _, s := range svcs.Items {
		bs := BaselineService{Headless: s.Spec.ClusterIP == corev1.ClusterIPNone}
		for _, p := range s.Spec.Ports {
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&p)
			if err != nil {
				return err
			}
			bs.Ports = append(bs.Ports, m)
		}
		b.Services[s.Name] = bs
	}
	slices, err := cs.DiscoveryV1().EndpointSlices(b.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("baseline %s: list endpointslices: %w", b.Namespace, err)
	}
	for _, sl := range slices.Items {
		name := sl.Labels["kubernetes.io/service-name"]
		bs, ok := b.Services[name]
		if !ok || !bs.Headless {
			continue
		}
		bs.AddrType = string(sl.AddressType)
		for _, e := range sl.Endpoints {
			e.TargetRef, e.NodeName = nil, nil // in the baseline, not here
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&e)
			if err != nil {
				return err
			}
			bs.Endpoints = append(bs.Endpoints, m)
		}
		if bs.SlicePort == nil {
			for _, p := range sl.Ports {
				m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&p)
				if err != nil {
					return err
				}
				bs.SlicePort = append(bs.SlicePort, m)
			}
		}
		b.Services[name] = bs
	}
	return nil
}
