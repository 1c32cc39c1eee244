package k8s

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/k8s/kube"
)

// LogOptions pick a container's log stream.
type LogOptions struct {
	Namespace  string
	Pod        string
	Container  string        // empty: the pod's only container
	Follow     bool          // keep streaming new lines
	Previous   bool          // the previous, terminated instance of the container
	TailLines  int64         // last n lines only; 0 means all, negative none (only new lines)
	Since      time.Duration // only lines newer than this; 0 means all
	Timestamps bool
}

// MaxLineBytes is the longest log line StreamLogs hands on; the rest of a
// longer line is dropped, so one runaway line cannot grow memory.
const MaxLineBytes = 64 * 1024

// StreamLogs streams a container's log, calling line for each line (without
// the newline) until the stream ends or ctx is cancelled. Cancelling is not
// an error.
func StreamLogs(ctx context.Context, cs kube.Interface, o LogOptions, line func(string)) error {
	po := &corev1.PodLogOptions{
		Container:  o.Container,
		Follow:     o.Follow,
		Previous:   o.Previous,
		Timestamps: o.Timestamps,
	}
	switch {
	case o.TailLines > 0:
		po.TailLines = &o.TailLines
	case o.TailLines < 0:
		po.TailLines = new(int64)
	}
	if o.Since > 0 {
		secs := int64((o.Since + time.Second - 1) / time.Second)
		po.SinceSeconds = &secs
	}
	rc, err := cs.CoreV1().Pods(o.Namespace).GetLogs(o.Pod, po).Stream(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("logs of %s/%s: %w", o.Namespace, o.Pod, err)
	}
	defer rc.Close()
	// Closing the body unblocks a read when ctx is cancelled.
	stop := context.AfterFunc(ctx, func() { _ = rc.Close() })
	defer stop()
	if err := readLines(rc, line); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read logs of %s/%s: %w", o.Namespace, o.Pod, err)
	}
	return nil
}

// readLines calls line for each line of r, without its newline, keeping
// the first MaxLineBytes of a longer one; nil at the end of r.
func readLines(r io.Reader, line func(string)) error {
	br := bufio.NewReaderSize(r, MaxLineBytes)
	long := false // inside a line longer than the buffer: drop the rest
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 && !long {
			line(strings.TrimRight(string(b), "\r\n"))
		}
		long = errors.Is(err, bufio.ErrBufferFull)
		switch {
		case err == nil || long:
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
}

// Logs streams logs with the watcher's client; see StreamLogs.
func (w *Watcher) Logs(ctx context.Context, o LogOptions, line func(string)) error {
	return StreamLogs(ctx, w.cs, o, line)
}
