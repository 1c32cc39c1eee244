package shell

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
)

// Container is where a command runs: one container of one pod.
type Container struct {
	Namespace string
	Service   string // the compose service, when picked by one
	Pod       string
	Container string
}

// String names the container as errors and messages show it.
func (c Container) String() string {
	s := "pod " + c.Namespace + "/" + c.Pod
	if c.Container != "" {
		s += " container " + c.Container
	}
	if c.Service != "" {
		s = "service " + c.Service + " (" + s + ")"
	}
	return s
}

// defaultContainerAnnotation names the container kubectl exec and logs
// pick when none is given.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// Pick chooses where a command for service runs in the env ns: pod (empty:
// the newest Ready pod of the service's workload) and container (empty:
// the pod's kubectl default container, else its first).
func Pick(ctx context.Context, cs kube.Interface, ns, service, pod, container string) (Container, error) {
	t, err := k8s.ResolveTarget(ctx, cs, ns, service)
	if err != nil {
		return Container{}, err
	}
	pods, err := t.Pods(ctx, cs)
	if err != nil {
		return Container{}, err
	}
	var p corev1.Pod
	if pod != "" {
		i := slices.IndexFunc(pods, func(p corev1.Pod) bool { return p.Name == pod })
		if i < 0 {
			return Container{}, fmt.Errorf("pod %s is not a pod of service %s (%s) in %s (pods: %s)", pod, service, t, ns, podNames(pods))
		}
		p = pods[i]
		if p.Status.Phase != corev1.PodRunning {
			return Container{}, fmt.Errorf("pod %s of service %s is %s, not Running", pod, service, p.Status.Phase)
		}
	} else {
		var ok bool
		if p, ok = k8s.ReadyPod(pods); !ok {
			if len(pods) == 0 {
				return Container{}, fmt.Errorf("service %s (%s) in %s has no pods", service, t, ns)
			}
			return Container{}, fmt.Errorf("service %s (%s) in %s has no Ready pod (pods: %s)", service, t, ns, podNames(pods))
		}
	}
	c, err := pickContainer(p, container)
	if err != nil {
		return Container{}, fmt.Errorf("service %s: %w", service, err)
	}
	return Container{Namespace: ns, Service: service, Pod: p.Name, Container: c}, nil
}

// pickContainer is the container named name in p, or p's default one.
func pickContainer(p corev1.Pod, name string) (string, error) {
	var names []string
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("pod %s has no containers", p.Name)
	}
	if name != "" {
		if !slices.Contains(names, name) {
			return "", fmt.Errorf("pod %s has no container %q (containers: %s)", p.Name, name, strings.Join(names, ", "))
		}
		return name, nil
	}
	if d := p.Annotations[defaultContainerAnnotation]; slices.Contains(names, d) {
		return d, nil
	}
	return names[0], nil
}

func podNames(pods []corev1.Pod) string {
	if len(pods) == 0 {
		return "none"
	}
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = p.Name + " " + string(p.Status.Phase)
	}
	return strings.Join(names, ", ")
}
