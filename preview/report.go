package preview

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/status"
)

// State is a preview's state as the comment and the deployment show it.
type State string

// Preview states and the deployment status state each one sets.
const (
	StateDeploying State = "deploying" // in_progress
	StateReady     State = "ready"     // success
	StateFailed    State = "failed"    // failure
	StateDeleted   State = "deleted"   // inactive
)

// maxLogTail is how many lines of a failure's details the comment shows.
const maxLogTail = 40

// Report is what a comment and a deployment status say about an env.
type Report struct {
	Env      envs.Env
	State    State
	Services []Service    // sorted by name; none when the cluster could not be read
	URLs     []status.URL // the env's URLs, sorted by service
	// Reason is why the deploy failed, one line (lifecycle.ErrorReason).
	Reason string
	// LogTail is the failure's details: pod statuses, warning events and
	// the last log lines of what failed (rollout's UpError), at most 40.
	LogTail []string
	// Cost is the env's estimated cost, e.g. "$1.20/day"; "" when unknown
	// (berth does not estimate costs yet; the comment then leaves it out).
	Cost string
	// Redeploy is the command that deploys the env again.
	Redeploy string
	At       time.Time // when the report was made
}

// Service is one compose service of the env: a workload or a Job.
type Service struct {
	Name   string
	Kind   string // Deployment, StatefulSet, DaemonSet or Job
	Object string // Kind/name, e.g. Job/migrate-602b52ac
	Ready  string // "2/2"; a Job's succeeded/completions
	Status string // status.Rollout's words ("Complete", "Progressing: …", "Failed: …"); a Job's result
	OK     bool   // rolled out, or the Job complete
	Failed bool   // will not heal by waiting: deadline exceeded, Job failed, a pod failing (CrashLoopBackOff, ErrImagePull, …)
	Images []string
	// Digests are the running images' digests (sha256:…), by image, when
	// the pods report them.
	Digests map[string]string
}

// NewReport is the report of an up of env that ended with err (nil:
// ready): the reason and the failure's details from err, the services
// from the cluster when services is not nil.
func NewReport(env envs.Env, urls []status.URL, services []Service, err error, at time.Time) Report {
	r := Report{Env: env, State: StateReady, Services: services, URLs: urls, Redeploy: lifecycle.RedeployCommand(env), At: at}
	if err == nil {
		return r
	}
	r.State, r.Reason = StateFailed, lifecycle.ErrorReason(err)
	var upErr *rollout.UpError
	if errors.As(err, &upErr) {
		r.LogTail = upErr.Details[max(0, len(upErr.Details)-maxLogTail):]
	}
	return r
}

// Services reads the env's services from the cluster: every Deployment,
// StatefulSet, DaemonSet and Job in namespace ns, named by its compose
// service (meta.LabelService), with its readiness and images, and the
// digests its pods run.
func Services(ctx context.Context, cs kube.Interface, ns string) ([]Service, error) {
	opts := metav1.ListOptions{}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	digests, problems := digestsByService(pods.Items), podProblems(pods.Items)
	var out []Service
	add := func(labels map[string]string, name, kind string, spec corev1.PodSpec, w *k8s.Workload, j *k8s.Job) {
		svc := serviceName(labels, name)
		s := Service{Name: svc, Kind: kind, Object: kind + "/" + name, Digests: map[string]string{}}
		for _, c := range spec.Containers {
			s.Images = append(s.Images, c.Image)
			if d := digests[svc][c.Image]; d != "" {
				s.Digests[c.Image] = d
			}
		}
		switch {
		case w != nil:
			state, reason := status.Rollout(*w)
			s.Ready = fmt.Sprintf("%d/%d", w.Ready, w.Desired)
			s.Status, s.OK, s.Failed = string(state), state == status.RolloutComplete, state == status.RolloutFailed
			if reason != "" && !s.OK {
				s.Status += ": " + reason
			}
		case j != nil:
			s.Ready = fmt.Sprintf("%d/%d", j.Succeeded, j.Completions)
			s.Status, s.OK, s.Failed = string(j.Result), j.Result == k8s.JobComplete, j.Result == k8s.JobFailed
			if j.Result == k8s.JobFailed && j.Reason != "" {
				s.Status += ": " + j.Reason
			}
		}
		if p := problems[svc]; p != "" && !s.OK {
			s.Status += " (" + p + ")"
			s.Failed = true
		}
		out = append(out, s)
	}
	deps, err := cs.AppsV1().Deployments(ns).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list deployments in %s: %w", ns, err)
	}
	for i := range deps.Items {
		d := &deps.Items[i]
		w := k8s.DeploymentFrom(d)
		add(d.Labels, d.Name, "Deployment", d.Spec.Template.Spec, &w, nil)
	}
	sts, err := cs.AppsV1().StatefulSets(ns).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list statefulsets in %s: %w", ns, err)
	}
	for i := range sts.Items {
		s := &sts.Items[i]
		w := k8s.StatefulSetFrom(s)
		add(s.Labels, s.Name, "StatefulSet", s.Spec.Template.Spec, &w, nil)
	}
	dss, err := cs.AppsV1().DaemonSets(ns).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list daemonsets in %s: %w", ns, err)
	}
	for i := range dss.Items {
		d := &dss.Items[i]
		w := k8s.DaemonSetFrom(d)
		add(d.Labels, d.Name, "DaemonSet", d.Spec.Template.Spec, &w, nil)
	}
	jobs, err := cs.BatchV1().Jobs(ns).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list jobs in %s: %w", ns, err)
	}
	for i := range jobs.Items {
		j := &jobs.Items[i]
		job := k8s.JobFrom(j)
		add(j.Labels, j.Name, "Job", j.Spec.Template.Spec, nil, &job)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

// serviceName is an object's compose service: meta.LabelService, else its
// name.
func serviceName(labels map[string]string, name string) string {
	if s := labels[meta.LabelService]; s != "" {
		return s
	}
	return name
}

// podProblems maps service → the first failure reason among its pods
// (k8s.IsFailureReason: CrashLoopBackOff, ErrImagePull, …).
func podProblems(pods []corev1.Pod) map[string]string {
	out := map[string]string{}
	for i := range pods {
		p := k8s.PodFrom(&pods[i])
		svc := pods[i].Labels[meta.LabelService]
		if svc != "" && out[svc] == "" && !p.Deleting && k8s.IsFailureReason(p.Reason) {
			out[svc] = p.Name + ": " + p.Reason
		}
	}
	return out
}

// digestsByService maps service → image → the digest its pods run (from
// containerStatuses' imageID, e.g. docker-pullable://repo@sha256:…).
func digestsByService(pods []corev1.Pod) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, p := range pods {
		svc := p.Labels[meta.LabelService]
		if svc == "" {
			continue
		}
		images := map[string]string{}
		for _, c := range p.Spec.Containers {
			images[c.Name] = c.Image
		}
		for _, cs := range p.Status.ContainerStatuses {
			_, digest, ok := strings.Cut(cs.ImageID, "@")
			if !ok || !strings.HasPrefix(digest, "sha256:") || images[cs.Name] == "" {
				continue
			}
			if out[svc] == nil {
				out[svc] = map[string]string{}
			}
			out[svc][images[cs.Name]] = digest
		}
	}
	return out
}
