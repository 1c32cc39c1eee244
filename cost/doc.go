// Package cost prices an environment: what its pods hold of their nodes
// and its storage, at a price table's $/hour (berth.yaml pricing; Default
// for common EKS instance types).
//
// The rule: a pod holds the share of its node it keeps others from using,
// the larger of its cpu requests ÷ the node's allocatable cpu and its
// memory requests ÷ allocatable memory, and costs that share of the node's
// hourly price (spot or on-demand, from the node's capacity-type label).
// Only pods placed on a node and not finished count; a pod without
// requests costs nothing (berth's LimitRange gives dev pods requests).
// Storage costs its requested GiB at the per-GB-month price (730 hours a
// month). What spot saves is the same shares priced on-demand against
// what they cost.
//
// It is pure and imports only k8s, so status and tui/render can use it.
package cost
