package forward

import "fmt"

// EventKind says what happened to a service's forwards.
type EventKind string

const (
	// Connected: the first tunnel to a pod of the service is up.
	Connected EventKind = "connected"
	// Moved: the pod was replaced (or the tunnel broke) and the forwards
	// now reach Pod.
	Moved EventKind = "moved"
	// Waiting: no Ready pod to forward to yet.
	Waiting EventKind = "waiting"
	// Failed: dialing a pod or one forwarded connection failed.
	Failed EventKind = "failed"
)

// Event is one line of a session's story, for the user.
type Event struct {
	Kind     EventKind
	Service  string
	Pod      string   // the pod now forwarded to (Connected, Moved)
	Previous string   // the pod before (Moved, Waiting after one)
	Protocol Protocol // the tunnel's protocol (Connected, Moved)
	Err      error    // Failed
}

// String is the line berth prints, e.g. "web: pod web-1 gone, now
// forwarding to web-2".
func (e Event) String() string {
	switch e.Kind {
	case Connected:
		return fmt.Sprintf("%s: forwarding to pod %s (%s)", e.Service, e.Pod, e.Protocol)
	case Moved:
		if e.Previous == e.Pod {
			return fmt.Sprintf("%s: tunnel to pod %s lost, reconnected", e.Service, e.Pod)
		}
		return fmt.Sprintf("%s: pod %s gone, now forwarding to %s", e.Service, e.Previous, e.Pod)
	case Waiting:
		if e.Previous != "" {
			return fmt.Sprintf("%s: pod %s gone, waiting for a Ready pod", e.Service, e.Previous)
		}
		return fmt.Sprintf("%s: waiting for a Ready pod", e.Service)
	}
	return fmt.Sprintf("%s: %v", e.Service, e.Err)
}
