package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
)

// openFunc streams one container's log; k8s.StreamLogs but in tests.
type openFunc func(ctx context.Context, o k8s.LogOptions, line func(string)) error

// streamer holds what both modes share: the targets, their names and how
// a container's stream is opened.
type streamer struct {
	cs      kube.Interface
	targets []k8s.Target
	labels  []string // per target: its service in prefixes, "" for one target
	names   []*namer // per target
	o       Options
	open    openFunc
}

// Stream streams the logs of every container of the targets' pods to
// line, called from one goroutine, until ctx is cancelled or, without
// Follow, every container's log was read (pod by pod, oldest first, init
// containers first). Without Follow, a stream's error ends up in the
// returned error; containers that have not started (or, with Previous,
// have no previous instance) are Failed lines, or the error when no
// container had logs. With Follow, errors arrive as Failed lines and
// Stream returns nil once ctx is cancelled and every stream stopped.
func Stream(ctx context.Context, cs kube.Interface, targets []k8s.Target, o Options, line func(Line)) error {
	s, err := newStreamer(cs, targets, o)
	if err != nil {
		return err
	}
	if o.Follow {
		return s.follow(ctx, line)
	}
	return s.once(ctx, line)
}

func newStreamer(cs kube.Interface, targets []k8s.Target, o Options) (*streamer, error) {
	if len(targets) == 0 {
		return nil, errors.New("no workload to show the logs of")
	}
	if o.Follow && o.Previous {
		return nil, errors.New("previous logs are of a terminated container: they cannot be followed")
	}
	if err := checkContainer(targets, o.Container); err != nil {
		return nil, err
	}
	s := &streamer{cs: cs, targets: targets, o: o, labels: make([]string, len(targets)),
		open: func(ctx context.Context, lo k8s.LogOptions, line func(string)) error {
			return k8s.StreamLogs(ctx, cs, lo, line)
		}}
	seen := map[string]int{}
	for _, t := range targets {
		seen[t.Service]++
		s.names = append(s.names, newNamer(t.Name))
	}
	if len(targets) > 1 {
		for i, t := range targets {
			s.labels[i] = t.Service
			if seen[t.Service] > 1 {
				s.labels[i] = t.Name
			}
		}
	}
	return s, nil
}

// checkContainer fails when no target's pods have container c.
func checkContainer(targets []k8s.Target, c string) error {
	if c == "" {
		return nil
	}
	var have, svcs []string
	for _, t := range targets {
		for _, n := range specContainers(&t.Template, "") {
			if n == c {
				return nil
			}
			have = append(have, n)
		}
		svcs = append(svcs, t.Service)
	}
	slices.Sort(have)
	return fmt.Errorf("service %s has no container %q (containers: %s)", strings.Join(svcs, ", "), c, strings.Join(slices.Compact(have), ", "))
}

// specContainers names a pod spec's init containers then its containers,
// only the one named only if only is set.
func specContainers(spec *corev1.PodSpec, only string) []string {
	var out []string
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range cs {
			if only == "" || c.Name == only {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

// prefix is the short name of container c of pod, a pod of target ti.
func (s *streamer) prefix(ti int, pod, c string) string {
	p := s.names[ti].name(pod) + "/" + c
	if s.labels[ti] != "" {
		p = s.labels[ti] + "/" + p
	}
	return p
}

// logOptions is the request for container c of pod; tail applies to the
// containers there when streaming began, the others are read whole.
func (s *streamer) logOptions(pod *corev1.Pod, c string, tail bool) k8s.LogOptions {
	lo := k8s.LogOptions{Namespace: pod.Namespace, Pod: pod.Name, Container: c, Follow: s.o.Follow,
		Previous: s.o.Previous, Since: s.o.Since, Timestamps: s.o.Timestamps}
	if tail {
		lo.TailLines = s.o.Tail
	}
	return lo
}

// statusOf is the status of container c in pod, nil if it has none yet.
func statusOf(pod *corev1.Pod, c string) *corev1.ContainerStatus {
	for _, sts := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range sts {
			if sts[i].Name == c {
				return &sts[i]
			}
		}
	}
	return nil
}

// notReady says why container c of pod has no log to read yet (with
// previous: no previous instance), in the kubelet's words; nil if it has.
func notReady(pod *corev1.Pod, c string, previous bool) error {
	st := statusOf(pod, c)
	if previous {
		if st == nil || st.RestartCount == 0 && st.LastTerminationState.Terminated == nil {
			return fmt.Errorf("previous terminated container %q in pod %q not found", c, pod.Name)
		}
		return nil
	}
	if st != nil && (st.State.Running != nil || st.State.Terminated != nil) {
		return nil
	}
	reason := "PodInitializing"
	if st != nil && st.State.Waiting != nil && st.State.Waiting.Reason != "" {
		reason = st.State.Waiting.Reason
	}
	return fmt.Errorf("container %q in pod %q is waiting to start: %s", c, pod.Name, reason)
}

// once reads every container's log to its end, one after the other.
func (s *streamer) once(ctx context.Context, line func(Line)) error {
	var errs, skipped []error
	var notes []Line
	read, pods := 0, 0
	for ti, t := range s.targets {
		list, err := t.Pods(ctx, s.cs)
		if err != nil {
			errs = append(errs, fmt.Errorf("service %s: %w", t.Service, err))
			continue
		}
		slices.Reverse(list) // oldest first
		pods += len(list)
		for i := range list {
			p := &list[i]
			for _, c := range specContainers(&p.Spec, s.o.Container) {
				base := Line{Prefix: s.prefix(ti, p.Name, c), Pod: p.Name, Container: c}
				if err := notReady(p, c, s.o.Previous); err != nil {
					err = fmt.Errorf("service %s: %w", t.Service, err)
					skipped = append(skipped, err)
					base.Kind, base.Err = Failed, err
					notes = append(notes, base)
					continue
				}
				read++
				err := s.open(ctx, s.logOptions(p, c, true), func(text string) {
					l := base
					l.Text = text
					line(l)
				})
				if err != nil {
					errs = append(errs, fmt.Errorf("service %s, container %s: %w", t.Service, c, err))
				}
			}
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if pods == 0 && len(errs) == 0 {
		return fmt.Errorf("%s: no pods", s.describe())
	}
	if read == 0 {
		return errors.Join(append(errs, skipped...)...)
	}
	for _, n := range notes {
		line(n)
	}
	return errors.Join(errs...)
}

// describe names the targets: service web (deployment/web), ….
func (s *streamer) describe() string {
	var parts []string
	for _, t := range s.targets {
		parts = append(parts, fmt.Sprintf("service %s (%s)", t.Service, t))
	}
	return strings.Join(parts, ", ")
}
