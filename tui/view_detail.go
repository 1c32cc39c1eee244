package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// detailView shows one environment: rollouts, jobs, pods, last warnings.
type detailView struct {
	ns       string
	selected string // pod under the cursor
	offset   int
}

// maxWarnings is how many recent warning events the detail view shows.
const maxWarnings = 5

func (*detailView) filterable() {}

func (v *detailView) title(m *Model) string { return v.ns }

func (v *detailView) env(*Model) string { return v.ns }

func (v *detailView) keys() []keyHelp {
	return append([]keyHelp{{"esc", "back"}, {"j/k", "pods"}, {"l", "logs"}, {"e", "events"}, {"/", "filter"}}, envKeys()...)
}

// pods are the env's pods matching the filter.
func (v *detailView) pods(m *Model) []k8s.Pod {
	var out []k8s.Pod
	for _, p := range m.snap.PodsIn(v.ns) {
		if m.matches(p.Name, p.Status(), p.Node, p.OwnerName) {
			out = append(out, p)
		}
	}
	return out
}

func (v *detailView) cursor(pods []k8s.Pod) int {
	for i, p := range pods {
		if p.Name == v.selected {
			return i
		}
	}
	return 0
}

func (v *detailView) update(m *Model, msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	pods := v.pods(m)
	if len(pods) == 0 {
		return nil
	}
	i := v.cursor(pods)
	switch km.String() {
	case "down", "j":
		i++
	case "up", "k":
		i--
	case "home", "g":
		i = 0
	case "end", "G":
		i = len(pods) - 1
	case "enter", "l":
		return m.openLogs(pods[i])
	}
	v.selected = pods[max(0, min(i, len(pods)-1))].Name
	return nil
}

func (v *detailView) body(m *Model, w, h int) []string {
	st := m.status(v.ns)
	if st.Phase == envs.PhaseMissing {
		return []string{m.styles.dim.Render(render.Fit(v.ns+" is gone (deleted, or outside the watched namespaces). esc goes back.", w))}
	}
	c := m.clock
	lines := []string{m.summary(st, w), ""}
	section := func(title string) { lines = append(lines, m.styles.title.Render(title)) }

	section("ROLLOUTS")
	lines = append(lines, m.resourceNotes(w, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourceDaemonSets)...)
	if ws := m.snap.WorkloadsIn(v.ns); len(ws) > 0 {
		rows := make([]render.Row, len(ws))
		for i, x := range ws {
			rows[i] = render.WorkloadRow(x)
		}
		lines = append(lines, m.table(render.WorkloadColumns(), rows, w, -1)...)
	} else {
		lines = append(lines, m.styles.dim.Render("  no workloads"))
	}

	if js := m.snap.JobsIn(v.ns); len(js) > 0 || m.snap.Resources[k8s.ResourceJobs].Err != "" {
		lines = append(lines, "")
		section("JOBS")
		lines = append(lines, m.resourceNotes(w, k8s.ResourceJobs)...)
		rows := make([]render.Row, len(js))
		for i, j := range js {
			rows[i] = render.JobRow(j, c)
		}
		if len(rows) > 0 {
			lines = append(lines, m.table(render.JobColumns(), rows, w, -1)...)
		}
	}

	lines = append(lines, "")
	section("PODS")
	lines = append(lines, m.resourceNotes(w, k8s.ResourcePods, k8s.ResourceNodes)...)
	pods := v.pods(m)
	cursorLine, lastPod := -1, false
	if len(pods) > 0 {
		capOf := func(node string) string {
			if m.snap.Resources[k8s.ResourceNodes].Err != "" {
				return "?"
			}
			return render.CapacityLabel(m.snap.NodeCapacity(node))
		}
		rows := make([]render.Row, len(pods))
		for i, p := range pods {
			rows[i] = render.PodRow(p, capOf(p.Node), c)
		}
		cur := v.cursor(pods)
		cursorLine = len(lines) + 1 + cur
		lastPod = cur == len(pods)-1
		lines = append(lines, m.table(render.PodColumns(), rows, w, cur)...)
	} else {
		lines = append(lines, m.styles.dim.Render("  no pods"))
	}

	var warnings []render.Row
	for _, e := range m.snap.Events {
		if e.Type == "Warning" && m.snap.EventsNamespace == v.ns && len(warnings) < maxWarnings {
			warnings = append(warnings, render.EventRow(e, c))
		}
	}
	if len(warnings) > 0 || m.snap.Resources[k8s.ResourceEvents].Err != "" {
		lines = append(lines, "")
		section("RECENT WARNINGS")
		lines = append(lines, m.resourceNotes(w, k8s.ResourceEvents)...)
		if len(warnings) > 0 {
			lines = append(lines, m.table(render.EventColumns(), warnings, w, -1)...)
		}
	}

	if cursorLine >= 0 {
		target := cursorLine
		if lastPod {
			// At the last pod, show what follows it (recent warnings).
			target = len(lines) - 1
		}
		v.offset = scroll(v.offset, target, len(lines), h)
		v.offset = min(v.offset, cursorLine)
	} else {
		v.offset = 0
	}
	end := min(len(lines), v.offset+h)
	return lines[min(v.offset, end):end]
}

// summary is the env's one-line header: status, branch, owner, expiry, capacity.
func (m *Model) summary(st envs.EnvStatus, w int) string {
	parts := []string{st.Label()}
	if st.Reason != "" {
		parts[0] += " (" + render.OneLine(st.Reason) + ")"
	}
	parts = append(parts,
		"branch "+orDash(st.Branch),
		podCounts(st),
		"expires "+m.clock.Until(st.ExpiresAt),
		"owner "+orDash(st.Owner))
	return m.styles.kinds[render.PhaseKind(st.Phase)].Bold(true).Render(render.Fit(strings.Join(parts, " · "), w))
}

// table renders a header and rows indented by the cursor column; cur < 0
// means no cursor.
func (m *Model) table(cols []render.Column, rows []render.Row, w, cur int) []string {
	header, lines := render.Table(cols, rows, w-2)
	out := []string{m.styles.dim.Render("  " + header)}
	for i, l := range lines {
		out = append(out, m.styles.row(marker(i == cur)+l, rows[i], i == cur))
	}
	return out
}

// podCounts is "pods 6: spot 4, on-demand 2" plus pods on unknown nodes.
func podCounts(st envs.EnvStatus) string {
	s := fmt.Sprintf("pods %d: spot %d, on-demand %d", st.Pods, st.Spot, st.OnDemand)
	if st.Others > 0 {
		s += fmt.Sprintf(", unknown %d", st.Others)
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
