package rollout

import (
	"context"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/meta"
)

// ReadBaseline reads what changed mode compares and points at in the
// baseline namespace ns: its workloads and Jobs (fingerprints), Services
// and, for headless ones, EndpointSlices. It only gets and lists: berth
// never writes to a baseline. ns must be a berth environment (its
// workloads carry fingerprints).
func ReadBaseline(ctx context.Context, cs kube.Interface, ns string) (Baseline, error) {
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
		b.Workloads[svc] = append(b.Workloads[svc], BaselineWorkload{Kind: kind, Name: name, Fingerprint: m.Annotations[meta.AnnotationFingerprint],
			SourcePrint: m.Annotations[meta.AnnotationSourcePrint], Stateful: stateful})
	}
	l, err := listBaseline(ctx, cs, ns)
	if err != nil {
		return Baseline{}, err
	}
	for _, d := range l.deployments.Items {
		add(d.ObjectMeta, "Deployment", &d.Spec.Template.Spec, false)
	}
	for _, s := range l.statefulSets.Items {
		add(s.ObjectMeta, "StatefulSet", &s.Spec.Template.Spec, true)
	}
	for _, d := range l.daemonSets.Items {
		add(d.ObjectMeta, "DaemonSet", &d.Spec.Template.Spec, false)
	}
	for _, j := range l.jobs.Items {
		add(j.ObjectMeta, "Job", &j.Spec.Template.Spec, false)
	}
	for _, j := range l.cronJobs.Items {
		add(j.ObjectMeta, "CronJob", &j.Spec.JobTemplate.Spec.Template.Spec, false)
	}
	if err := readServices(l, &b); err != nil {
		return Baseline{}, err
	}
	return b, nil
}

// baselineLists are the lists ReadBaseline reads in the baseline.
type baselineLists struct {
	deployments    *appsv1.DeploymentList
	statefulSets   *appsv1.StatefulSetList
	daemonSets     *appsv1.DaemonSetList
	jobs           *batchv1.JobList
	cronJobs       *batchv1.CronJobList
	services       *corev1.ServiceList
	endpointSlices *discoveryv1.EndpointSliceList
}

// listBaseline lists the baseline's workloads, Jobs, Services and
// EndpointSlices, all at once (seven round trips in the time of one); the
// first error in that order is returned.
func listBaseline(ctx context.Context, cs kube.Interface, ns string) (baselineLists, error) {
	var l baselineLists
	lo := metav1.ListOptions{}
	apps, batch := cs.AppsV1(), cs.BatchV1()
	lists := []struct {
		what string
		list func() error
	}{
		{"deployments", func() (err error) { l.deployments, err = apps.Deployments(ns).List(ctx, lo); return err }},
		{"statefulsets", func() (err error) { l.statefulSets, err = apps.StatefulSets(ns).List(ctx, lo); return err }},
		{"daemonsets", func() (err error) { l.daemonSets, err = apps.DaemonSets(ns).List(ctx, lo); return err }},
		{"jobs", func() (err error) { l.jobs, err = batch.Jobs(ns).List(ctx, lo); return err }},
		{"cronjobs", func() (err error) { l.cronJobs, err = batch.CronJobs(ns).List(ctx, lo); return err }},
		{"services", func() (err error) { l.services, err = cs.CoreV1().Services(ns).List(ctx, lo); return err }},
		{"endpointslices", func() (err error) {
			l.endpointSlices, err = cs.DiscoveryV1().EndpointSlices(ns).List(ctx, lo)
			return err
		}},
	}
	errs := make([]error, len(lists))
	var wg sync.WaitGroup
	for i, x := range lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = x.list()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return baselineLists{}, fmt.Errorf("baseline %s: list %s: %w", ns, lists[i].what, err)
		}
	}
	return l, nil
}

// readServices adds the baseline's Services and, for the headless ones,
// their EndpointSlices' endpoints and ports.
func readServices(l baselineLists, b *Baseline) error {
	for _, s := range l.services.Items {
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
	for _, sl := range l.endpointSlices.Items {
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
