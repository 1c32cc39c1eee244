package logs

import "strings"

// namer gives the pods of one workload short names: the shortest run of
// trailing dash-separated parts of the pod's name (the workload's name cut
// off) that no other pod of it has, e.g. the ReplicaSet pod's random tail.
// A name, once given, stays while its pod does.
type namer struct {
	trim  string // the workload's name and a dash
	byPod map[string]string
	taken map[string]bool
}

func newNamer(workload string) *namer {
	return &namer{trim: workload + "-", byPod: map[string]string{}, taken: map[string]bool{}}
}

// name returns pod's short name, giving it one if it has none yet.
func (n *namer) name(pod string) string {
	if s, ok := n.byPod[pod]; ok {
		return s
	}
	rest := strings.TrimPrefix(pod, n.trim)
	parts := strings.Split(rest, "-")
	s := pod
	for k := 1; k <= len(parts); k++ {
		if c := strings.Join(parts[len(parts)-k:], "-"); !n.taken[c] {
			s = c
			break
		}
	}
	n.byPod[pod], n.taken[s] = s, true
	return s
}

// forget frees the name of a pod that is gone.
func (n *namer) forget(pod string) {
	if s, ok := n.byPod[pod]; ok {
		delete(n.byPod, pod)
		delete(n.taken, s)
	}
}
