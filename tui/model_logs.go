package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
)

// openLogs opens the logs view on a pod's first container.
func (m *Model) openLogs(p k8s.Pod) tea.Cmd {
	v := &logsView{ns: p.Namespace, pod: p.Name, containers: p.Containers, follow: true}
	return tea.Batch(m.push(v), m.startLogs(v.options()))
}

func (m *Model) stopLogs() {
	if m.cancelLogs != nil {
		m.cancelLogs()
		m.cancelLogs = nil
	}
}

// startLogs (re)starts the log stream in a command; lines come back in
// batches as logMsg of generation m.logGen.
func (m *Model) startLogs(o k8s.LogOptions) tea.Cmd {
	m.stopLogs()
	m.logGen++
	if m.cfg.Cluster == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancelLogs = cancel
	c, gen := m.cfg.Cluster, m.logGen
	return func() tea.Msg {
		ch := make(chan logItem, logBatch)
		go func() {
			defer close(ch)
			err := c.Logs(ctx, o, func(s string) {
				select {
				case ch <- logItem{line: s}:
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
