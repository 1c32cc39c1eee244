package tui

import (
	"context"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/logs"
)

// WorkloadLogs streams the merged logs of a workload, every pod and
// container of it (cmd/berth's does with package logs): Config.Logs.
type WorkloadLogs interface {
	WorkloadLogs(ctx context.Context, ns, kind, name string, o logs.Options, line func(logs.Line)) error
}

type (
	// openWorkloadLogsMsg opens the merged logs of the workload kind/name
	// in ns; first is its first pod, shown when Config.Logs is nil.
	openWorkloadLogsMsg struct {
		ns, kind, name string
		first          k8s.Pod
	}
	// restartWorkloadLogsMsg replaces the merged stream of the view on top.
	restartWorkloadLogsMsg struct {
		ns, kind, name string
		opts           logs.Options
	}
)

// openLogs opens the logs view on a pod's first container.
func (m *Model) openLogs(p k8s.Pod) tea.Cmd {
	v := &logsView{ns: p.Namespace, pod: p.Name, containers: p.Containers, follow: true}
	return tea.Batch(m.push(v), m.startLogs(v.options()))
}

// openWorkloadLogs opens the merged logs of a workload: c cycles through
// every container and each one its pods have.
func (m *Model) openWorkloadLogs(msg openWorkloadLogsMsg) tea.Cmd {
	if m.cfg.Logs == nil {
		return m.openLogs(msg.first)
	}
	v := &logsView{ns: msg.ns, kind: msg.kind, workload: msg.name, follow: true}
	for _, p := range m.snap.PodsIn(msg.ns) {
		if p.OwnerKind == msg.kind && p.OwnerName == msg.name {
			for _, c := range append(slices.Clone(p.InitContainers), p.Containers...) {
				if !slices.Contains(v.containers, c) {
					v.containers = append(v.containers, c)
				}
			}
		}
	}
	return tea.Batch(m.push(v), m.startWorkloadLogs(restartWorkloadLogsMsg{ns: msg.ns, kind: msg.kind, name: msg.name, opts: v.mergedOptions()}))
}

func (m *Model) stopLogs() {
	if m.cancelLogs != nil {
		m.cancelLogs()
		m.cancelLogs = nil
	}
}

// startLogs (re)starts the log stream of one container.
func (m *Model) startLogs(o k8s.LogOptions) tea.Cmd {
	if m.cfg.Cluster == nil {
		m.stopLogs()
		m.logGen++
		return nil
	}
	c := m.cfg.Cluster
	return m.stream(func(ctx context.Context, emit func(logLine)) error {
		return c.Logs(ctx, o, func(s string) { emit(logLine{text: s}) })
	})
}

// startWorkloadLogs (re)starts the merged stream of a workload.
func (m *Model) startWorkloadLogs(msg restartWorkloadLogsMsg) tea.Cmd {
	wl := m.cfg.Logs
	if wl == nil {
		m.stopLogs()
		m.logGen++
		return nil
	}
	return m.stream(func(ctx context.Context, emit func(logLine)) error {
		return wl.WorkloadLogs(ctx, msg.ns, msg.kind, msg.name, msg.opts, func(l logs.Line) {
			ll := logLine{prefix: l.Prefix, text: l.Text}
			if l.Kind != logs.Text {
				ll.text, ll.notice = l.Notice(), true
			}
			emit(ll)
		})
	})
}

// stream runs a log stream in a command, replacing the one before; lines
// come back in batches as logMsg of generation m.logGen, through a channel
// of logBatch lines: a stream waits while the view has not taken them.
func (m *Model) stream(run func(ctx context.Context, emit func(logLine)) error) tea.Cmd {
	m.stopLogs()
	m.logGen++
	ctx, cancel := context.WithCancel(context.Background())
	m.cancelLogs = cancel
	gen := m.logGen
	return func() tea.Msg {
		ch := make(chan logItem, logBatch)
		go func() {
			defer close(ch)
			err := run(ctx, func(l logLine) {
				select {
				case ch <- logItem{line: l}:
				case <-ctx.Done():
				}
			})
			select {
			case ch <- logItem{done: true, err: err}:
			case <-ctx.Done():
			}
		}()
		return readLogs(gen, ch)()
	}
}
