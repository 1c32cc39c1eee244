package k8s

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// LogOptions pick a container's log stream.
type LogOptions struct {
	Namespace  string
	Pod        string
	Container  string // empty: the pod's only container
	Follow     bool   // keep streaming new lines
	Previous   bool   // the previous, terminated instance of the container
	TailLines  int64  // last n lines only; 0 means all
	Timestamps bool
}

// StreamLogs streams a container's log, calling line for each line (without
// the newline) until the stream ends or ctx is cancelled. Cancelling is not
// an error.
func StreamLogs(ctx context.Context, cs kubernetes.Interface, o LogOptions, line func(string)) error {
	po := &corev1.PodLogOptions{
		Container:  o.Container,
		Follow:     o.Follow,
		Previous:   o.Previous,
		Timestamps: o.Timestamps,
	}
	if o.TailLines > 0 {
		po.TailLines = &o.TailLines
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
	r := bufio.NewReaderSize(rc, 64*1024)
	for {
		s, err := r.ReadString('\n')
		if s != "" {
			line(strings.TrimRight(s, "\r\n"))
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF) || ctx.Err() != nil:
			return nil
		default:
			return fmt.Errorf("read logs of %s/%s: %w", o.Namespace, o.Pod, err)
		}
	}
}

// Logs streams logs with the watcher's client; see StreamLogs.
func (w *Watcher) Logs(ctx context.Context, o LogOptions, line func(string)) error {
	return StreamLogs(ctx, w.cs, o, line)
}
