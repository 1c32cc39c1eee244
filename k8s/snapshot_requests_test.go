package k8s

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func requests(cpu, memory string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)}}
}

// A pod's requests as the scheduler counts them: containers summed, the
// largest init container if larger, sidecars added, overhead on top.
func TestPodRequests(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	for _, c := range []struct {
		name        string
		spec        corev1.PodSpec
		cpu, memory int64
	}{
		{"containers add up", corev1.PodSpec{Containers: []corev1.Container{
			{Resources: requests("250m", "128Mi")}, {Resources: requests("500m", "256Mi")}}}, 750, 384 << 20},
		{"a larger init container wins", corev1.PodSpec{
			InitContainers: []corev1.Container{{Resources: requests("2", "64Mi")}},
			Containers:     []corev1.Container{{Resources: requests("250m", "128Mi")}}}, 2000, 128 << 20},
		{"sidecars run along", corev1.PodSpec{
			InitContainers: []corev1.Container{{RestartPolicy: &always, Resources: requests("100m", "32Mi")}},
			Containers:     []corev1.Container{{Resources: requests("250m", "128Mi")}}}, 350, 160 << 20},
		{"overhead on top", corev1.PodSpec{Overhead: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")},
			Containers: []corev1.Container{{Resources: requests("250m", "128Mi")}}}, 300, 128 << 20},
		{"none", corev1.PodSpec{Containers: []corev1.Container{{}}}, 0, 0},
	} {
		p := PodFrom(&corev1.Pod{Spec: c.spec})
		if p.CPURequest != c.cpu || p.MemoryRequest != c.memory {
			t.Errorf("%s: %dm, %d bytes; want %dm, %d", c.name, p.CPURequest, p.MemoryRequest, c.cpu, c.memory)
		}
	}
}

func TestNodeAllocatable(t *testing.T) {
	n := NodeFrom(&corev1.Node{Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("7910m"), corev1.ResourceMemory: resource.MustParse("30Gi")}}})
	if n.AllocatableCPU != 7910 || n.AllocatableMemory != 30<<30 {
		t.Errorf("allocatable %dm, %d bytes", n.AllocatableCPU, n.AllocatableMemory)
	}
}
