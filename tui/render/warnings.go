package render

import "github.com/berth-dev/berth/k8s"

// MaxWarnings is how many recent warning events an environment's status
// shows, in the TUI's detail view and in `berth status` (text and JSON).
const MaxWarnings = 5

// RecentWarnings are the first MaxWarnings warning events of events
// (newest first, as the snapshot keeps them).
func RecentWarnings(events []k8s.Event) []k8s.Event {
	var out []k8s.Event
	for _, e := range events {
		if e.Type == "Warning" {
			out = append(out, e)
			if len(out) == MaxWarnings {
				break
			}
		}
	}
	return out
}
