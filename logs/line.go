// Package logs is a workload's merged log stream: every container (init
// containers included) of every pod of one or more k8s.Targets, each line
// tagged with a short name of its pod and container. Following, it picks
// up the pods a rollout creates and stops with the ones deleted. Memory
// stays bounded however long it runs: lines wait in one channel of Buffer
// lines, and a container's stream waits while that is full.
package logs

import (
	"fmt"
	"time"
)

// Buffer is how many lines the merged stream holds between the container
// streams and the consumer.
const Buffer = 256

// Options pick what Stream shows of each container.
type Options struct {
	Follow     bool          // keep streaming: new pods join, deleted ones leave
	Since      time.Duration // only lines newer than this; 0: all
	Previous   bool          // the previous, terminated instance of each container
	Container  string        // only this container; "": every one, init containers first
	Tail       int64         // last n lines of each container there at the start; 0: all, negative: none
	Timestamps bool
}

// Kind tells a log line from news about a container's stream.
type Kind int

// Kinds of Line.
const (
	Text    Kind = iota // a line the container wrote
	Started             // the container's stream began
	Ended               // the container's stream ended; Text says why
	Failed              // the container's stream failed or cannot start; Err says why
)

// Line is one line of the merged stream.
type Line struct {
	Kind      Kind
	Prefix    string // short unique name: [service/]pod suffix/container
	Pod       string
	Container string
	Text      string
	Err       error
}

// Notice is what a Started, Ended or Failed line says, in the same words
// in the CLI and the TUI; "" for Text.
func (l Line) Notice() string {
	switch l.Kind {
	case Started:
		return "following"
	case Ended:
		return "stream ended (" + l.Text + ")"
	case Failed:
		return fmt.Sprintf("error: %v", l.Err)
	}
	return ""
}
