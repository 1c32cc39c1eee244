package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/logs"
	"github.com/berth-dev/berth/tui/render"
)

// Log buffer limits.
const (
	maxLogLines  = 10000
	logBatch     = 512
	logTailLines = 500
)

// logsView streams one container's log or, for a workload (kind and
// workload set), the merged log of all its pods and containers.
type logsView struct {
	ns, pod    string
	kind       string // a workload's: Deployment, StatefulSet, DaemonSet
	workload   string // the workload's name; "" for one pod's log
	containers []string
	container  int // for a workload, 0 is every container, i the containers[i-1]
	previous   bool

	lines  []logLine
	held   []logLine // arrived while paused
	paused bool
	wrap   bool
	follow bool
	offset int // first visual line shown when not following

	ended  bool
	endErr error
}

type (
	// logLine is a line of the view: a log line, or (with a prefix) a
	// line of a workload's merged log or news about one of its streams.
	logLine struct {
		prefix string
		text   string
		notice bool
	}
	logItem struct {
		line logLine
		done bool
		err  error
	}
	logMsg struct {
		gen   int
		lines []logLine
		done  bool
		err   error
		ch    <-chan logItem
	}
)

func (*logsView) filterable() {}

func (v *logsView) env(*viewCtx) string { return v.ns }

func (v *logsView) title(*viewCtx) string {
	t := "Logs " + v.pod
	if len(v.containers) > 0 && v.workload == "" {
		t += "/" + v.containers[v.container]
	}
	if v.workload != "" {
		t = "Logs " + strings.ToLower(v.kind) + "/" + v.workload
		if c := v.mergedContainer(); c != "" {
			t += " -c " + c
		}
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

// mergedContainer is the container a workload's view shows, "" for all.
func (v *logsView) mergedContainer() string {
	if v.container == 0 || v.container > len(v.containers) {
		return ""
	}
	return v.containers[v.container-1]
}

// mergedOptions are the merged stream request of a workload's view.
func (v *logsView) mergedOptions() logs.Options {
	return logs.Options{Follow: !v.previous, Previous: v.previous, Container: v.mergedContainer(), Tail: logTailLines}
}

// restart empties the view and asks the root for a new stream.
func (v *logsView) restart() tea.Msg {
	v.lines, v.held, v.ended, v.endErr, v.offset = nil, nil, false, nil, 0
	if v.workload != "" {
		return restartWorkloadLogsMsg{ns: v.ns, kind: v.kind, name: v.workload, opts: v.mergedOptions()}
	}
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
			if v.workload != "" && len(v.containers) > 0 {
				v.container = (v.container + 1) % (len(v.containers) + 1)
				return nil, v.restart()
			}
			if len(v.containers) > 1 {
				v.container = (v.container + 1) % len(v.containers)
				return nil, v.restart()
			}
		}
	}
	return nil, nil
}

// appendCapped appends more to buf, keeping the last maxLogLines lines.
func appendCapped(buf, more []logLine) []logLine {
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
	for _, ll := range v.lines {
		l := strings.ReplaceAll(ansi.Strip(ll.text), "\t", "    ")
		head := ""
		if ll.prefix != "" {
			head = "[" + ll.prefix + "]"
			l = head + " " + l
		}
		if !c.matches(l) {
			continue
		}
		var vl []string
		if v.wrap {
			vl = strings.Split(ansi.Hardwrap(l, w, true), "\n")
		} else {
			vl = []string{render.Fit(l, w)}
		}
		if head != "" {
			vl = v.stylePrefix(c, vl, head, ll)
		}
		visual = append(visual, vl...)
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

// stylePrefix colours a merged line's [prefix] with its pod/container's
// colour (logs.Color, as the CLI does) and dims news about streams.
func (v *logsView) stylePrefix(c *viewCtx, vl []string, head string, ll logLine) []string {
	if ll.notice {
		for i := range vl {
			vl[i] = c.styles.dim.Render(vl[i])
		}
		return vl
	}
	if rest, ok := strings.CutPrefix(vl[0], head); ok {
		st := lipgloss.NewStyle().Foreground(lipgloss.ANSIColor(logs.Color(ll.prefix)))
		vl[0] = st.Render(head) + rest
	}
	return vl
}
