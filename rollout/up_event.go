package rollout

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/status"
)

// UpPhase is what an Event reports.
type UpPhase string

// Up event phases.
const (
	UpStarted UpPhase = "started" // a step began
	UpApplied UpPhase = "applied" // an object was applied
	UpWaiting UpPhase = "waiting" // an object is not ready yet; Message says why
	UpReady   UpPhase = "ready"   // an object is ready / complete
	UpDone    UpPhase = "done"    // a step (or, with Step "done", the up) finished
	UpFailed  UpPhase = "failed"  // a step failed; Message holds the error
	UpPruned  UpPhase = "pruned"  // an object the app no longer has was deleted
	UpSkipped UpPhase = "skipped" // an object was left alone (not ours)
	UpRetry   UpPhase = "retry"   // a failed Job is deleted to run it again
)

// Event is one progress report of Up, printed as a line or as JSON.
type Event struct {
	Time    time.Time     `json:"time"`
	Elapsed time.Duration `json:"elapsedNs"`
	Step    string        `json:"step"`
	Object  string        `json:"object,omitempty"`
	Phase   UpPhase       `json:"phase"`
	Message string        `json:"message,omitempty"`
	// Shortfalls are why the preflight failed: what the app needs beyond
	// its quota.
	Shortfalls []Shortfall `json:"shortfalls,omitempty"`
	// Borrowing is, on the done event of step "baseline" (changed mode),
	// what the env deploys and what it borrows from the baseline.
	Borrowing *status.Borrowing `json:"borrowing,omitempty"`
}

// UpError is why an up stopped: the step and object, a one-line reason
// (CrashLoopBackOff, ErrImagePull, Unschedulable: <scheduler message>,
// ProgressDeadlineExceeded, job failed, timed out) and details (pod
// statuses, warning events, last log lines).
type UpError struct {
	Step    string
	Object  string
	Reason  string
	Details []string
	Err     error
}

func (e *UpError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "step %s", e.Step)
	if e.Object != "" {
		fmt.Fprintf(&b, ": %s", e.Object)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, "\n    %s", d)
	}
	return b.String()
}

func (e *UpError) Unwrap() error { return e.Err }

// NotifyReason is the error's account for a notification (lifecycle.UpMessage):
// step, object and the reason's first line, never the details, which can
// hold log lines and so secrets.
func (e *UpError) NotifyReason() string {
	s := "step " + e.Step
	if e.Object != "" {
		s += ": " + e.Object
	}
	reason, _, _ := strings.Cut(e.Reason, "\n")
	return s + ": " + reason
}

// NotReady reports that the environment failed to become ready (as opposed
// to bad input or an API error): the CLI exits with code 3 for it.
func (e *UpError) NotReady() bool { return e.Reason != "apply failed" }

// objName is how events name an object: Kind/name (the namespace is the env's).
func objName(obj *unstructured.Unstructured) string { return obj.GetKind() + "/" + obj.GetName() }
