// Package tui is berth's terminal UI: a root model routing between views
// (environments, environment detail, logs, events, spin-up progress, help)
// over snapshots from a k8s.Watcher. Views read a narrow viewCtx and return
// messages; only the root changes shared state. Rows are rendered by the pure
// functions of package render; all cluster work runs in tea.Cmds, off the UI
// goroutine.
package tui

import (
	"context"
	"time"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
)

// Cluster is the live data the TUI shows. *k8s.Watcher implements it.
type Cluster interface {
	// Snapshot returns the latest snapshot; never nil.
	Snapshot() *k8s.Snapshot
	// Changes ticks after each coalesced burst of changes.
	Changes() <-chan struct{}
	// OpenEvents watches the events of one namespace ("" for none).
	OpenEvents(namespace string)
	// Logs streams a container's log lines until ctx is cancelled.
	Logs(ctx context.Context, o k8s.LogOptions, line func(string)) error
}

// Actions change the cluster. Any method may return ErrNotAvailable.
type Actions interface {
	// Up deploys the current branch, reporting each step, and returns the
	// namespace of the environment.
	Up(ctx context.Context, progress func(UpEvent)) (namespace string, err error)
	// Down deletes the environment in namespace ns.
	Down(ctx context.Context, ns string) error
	// Sleep scales the environment to zero; Wake restores it.
	Sleep(ctx context.Context, ns string) error
	Wake(ctx context.Context, ns string) error
	// Restart rolls every workload of the environment (rollout restart).
	Restart(ctx context.Context, ns string) error
}

// ErrNotAvailable is returned by actions that are not wired yet.
const ErrNotAvailable = notAvailableError("not available yet")

type notAvailableError string

func (e notAvailableError) Error() string { return string(e) }

// StepState is the state of one spin-up step.
type StepState string

// Step states.
const (
	StepRunning StepState = "running"
	StepDone    StepState = "done"
	StepFailed  StepState = "failed"
	StepSkipped StepState = "skipped"
)

// UpEvent reports progress of one step of `berth up` (namespace, secrets,
// migrations, rollouts, …). Events for the same Step update its line.
type UpEvent struct {
	Step   string
	State  StepState
	Detail string
	Time   time.Time
	// Output marks Detail as a line of the step's output (an image
	// build's): the last lines show under the step while it runs.
	Output bool
}

// Config sets up the UI.
type Config struct {
	Cluster Cluster
	// Logs streams a workload's merged logs (l on a rollout); nil: l opens
	// the rollout's first pod's log.
	Logs    WorkloadLogs
	Actions Actions // nil: mutating keys say "not available yet"
	// Forwarder runs the port-forwards of f; nil: f says not available.
	Forwarder Forwarder
	// Shell is the x key's session; nil: x says "not available yet".
	Shell ShellFunc

	Context string // kubeconfig context, shown in the header
	Project string // the project of the working directory; "" shows all
	Branch  string // the checked-out git branch; "" if none
	// Scope, when set, gives Project, Branch and the app's Prices later
	// (cmd/berth loads the app there): the first frame does not wait for
	// it, the environments show as loading until it answers. An error ends
	// the UI with it.
	Scope func() (Scope, error)

	// Now is the clock; default time.Now.
	Now func() time.Time
	// Tick is the shortest gap between redraws made because text on
	// screen went stale (ages); they happen only when a shown age ticks
	// over. 0 disables them (tests).
	Tick time.Duration
	// ActionTimeout bounds one action; default 10 minutes.
	ActionTimeout time.Duration
	// Open opens an env's URL (key o); default PlatformOpener.
	Open Opener
	// Prices price each env (COST/DAY, the env header); zero: no costs.
	Prices cost.Table
}

// Scope is what Config.Scope answers: the app of the working directory.
type Scope struct {
	Project, Branch string
	Prices          cost.Table // zero: keep Config.Prices
}
