package k8s

import (
	"time"
)

// Snapshot is an immutable, consistent-enough copy of what a Watcher has
// seen: plain structs, safe to read from any goroutine. Callers must not
// modify it; a new Snapshot replaces it after every coalesced change.
type Snapshot struct {
	Taken      time.Time
	Namespaces []Namespace           // namespaces matching the namespace selector, by name
	Workloads  map[string][]Workload // by namespace; sorted by kind, then name
	Jobs       map[string][]Job      // by namespace; sorted by name
	Pods       map[string][]Pod      // by namespace; sorted by name
	Nodes      map[string]Node       // by node name
	Resources  map[Resource]ResourceState
	Connection Connection

	// Mode is how the watcher reads the cluster: "" until it knows,
	// ModeClusterWide, or ModeNamespaced (informers per berth namespace,
	// under a developer's narrow grant: "envs only").
	Mode AccessMode
	// NoAccess holds, in ModeNamespaced, the namespaces whose objects the
	// caller may not read (no RoleBinding there), each with the refusal.
	NoAccess map[string]string

	// EventsNamespace is the namespace whose events are watched ("" for none);
	// Events holds them, newest first.
	EventsNamespace string
	Events          []Event
}

// Resource names one watched kind of object.
type Resource string

// The resources a Watcher watches, one per entry of Kinds.
const (
	ResourceNamespaces   Resource = "namespaces"
	ResourcePods         Resource = "pods"
	ResourceDeployments  Resource = "deployments"
	ResourceStatefulSets Resource = "statefulsets"
	ResourceDaemonSets   Resource = "daemonsets"
	ResourceJobs         Resource = "jobs"
	ResourceNodes        Resource = "nodes"
	ResourceEvents       Resource = "events"
)

// ResourceState is how watching one resource goes.
type ResourceState struct {
	Synced    bool   // the initial list has been delivered
	Forbidden bool   // RBAC denied list or watch
	Err       string // last list/watch error, "" once a list or watch succeeds again
}

// Connection is the state of the link to the API server.
type Connection struct {
	Connected bool
	Since     time.Time // when the current state began
	Err       string    // the error that broke the connection
}

// Namespace is one namespace with its metadata.
type Namespace struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Created     time.Time
	Terminating bool // deletion requested or phase Terminating
}

// Condition is a status condition of a workload or job.
type Condition struct {
	Type           string
	Status         string // "True", "False" or "Unknown"
	Reason         string
	Message        string
	LastTransition time.Time
}

// Workload is a Deployment, StatefulSet or DaemonSet with its rollout counts.
type Workload struct {
	Kind        string // "Deployment", "StatefulSet" or "DaemonSet"
	Namespace   string
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Created     time.Time

	Desired   int32 // spec.replicas, or desired scheduled for a DaemonSet
	Current   int32 // pods that exist
	Updated   int32 // pods at the current revision
	Ready     int32
	Available int32

	Generation         int64
	ObservedGeneration int64
	Paused             bool
	Conditions         []Condition
	// Images are the pod template's images, init containers first.
	Images []string
}

// Condition returns the condition of the given type and whether it exists.
func (w Workload) Condition(t string) (Condition, bool) {
	return findCondition(w.Conditions, t)
}

// JobResult is the outcome of a Job.
type JobResult string

// Job results.
const (
	JobRunning   JobResult = "Running"
	JobComplete  JobResult = "Complete"
	JobFailed    JobResult = "Failed"
	JobSuspended JobResult = "Suspended"
)

// Job is a batch Job with its progress and result.
type Job struct {
	Namespace   string
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Created     time.Time

	Completions int32 // wanted successful pods
	Active      int32
	Succeeded   int32
	Failed      int32
	Start       time.Time // zero until started
	Completion  time.Time // zero until complete
	Result      JobResult
	Reason      string // reason of the Failed condition
	Message     string
	Conditions  []Condition
	// Images are the pod template's images, init containers first.
	Images []string
}

// Duration is how long the job ran: until completion, or until now.
func (j Job) Duration(now time.Time) time.Duration {
	switch {
	case j.Start.IsZero():
		return 0
	case !j.Completion.IsZero():
		return j.Completion.Sub(j.Start)
	case j.Result == JobFailed:
		if c, ok := findCondition(j.Conditions, "Failed"); ok && !c.LastTransition.IsZero() {
			return c.LastTransition.Sub(j.Start)
		}
	}
	return now.Sub(j.Start)
}

// Pod is a pod with a kubectl-style status.
type Pod struct {
	Namespace string
	Name      string
	Labels    map[string]string
	Created   time.Time

	// OwnerKind/OwnerName name the controller: a Deployment (resolved through
	// its ReplicaSet), StatefulSet, DaemonSet or Job; empty for bare pods.
	OwnerKind string
	OwnerName string

	Phase    string // Pending, Running, Succeeded, Failed, Unknown
	Reason   string // what kubectl shows in STATUS when it differs from Phase (CrashLoopBackOff, ErrImagePull, Unschedulable, OOMKilled, Completed, Terminating…)
	Message  string // detail for Reason, e.g. the scheduler's message
	Ready    int    // ready containers
	Total    int    // containers
	Restarts int32
	// LastTermination is the reason the last restarted container died (e.g. OOMKilled).
	LastTermination string
	Node            string
	Containers      []string
	InitContainers  []string
	Deleting        bool

	// CPURequest (millicores) and MemoryRequest (bytes) are what the pod
	// asks of its node, as the scheduler counts it: the larger of its
	// containers' sum and its largest init container, plus its overhead.
	CPURequest, MemoryRequest int64
}

// Status is what a STATUS column shows: Reason if set, else Phase.
func (p Pod) Status() string {
	if p.Reason != "" {
		return p.Reason
	}
	return p.Phase
}

// Serving reports whether the pod runs with all its containers Ready and
// is not being deleted: a pod a client can be sent to.
func (p Pod) Serving() bool {
	return !p.Deleting && p.Phase == "Running" && p.Total > 0 && p.Ready == p.Total
}

// Event is a core/v1 Event.
type Event struct {
	Namespace string
	Type      string // Normal or Warning
	Reason    string
	Message   string
	Object    string // Kind/name of the involved object
	Count     int32
	First     time.Time
	Last      time.Time
}

// CapacityType says whether a node is spot or on-demand capacity.
type CapacityType string

// Capacity types; CapacityUnknown when the node carries no known label.
const (
	CapacityUnknown  CapacityType = ""
	CapacitySpot     CapacityType = "spot"
	CapacityOnDemand CapacityType = "on-demand"
)

// Node is a node's identity and capacity type.
type Node struct {
	Name          string
	Capacity      CapacityType
	Ready         bool
	Unschedulable bool
	Zone          string
	InstanceType  string
	Taints        []string // keys of the node's taints

	Region string // topology.kubernetes.io/region
	// AllocatableCPU (millicores) and AllocatableMemory (bytes) are what
	// pods may request of the node; 0 when the node does not say.
	AllocatableCPU, AllocatableMemory int64
}

// Namespace returns the namespace with the given name.
func (s *Snapshot) Namespace(name string) (Namespace, bool) {
	if s == nil {
		return Namespace{}, false
	}
	lo, hi := 0, len(s.Namespaces)
	for lo < hi {
		m := (lo + hi) / 2
		if s.Namespaces[m].Name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.Namespaces) && s.Namespaces[lo].Name == name {
		return s.Namespaces[lo], true
	}
	return Namespace{}, false
}

// Denied reports whether reading the objects of namespace ns was refused
// (ModeNamespaced), and the refusal.
func (s *Snapshot) Denied(ns string) (string, bool) {
	if s == nil {
		return "", false
	}
	why, ok := s.NoAccess[ns]
	return why, ok
}

// PodsIn returns the pods of a namespace.
func (s *Snapshot) PodsIn(ns string) []Pod {
	if s == nil {
		return nil
	}
	return s.Pods[ns]
}

// WorkloadsIn returns the workloads of a namespace.
func (s *Snapshot) WorkloadsIn(ns string) []Workload {
	if s == nil {
		return nil
	}
	return s.Workloads[ns]
}

// JobsIn returns the jobs of a namespace.
func (s *Snapshot) JobsIn(ns string) []Job {
	if s == nil {
		return nil
	}
	return s.Jobs[ns]
}

// NodeCapacity returns the capacity type of the named node.
func (s *Snapshot) NodeCapacity(node string) CapacityType {
	if s == nil || node == "" {
		return CapacityUnknown
	}
	return s.Nodes[node].Capacity
}

// Errors returns the resources that currently fail, in a stable order.
func (s *Snapshot) Errors() []Resource {
	if s == nil {
		return nil
	}
	var out []Resource
	for _, r := range AllResources() {
		if st, ok := s.Resources[r]; ok && st.Err != "" {
			out = append(out, r)
		}
	}
	return out
}

// AllResources lists the watched resources in display order (Kinds).
func AllResources() []Resource {
	kinds := Kinds()
	out := make([]Resource, len(kinds))
	for i, k := range kinds {
		out[i] = k.Resource
	}
	return out
}

func findCondition(cs []Condition, t string) (Condition, bool) {
	for _, c := range cs {
		if c.Type == t {
			return c, true
		}
	}
	return Condition{}, false
}
