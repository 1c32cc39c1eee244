package tui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// Log buffer limits.
const (
	maxLogLines  = 10000
	logBatch     = 512
	logTailLines = 500
)

// logsView streams one container's log.
type logsView struct {
	ns, pod    string
	containers []string
	container  int
	previous   bool

	lines  []string
	held   []string // arrived while paused
	paused bool
	wrap   bool
	follow bool
	offset int // first visual line shown when not following

	gen    int
	ended  bool
	endErr error
}

type (
	logItem struct {
		line string
		done bool
		err  error
	}
	logMsg struct {
		gen   int
		lines []string
		done  bool
		err   error
		ch    <-chan logItem
	}
)

func (*logsView) filterable() {}

func (v *logsView) env(*Model) string { return v.ns }

func (v *logsView) title(*Model) string {
	t := "Logs " + v.pod
	if len(v.containers) > 0 {
		t += "/" + v.containers[v.container]
	}
	if v.previous {
		t += " (previous)"
	}
	return t
}

func (v *logsView) keys() []keyHelp {
	return []keyHelp{{"esc", "back"}, {"j/k", "scroll"}, {"f", "follow"}, {"space", "pause"}, {"w", "wrap"}, {"p", "previous"}, {"c", "container"}, {"/", "filter"}}
}

// openLogs opens the logs view on a pod's first container.
func (m *Model) openLogs(p k8s.Pod) tea.Cmd {
	v := &logsView{ns: p.Namespace, pod: p.Name, containers: p.Containers, follow: true}
	return tea.Batch(m.push(v), m.startLogs(v))
}

func (m *Model) stopLogs() {
	if m.cancelLogs != nil {
		m.cancelLogs()
		m.cancelLogs = nil
	}
}

// startLogs (re)starts the stream of v in a command; lines come back in
// batches as logMsg.
func (m *Model) startLogs(v *logsView) tea.Cmd {
	m.stopLogs()
	m.logGen++
	v.gen = m.logGen
	v.lines, v.held, v.ended, v.endErr, v.offset = nil, nil, false, nil, 0
	if m.cfg.Cluster == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancelLogs = cancel
	o := k8s.LogOptions{Namespace: v.ns, Pod: v.pod, Follow: !v.previous, Previous: v.previous, TailLines: logTailLines}
	if len(v.containers) > 0 {
		o.Container = v.containers[v.container]
	}
	c, gen := m.cfg.Cluster, v.gen
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

// readLogs waits for the next lines and takes whatever else is ready.
func readLogs(gen int, ch <-chan logItem) tea.Cmd {
	return func() tea.Msg {
		msg := logMsg{gen: gen, ch: ch}
		it, ok := <-ch
		for {
			if !ok {
				msg.done = true
				return msg
			}
			if it.done {
				msg.done, msg.err = true, it.err
				return msg
			}
			msg.lines = append(msg.lines, it.line)
			if len(msg.lines) >= logBatch {
				return msg
			}
			select {
			case it, ok = <-ch:
			default:
				return msg
			}
		}
	}
}

func (v *logsView) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case logMsg:
		if msg.gen != v.gen {
			return nil
		}
		if v.paused {
			v.held = appendCapped(v.held, msg.lines)
		} else {
			v.lines = appendCapped(v.lines, msg.lines)
		}
		if msg.done {
			v.ended, v.endErr = true, msg.err
			return nil
		}
		return readLogs(msg.gen, msg.ch)
	case tea.KeyMsg:
		switch msg.String() {
		case "down", "j":
			v.offset++
		case "up", "k":
			v.follow = false
			v.offset--
		case "pgdown", "ctrl+f":
			v.offset += 10
		case "pgup", "ctrl+b":
			v.follow = false
			v.offset -= 10
		case "home", "g":
			v.follow, v.offset = false, 0
		case "end", "G", "f":
			v.follow = msg.String() != "f" || !v.follow
		case " ":
			v.paused = !v.paused
			if !v.paused {
				v.lines = appendCapped(v.lines, v.held)
				v.held = nil
			}
		case "w":
			v.wrap = !v.wrap
		case "p":
			v.previous = !v.previous
			return m.startLogs(v)
		case "c":
			if len(v.containers) > 1 {
				v.container = (v.container + 1) % len(v.containers)
				return m.startLogs(v)
			}
		}
	}
	return nil
}

func appendCapped(buf, more []string) []string {
	buf = append(buf, more...)
	if over := len(buf) - maxLogLines; over > 0 {
		buf = append(buf[:0:0], buf[over:]...)
	}
	return buf
}

func (v *logsView) body(m *Model, w, h int) []string {
	state := "following"
	switch {
	case v.paused:
		state = fmt.Sprintf("paused, %d new", len(v.held))
	case !v.follow:
		state = "scrolled (f follows)"
	}
	if v.ended {
		state = "stream ended"
		if v.endErr != nil {
			state = "error: " + render.OneLine(v.endErr.Error())
		}
	}
	opts := []string{state}
	if v.wrap {
		opts = append(opts, "wrap")
	}
	if m.filter != "" {
		opts = append(opts, "filter "+m.filter)
	}
	out := []string{m.styles.dim.Render(render.Fit(fmt.Sprintf("%d lines · %s", len(v.lines), strings.Join(opts, " · ")), w))}
	h--

	var visual []string
	for _, l := range v.lines {
		l = strings.ReplaceAll(ansi.Strip(l), "\t", "    ")
		if !m.matches(l) {
			continue
		}
		if v.wrap {
			visual = append(visual, strings.Split(ansi.Hardwrap(l, w, true), "\n")...)
		} else {
			visual = append(visual, render.Fit(l, w))
		}
	}
	last := max(0, len(visual)-h)
	if v.follow {
		v.offset = last
	}
	v.offset = max(0, min(v.offset, last))
	if v.offset == last && !v.paused && !v.follow && len(visual) > 0 {
		// Scrolling back to the bottom resumes following.
		v.follow = true
	}
	if len(visual) == 0 {
		msg := "waiting for log lines…"
		if v.ended {
			msg = "no log lines"
		}
		out = append(out, m.styles.dim.Render(msg))
	}
	return append(out, visual[v.offset:min(len(visual), v.offset+h)]...)
}
