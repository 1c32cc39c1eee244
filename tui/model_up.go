package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/tui/render"
)

// up runs Actions.Up for the current branch in the spin-up view.
func (m *Model) up() tea.Cmd {
	if m.cfg.Actions == nil {
		m.setFlash(false, "up: %v", ErrNotAvailable)
		return nil
	}
	if v := m.upv; v != nil && !v.done {
		// One up at a time: show the running one.
		if m.top() != v {
			return m.push(v)
		}
		return nil
	}
	m.upGen++
	v := &upView{branch: m.cfg.Branch, gen: m.upGen}
	m.upv = v
	a, timeout, gen := m.cfg.Actions, m.cfg.ActionTimeout, m.upGen
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	v.cancel = cancel
	start := func() tea.Msg {
		ch := make(chan upItem, 64)
		go func() {
			defer close(ch)
			defer cancel()
			ns, err := a.Up(ctx, func(e UpEvent) {
				select {
				case ch <- upItem{ev: e}:
				case <-ctx.Done():
				}
			})
			ch <- upItem{done: true, ns: ns, err: err}
		}()
		return readUp(gen, ch)()
	}
	return tea.Batch(m.push(v), start)
}

// upFinished opens the env of a spin-up that ended on screen, or says how
// it ended when the user went elsewhere.
func (m *Model) upFinished() tea.Cmd {
	v := m.upv
	switch {
	case m.top() == v && v.err == nil && v.ns != "":
		return m.replace(&detailView{ns: v.ns})
	case m.top() == v:
	case v.err != nil:
		m.setFlash(false, "up %s: %v", v.branch, render.OneLine(v.err.Error()))
	default:
		m.setFlash(true, "up %s: %s is up", v.branch, v.ns)
	}
	return nil
}
