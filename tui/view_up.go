package tui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/tui/render"
)

// upView follows `berth up` of the current branch step by step and opens
// the environment when it is done.
type upView struct {
	branch string
	steps  []UpEvent // latest event per step, in first-seen order
	gen    int
	done   bool
	ns     string
	err    error
	cancel context.CancelFunc
}

type (
	upItem struct {
		ev   UpEvent
		done bool
		ns   string
		err  error
	}
	upMsg struct {
		gen  int
		item upItem
		ch   <-chan upItem
	}
)

func (v *upView) title(*Model) string { return "Up " + v.branch }

func (v *upView) env(*Model) string { return v.ns }

func (v *upView) keys() []keyHelp {
	if v.done {
		return []keyHelp{{"enter", "open"}, {"esc", "back"}}
	}
	return []keyHelp{{"esc", "back (keeps running)"}}
}

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

func readUp(gen int, ch <-chan upItem) tea.Cmd {
	return func() tea.Msg {
		it, ok := <-ch
		if !ok {
			return upMsg{gen: gen, item: upItem{done: true, err: fmt.Errorf("up ended without a result")}}
		}
		return upMsg{gen: gen, item: it, ch: ch}
	}
}

func (v *upView) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case upMsg:
		if msg.gen != v.gen {
			return nil
		}
		if !msg.item.done {
			v.record(msg.item.ev)
			return readUp(msg.gen, msg.ch)
		}
		v.done, v.ns, v.err = true, msg.item.ns, msg.item.err
		switch {
		case m.top() == v && v.err == nil && v.ns != "":
			return m.replace(&detailView{ns: v.ns})
		case m.top() == v:
		case v.err != nil:
			m.setFlash(false, "up %s: %v", v.branch, render.OneLine(v.err.Error()))
		default:
			m.setFlash(true, "up %s: %s is up", v.branch, v.ns)
		}
	case tea.KeyMsg:
		if msg.String() == "enter" && v.done && v.ns != "" {
			return m.replace(&detailView{ns: v.ns})
		}
	}
	return nil
}

func (v *upView) record(e UpEvent) {
	for i := range v.steps {
		if v.steps[i].Step == e.Step {
			v.steps[i] = e
			return
		}
	}
	v.steps = append(v.steps, e)
}

func (v *upView) body(m *Model, w, h int) []string {
	out := []string{m.styles.title.Render(render.Fit("Deploying branch "+v.branch, w)), ""}
	for _, s := range v.steps {
		mark, st := "…", m.styles.kinds[render.KindWarn]
		switch s.State {
		case StepDone:
			mark, st = "✓", m.styles.kinds[render.KindGood]
		case StepFailed:
			mark, st = "✗", m.styles.kinds[render.KindBad]
		case StepSkipped:
			mark, st = "-", m.styles.dim
		}
		line := fmt.Sprintf("  %s %-12s %s", mark, s.Step, render.OneLine(s.Detail))
		out = append(out, st.Render(render.Fit(line, w)))
	}
	if len(v.steps) == 0 && !v.done {
		out = append(out, m.styles.dim.Render("  starting…"))
	}
	if v.done {
		out = append(out, "")
		switch {
		case v.err != nil:
			out = append(out, m.styles.errText.Render(render.Fit("up failed: "+render.OneLine(v.err.Error()), w)))
		default:
			out = append(out, m.styles.kinds[render.KindGood].Render(render.Fit("environment "+v.ns+" is up", w)))
		}
	}
	if len(out) > h {
		out = out[len(out)-h:]
	}
	return out
}
