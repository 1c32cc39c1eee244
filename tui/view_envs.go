package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// envsView is the home screen: the project's environments.
type envsView struct {
	selected string // namespace under the cursor; notRunning for the placeholder row
	offset   int

	// The list, rebuilt only when its inputs change: keys are pressed and
	// ages tick over far more often than snapshots arrive. A frame draws
	// only the rows on screen, with their ages as of the frame.
	listKey  listKey
	ids      []string         // cursor keys: namespaces, or notRunning
	statuses []envs.EnvStatus // by row; zero for the not-running row
	rows     []render.Row     // for the layout (ages have fixed widths)
	// The grid laid out for the rows at gridWidth; nil after a rebuild.
	gridWidth int
	grid      *render.Grid
}

// listKey is everything the list depends on.
type listKey struct {
	snap   *k8s.Snapshot
	filter string
	all    bool
}

// notRunning is the cursor value of the "not running — press u" row.
const notRunning = "\x00not-running"

func (*envsView) filterable() {}

func (v *envsView) title(m *Model) string {
	n := len(m.visibleEnvs())
	if m.allProjects {
		return fmt.Sprintf("Environments, all projects (%d)", n)
	}
	return fmt.Sprintf("Environments (%d)", n)
}

func (v *envsView) keys() []keyHelp {
	return append([]keyHelp{{"enter", "open"}, {"j/k", "move"}, {"/", "filter"}}, append(envKeys(), keyHelp{"l", "logs"}, keyHelp{"e", "events"}, keyHelp{"a", "all projects"})...)
}

// visibleEnvs are the envs of the project (or all), filtered, with the
// current branch's env first.
func (m *Model) visibleEnvs() []envs.EnvStatus {
	var cur, rest []envs.EnvStatus
	for _, st := range m.statuses {
		if !m.allProjects && m.cfg.Project != "" && st.Project != m.cfg.Project {
			continue
		}
		if !m.matches(st.Namespace, st.Branch, st.Owner, st.Project, string(st.Phase)) {
			continue
		}
		if m.isCurrent(st) {
			cur = append(cur, st)
		} else {
			rest = append(rest, st)
		}
	}
	return append(cur, rest...)
}

// isCurrent reports the env of the checked-out branch in this project.
func (m *Model) isCurrent(st envs.EnvStatus) bool {
	return m.cfg.Branch != "" && st.Branch == m.cfg.Branch && (m.cfg.Project == "" || st.Project == m.cfg.Project)
}

// currentEnv returns the namespace of the checked-out branch's env.
func (m *Model) currentEnv() string {
	for _, st := range m.statuses {
		if m.isCurrent(st) {
			return st.Namespace
		}
	}
	return ""
}

// list returns the cursor keys of the list, rebuilding it when the
// snapshot, filter or project scope changed.
func (v *envsView) list(m *Model) []string {
	key := listKey{m.snap, m.filter, m.allProjects}
	if key == v.listKey && v.ids != nil {
		return v.ids
	}
	proj := m.showProject()
	// The layout's clock: ages off screen must not wake the program.
	layout := render.NewClock(m.clock.Now())
	keys, statuses, rows := []string{}, []envs.EnvStatus(nil), []render.Row(nil)
	if m.cfg.Branch != "" && m.currentEnv() == "" && m.matches(m.cfg.Branch, "not running") {
		keys = append(keys, notRunning)
		statuses = append(statuses, envs.EnvStatus{})
		rows = append(rows, render.EnvNotRunningRow(m.cfg.Branch, proj))
	}
	for _, st := range m.visibleEnvs() {
		keys = append(keys, st.Namespace)
		statuses = append(statuses, st)
		rows = append(rows, render.EnvRow(st, layout, m.isCurrent(st), proj))
	}
	v.listKey, v.ids, v.statuses, v.rows, v.grid = key, keys, statuses, rows, nil
	return keys
}

// row is row i drawn at the frame's clock.
func (v *envsView) row(m *Model, i int) render.Row {
	if v.ids[i] == notRunning {
		return v.rows[i]
	}
	st := v.statuses[i]
	return render.EnvRow(st, m.clock, m.isCurrent(st), m.showProject())
}

// showProject reports whether rows have a PROJECT column.
func (m *Model) showProject() bool { return m.allProjects || m.cfg.Project == "" }

func (v *envsView) cursor(keys []string) int {
	for i, k := range keys {
		if k == v.selected {
			return i
		}
	}
	return 0
}

func (v *envsView) env(m *Model) string {
	keys := v.list(m)
	if len(keys) == 0 {
		return ""
	}
	if k := keys[v.cursor(keys)]; k != notRunning {
		return k
	}
	return ""
}

func (v *envsView) update(m *Model, msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	keys := v.list(m)
	if len(keys) == 0 {
		return nil
	}
	i := v.cursor(keys)
	switch km.String() {
	case "down", "j":
		i++
	case "up", "k":
		i--
	case "pgdown", "ctrl+f":
		i += 10
	case "pgup", "ctrl+b":
		i -= 10
	case "home", "g":
		i = 0
	case "end", "G":
		i = len(keys) - 1
	case "a":
		m.allProjects = !m.allProjects
		return nil
	case "enter":
		if keys[i] == notRunning {
			return m.up()
		}
		return m.push(&detailView{ns: keys[i]})
	case "l":
		if keys[i] == notRunning {
			return nil
		}
		pods := m.snap.PodsIn(keys[i])
		if len(pods) == 0 {
			m.setFlash(false, "no pods in %s", keys[i])
			return nil
		}
		// Prefer a running pod over finished job pods.
		p := pods[0]
		for _, q := range pods {
			if q.Phase == "Running" {
				p = q
				break
			}
		}
		return m.openLogs(p)
	}
	v.selected = keys[max(0, min(i, len(keys)-1))]
	return nil
}

func (v *envsView) body(m *Model, w, h int) []string {
	var out []string
	out = append(out, m.resourceNotes(w, k8s.ResourceNamespaces, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourcePods, k8s.ResourceNodes)...)
	keys := v.list(m)
	if len(keys) == 0 {
		switch {
		case m.snap.Resources[k8s.ResourceNamespaces].Err != "":
		case !m.snap.Resources[k8s.ResourceNamespaces].Synced:
			out = append(out, m.styles.dim.Render("loading environments…"))
		case m.filter != "":
			out = append(out, m.styles.dim.Render(render.Fit("no environment matches "+m.filter, w)))
		default:
			out = append(out, m.styles.dim.Render(render.Fit("no environments yet: press u to start one for this branch", w)))
		}
		return out
	}
	if v.grid == nil || v.gridWidth != w {
		v.grid, v.gridWidth = render.NewGrid(render.EnvColumns(m.showProject()), v.rows, w-2), w
	}
	out = append(out, m.styles.title.Render("  "+v.grid.Header()))
	cur := v.cursor(keys)
	v.offset = scroll(v.offset, cur, len(keys), h-len(out))
	for i := v.offset; i < len(keys) && len(out) < h; i++ {
		r := v.row(m, i)
		out = append(out, m.styles.row(marker(i == cur)+v.grid.Line(r), r, i == cur))
	}
	return out
}

// marker is the cursor column: ">" on the selected row.
func marker(selected bool) string {
	if selected {
		return "> "
	}
	return "  "
}

// scroll returns the offset that keeps cursor visible in a window of h rows.
func scroll(offset, cursor, n, h int) int {
	if h <= 0 {
		return 0
	}
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+h {
		offset = cursor - h + 1
	}
	return max(0, min(offset, n-h))
}

// resourceNotes are one line per failing resource among rs, e.g. RBAC
// refusals, shown where the data would be.
func (m *Model) resourceNotes(w int, rs ...k8s.Resource) []string {
	var out []string
	for _, r := range rs {
		st := m.snap.Resources[r]
		if st.Err == "" {
			continue
		}
		what := "error"
		if st.Forbidden {
			what = "forbidden"
		}
		out = append(out, m.styles.errText.Render(render.Fit(fmt.Sprintf("! %s %s: %s", r, what, render.OneLine(st.Err)), w)))
	}
	return out
}
