package render

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/k8s"
)

// PodColumns are the pod lines of the detail view.
func PodColumns() []Column {
	return []Column{
		{Title: "POD", Name: true, Flex: true, Min: 20, Want: 30, Max: 48},
		{Title: "STATUS", Max: 26},
		{Title: "READY"},
		{Title: "RESTARTS", Drop: 3, Right: true},
		{Title: "NODE", Drop: 4, Max: 24},
		{Title: "CAPACITY", Drop: 2},
		{Title: "AGE", Right: true, Drop: 1},
		{Title: "MESSAGE", Flex: true, Min: 10, Drop: 5},
	}
}

// PodRow renders a pod; capacity is that of its node, "?" when nodes
// cannot be read.
func PodRow(p k8s.Pod, capacity string, c *Clock) Row {
	restarts := fmt.Sprint(p.Restarts)
	if p.Restarts > 0 && p.LastTermination != "" {
		restarts += " (" + p.LastTermination + ")"
	}
	if p.Node == "" {
		capacity = "-"
	}
	return Row{Cells: []string{
		p.Name, p.Status(), fmt.Sprintf("%d/%d", p.Ready, p.Total), restarts,
		orDash(p.Node), capacity, c.Since(p.Created), OneLine(p.Message),
	}, Kind: PodKind(p), Keep: podSuffix(p)}
}

// CapacityLabel names a capacity type for the CAPACITY column.
func CapacityLabel(c k8s.CapacityType) string {
	if c == k8s.CapacityUnknown {
		return "-"
	}
	return string(c)
}

// CapacityOf is the CAPACITY of a pod on node in s: its node's capacity
// label, "?" when nodes cannot be read.
func CapacityOf(s *k8s.Snapshot, node string) string {
	if s.Resources[k8s.ResourceNodes].Err != "" {
		return "?"
	}
	return CapacityLabel(s.NodeCapacity(node))
}

// PodKind styles a pod by its health.
func PodKind(p k8s.Pod) Kind {
	switch {
	case p.Deleting:
		return KindDim
	case k8s.IsFailureReason(p.Reason) || p.Phase == "Failed":
		return KindBad
	case p.Phase == "Succeeded":
		return KindDim
	case p.Phase == "Running" && p.Ready == p.Total:
		return KindGood
	}
	return KindWarn
}

// podSuffix is what the controller appended to its name to name the pod
// ("-7d9c4-x2x9p", "-0"), or "" when the pod is not named after its owner.
func podSuffix(p k8s.Pod) string {
	if p.OwnerName == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(p.Name, p.OwnerName); ok && strings.HasPrefix(rest, "-") {
		return rest
	}
	return ""
}
