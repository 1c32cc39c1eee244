package cost

import (
	"sort"

	"github.com/berth-dev/berth/k8s"
)

// NodeType is what a node's price depends on: instance type, spot or not
// (a node without a capacity-type label counts as on-demand) and region.
type NodeType struct {
	InstanceType string
	Spot         bool
	Region       string // "" when the node has no region label: the table's
}

// Share is what an environment's pods hold of the nodes of one type.
type Share struct {
	NodeType
	Nodes float64 // Σ pod shares (see the package rule): nodes' worth held
	Pods  int
}

// Usage is what an environment holds, independent of prices: its pods'
// shares of their nodes by node type, and its storage.
type Usage struct {
	Shares []Share // sorted by instance type, spot last, region
	// Unsized counts running pods whose node has no instance type or no
	// allocatable resources: no share can be priced for them.
	Unsized      int
	StorageBytes int64 // requested persistent volume storage
	// Unknown is set when the env's pods could not be read: no figure.
	Unknown bool
}

// Pods is the number of pods counted in u.
func (u Usage) Pods() int {
	n := u.Unsized
	for _, s := range u.Shares {
		n += s.Pods
	}
	return n
}

// Counts reports whether a pod is placed and not finished: it holds its
// share of its node.
func Counts(p k8s.Pod) bool {
	return p.Node != "" && p.Phase != "Succeeded" && p.Phase != "Failed"
}

// ShareOf is the share of node n that requests (cpu millicores, memory
// bytes) hold: the larger of the cpu and memory fractions; false when the
// node says nothing of its allocatable resources.
func ShareOf(cpu, memory int64, n k8s.Node) (float64, bool) {
	if n.AllocatableCPU <= 0 && n.AllocatableMemory <= 0 {
		return 0, false
	}
	var share float64
	if n.AllocatableCPU > 0 {
		share = float64(cpu) / float64(n.AllocatableCPU)
	}
	if n.AllocatableMemory > 0 {
		share = max(share, float64(memory)/float64(n.AllocatableMemory))
	}
	return share, true
}

// TypeOf is the price-relevant type of node n.
func TypeOf(n k8s.Node) NodeType {
	return NodeType{InstanceType: n.InstanceType, Spot: n.Capacity == k8s.CapacitySpot, Region: n.Region}
}

// UsageOf adds up the pods' shares of the nodes they run on (nodes by
// name) and the storage.
func UsageOf(pods []k8s.Pod, nodes map[string]k8s.Node, storageBytes int64) Usage {
	u := Usage{StorageBytes: storageBytes}
	by := map[NodeType]*Share{}
	for _, p := range pods {
		if !Counts(p) {
			continue
		}
		n, ok := nodes[p.Node]
		share, sized := ShareOf(p.CPURequest, p.MemoryRequest, n)
		if !ok || !sized || n.InstanceType == "" {
			u.Unsized++
			continue
		}
		t := TypeOf(n)
		s := by[t]
		if s == nil {
			s = &Share{NodeType: t}
			by[t] = s
		}
		s.Nodes += share
		s.Pods++
	}
	for _, s := range by {
		u.Shares = append(u.Shares, *s)
	}
	sortShares(u.Shares)
	return u
}

func sortShares(s []Share) {
	sort.Slice(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.InstanceType != b.InstanceType {
			return a.InstanceType < b.InstanceType
		}
		if a.Spot != b.Spot {
			return !a.Spot
		}
		return a.Region < b.Region
	})
}
