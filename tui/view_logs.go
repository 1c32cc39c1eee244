package tui

import (
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

func (v *logsView) env(*viewCtx) string { return v.ns }

func (v *logsView) title(*viewCtx) string {
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

// options are the stream request for the container and instance shown.
func (v *logsView) options() k8s.LogOptions {
	o := k8s.LogOptions{Namespace: v.ns, Pod: v.pod, Follow: !v.previous, Previous: v.previous, TailLines: logTailLines}
	if len(v.containers) > 0 {
		o.Container = v.containers[v.container]
	}
	return o
}

// restart empties the view and asks the root for a new stream.
func (v *logsView) restart() tea.Msg {
	v.lines, v.held, v.ended, v.endErr, v.offset = nil, nil, false, nil, 0
	return restartLogsMsg{opts: v.options()}
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

// update takes lines of the current stream (the root drops those of
// streams it stopped) and keys.
func (v *logsView) update(_ *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg) {
	switch msg := msg.(type) {
	case logMsg:
		if v.paused {
			v.held = appendCapped(v.held, msg.lines)
		} else {
			v.lines = appendCapped(v.lines, msg.lines)
		}
		if msg.done {
			v.ended, v.endErr = true, msg.err
			return nil, nil
		}
		return readLogs(msg.gen, msg.ch), nil
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
			return nil, v.restart()
		case "c":
			if len(v.containers) > 1 {
				v.container = (v.container + 1) % len(v.containers)
				return nil, v.restart()
			}
		}
	}
	return nil, nil
}

func appendCapped(buf, more []string) []string {
	buf = append(buf, more...)
	if over := len(buf) - maxLogLines; over > 0 {
		buf = append(buf[:0:0], buf[over:]...)
	}
	return buf
}

func (v *logsView) body(c *viewCtx, w, h int) []string {
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
	if c.filter != "" {
		opts = append(opts, "filter "+c.filter)
	}
	out := []string{c.styles.dim.Render(render.Fit(fmt.Sprintf("%d lines · %s", len(v.lines), strings.Join(opts, " · ")), w))}
	h--

	var visual []string
	for _, l := range v.lines {
		l = strings.ReplaceAll(ansi.Strip(l), "\t", "    ")
		if !c.matches(l) {
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
		out = append(out, c.styles.dim.Render(msg))
	}
	return append(out, visual[v.offset:min(len(visual), v.offset+h)]...)
}
