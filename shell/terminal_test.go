package shell

import (
	"testing"

	"k8s.io/client-go/tools/remotecommand"
)

// TestSizeQueueKeepsLatest: a resize not yet sent is replaced by the next
// one, and Next ends (nil) once the queue's producer is done.
func TestSizeQueueKeepsLatest(t *testing.T) {
	q := &sizeQueue{ch: make(chan remotecommand.TerminalSize, 1), done: make(chan struct{})}
	q.put(remotecommand.TerminalSize{Width: 80, Height: 24})
	q.put(remotecommand.TerminalSize{Width: 120, Height: 40})
	if s := q.Next(); s == nil || *s != (remotecommand.TerminalSize{Width: 120, Height: 40}) {
		t.Fatalf("Next = %v, want the latest size 120x40", s)
	}
	close(q.ch)
	if s := q.Next(); s != nil {
		t.Errorf("Next after the end = %v, want nil", s)
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(nil) {
		t.Error("nil is a terminal")
	}
}
