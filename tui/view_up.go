package tui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/berth-dev/berth/tui/render"
)

// upView follows `berth up` of the current branch step by step and opens
// the environment when it is done.
type upView struct {
	branch string
	steps  []UpEvent // latest event per step, in first-seen order
	// output holds the last upOutputLines output lines of each step that
	// has not finished (a running build); a failed step keeps them.
	output map[string][]string
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

func (v *upView) title(*viewCtx) string { return "Up " + v.branch }

func (v *upView) env(*viewCtx) string { return v.ns }

func (v *upView) keys() []keyHelp {
	if v.done {
		return []keyHelp{{"enter", "open"}, {"esc", "back"}}
	}
	return []keyHelp{{"esc", "back (keeps running)"}}
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

// update records progress of its own spin-up (the root hands it every
// upMsg, on screen or not) and tells the root when it ended.
func (v *upView) update(_ *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg) {
	switch msg := msg.(type) {
	case upMsg:
		if msg.gen != v.gen {
			return nil, nil
		}
		if !msg.item.done {
			v.record(msg.item.ev)
			return readUp(msg.gen, msg.ch), nil
		}
		v.done, v.ns, v.err = true, msg.item.ns, msg.item.err
		return nil, upFinishedMsg{}
	case tea.KeyMsg:
		if msg.String() == "enter" && v.done && v.ns != "" {
			return nil, openDetailMsg{ns: v.ns, replace: true}
		}
	}
	return nil, nil
}

// upOutputLines is how many output lines of a running step show.
const upOutputLines = 3

func (v *upView) record(e UpEvent) {
	if e.Output {
		if v.output == nil {
			v.output = map[string][]string{}
		}
		lines := append(v.output[e.Step], e.Detail)
		if len(lines) > upOutputLines {
			lines = lines[len(lines)-upOutputLines:]
		}
		v.output[e.Step] = lines
		for i := range v.steps {
			if v.steps[i].Step == e.Step {
				return
			}
		}
		e.Output, e.State = false, StepRunning
		v.steps = append(v.steps, e)
		return
	}
	if e.State == StepDone || e.State == StepSkipped {
		delete(v.output, e.Step)
	}
	for i := range v.steps {
		if v.steps[i].Step == e.Step {
			v.steps[i] = e
			return
		}
	}
	v.steps = append(v.steps, e)
}

func (v *upView) body(c *viewCtx, w, h int) []string {
	out := []string{c.styles.title.Render(render.Fit("Deploying branch "+v.branch, w)), ""}
	width := 12 // the step column: the widest step name, 12 to 24
	for _, s := range v.steps {
		width = min(max(width, len(s.Step)), 24)
	}
	for _, s := range v.steps {
		mark, st := "…", c.styles.kinds[render.KindWarn]
		switch s.State {
		case StepDone:
			mark, st = "✓", c.styles.kinds[render.KindGood]
		case StepFailed:
			mark, st = "✗", c.styles.kinds[render.KindBad]
		case StepSkipped:
			mark, st = "-", c.styles.dim
		}
		line := fmt.Sprintf("  %s %-*s %s", mark, width, s.Step, render.OneLine(s.Detail))
		out = append(out, st.Render(render.Fit(line, w)))
		for _, l := range v.output[s.Step] {
			out = append(out, c.styles.dim.Render(render.Fit("      │ "+render.OneLine(l), w)))
		}
	}
	if len(v.steps) == 0 && !v.done {
		out = append(out, c.styles.dim.Render("  starting…"))
	}
	if v.done {
		out = append(out, "")
		switch {
		case v.err != nil:
			// In full, as berth up prints it: a secret that cannot be
			// decrypted names its file, keys and the reason on several lines.
			for _, l := range wrapLines("up failed: "+v.err.Error(), w) {
				out = append(out, c.styles.errText.Render(l))
			}
		default:
			out = append(out, c.styles.kinds[render.KindGood].Render(render.Fit("environment "+v.ns+" is up", w)))
		}
	}
	if len(out) > h {
		out = out[len(out)-h:]
	}
	return out
}

// wrapLines splits s into its lines and wraps each at w cells: at
// spaces, a word wider than the line cut; continuation lines keep the
// line's indent.
func wrapLines(s string, w int) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		body := strings.TrimLeft(line, " ")
		indent := strings.Repeat(" ", min(len(line)-len(body), w/2))
		limit := max(1, w-len(indent))
		cur := ""
		flush := func() {
			out = append(out, indent+cur)
			cur = ""
		}
		for _, word := range strings.Fields(body) {
			for ansi.StringWidth(word) > limit {
				if cur != "" {
					flush()
				}
				cur = ansi.Truncate(word, limit, "")
				word = word[len(cur):]
				flush()
			}
			switch {
			case cur == "":
				cur = word
			case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= limit:
				cur += " " + word
			default:
				flush()
				cur = word
			}
		}
		if cur != "" || body == "" {
			flush()
		}
	}
	return out
}
