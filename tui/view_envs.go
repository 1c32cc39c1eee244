package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
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
	ids      []string     // cursor keys: namespaces, or notRunning
	statuses []status.Env // by row; zero for the not-running row
	rows     []render.Row // for the layout (ages have fixed widths)
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

func (v *envsView) title(c *viewCtx) string {
	n := len(c.visibleEnvs())
	if c.allProjects {
		return fmt.Sprintf("Environments, all projects (%d)", n)
	}
	return fmt.Sprintf("Environments (%d)", n)
}

func (v *envsView) keys() []keyHelp {
	return append([]keyHelp{{"enter", "open"}, {"j/k", "move"}, {"/", "filter"}}, append(envKeys(), keyHelp{"l", "logs"}, keyHelp{"e", "events"}, keyHelp{"a", "all projects"}, openURLKey(), keyHelp{"f", "forward"})...)
}

// list returns the cursor keys of the list, rebuilding it when the
// snapshot, filter or project scope changed.
func (v *envsView) list(c *viewCtx) []string {
	key := listKey{c.snap, c.filter, c.allProjects}
	if key == v.listKey && v.ids != nil {
		return v.ids
	}
	proj := c.showProject()
	// The layout's clock: ages off screen must not wake the program.
	layout := render.NewClock(c.clock.Now())
	keys, statuses, rows := []string{}, []status.Env(nil), []render.Row(nil)
	if c.branch != "" && c.currentEnv() == "" && c.matches(c.branch, "not running") {
		keys = append(keys, notRunning)
		statuses = append(statuses, status.Env{})
		rows = append(rows, render.EnvNotRunningRow(c.branch, proj))
	}
	for _, st := range c.visibleEnvs() {
		keys = append(keys, st.Namespace)
		statuses = append(statuses, st)
		rows = append(rows, render.EnvRow(st, layout, c.isCurrent(st), proj))
	}
	v.listKey, v.ids, v.statuses, v.rows, v.grid = key, keys, statuses, rows, nil
	return keys
}

// row is row i drawn at the frame's clock.
func (v *envsView) row(c *viewCtx, i int) render.Row {
	if v.ids[i] == notRunning {
		return v.rows[i]
	}
	st := v.statuses[i]
	return render.EnvRow(st, c.clock, c.isCurrent(st), c.showProject())
}

func (v *envsView) cursor(keys []string) int {
	for i, k := range keys {
		if k == v.selected {
			return i
		}
	}
	return 0
}

func (v *envsView) env(c *viewCtx) string {
	keys := v.list(c)
	if len(keys) == 0 {
		return ""
	}
	if k := keys[v.cursor(keys)]; k != notRunning {
		return k
	}
	return ""
}

func (v *envsView) update(c *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, nil
	}
	keys := v.list(c)
	if len(keys) == 0 {
		return nil, nil
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
		return nil, toggleProjectsMsg{}
	case "f":
		return nil, forwardMsg{ns: v.env(c)}
	case "enter":
		if keys[i] == notRunning {
			return nil, startUpMsg{}
		}
		return nil, openDetailMsg{ns: keys[i]}
	case "l":
		if keys[i] == notRunning {
			return nil, nil
		}
		pods := c.snap.PodsIn(keys[i])
		if len(pods) == 0 {
			return nil, flash(false, "no pods in %s", keys[i])
		}
		// Prefer a running pod over finished job pods.
		p := pods[0]
		for _, q := range pods {
			if q.Phase == "Running" {
				p = q
				break
			}
		}
		return nil, openLogsMsg{pod: p}
	}
	v.selected = keys[max(0, min(i, len(keys)-1))]
	return nil, nil
}

func (v *envsView) body(c *viewCtx, w, h int) []string {
	var out []string
	out = append(out, c.resourceNotes(w, k8s.ResourceNamespaces, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourcePods, k8s.ResourceNodes)...)
	keys := v.list(c)
	if len(keys) == 0 {
		switch {
		case c.snap.Resources[k8s.ResourceNamespaces].Err != "":
		case !c.snap.Resources[k8s.ResourceNamespaces].Synced:
			out = append(out, c.styles.dim.Render("loading environments…"))
		case c.filter != "":
			out = append(out, c.styles.dim.Render(render.Fit("no environment matches "+c.filter, w)))
		default:
			out = append(out, c.styles.dim.Render(render.Fit("no environments yet: press u to start one for this branch", w)))
		}
		return out
	}
	if v.grid == nil || v.gridWidth != w {
		v.grid, v.gridWidth = render.NewGrid(render.EnvColumns(c.showProject()), v.rows, w-2), w
	}
	out = append(out, c.styles.title.Render("  "+v.grid.Header()))
	cur := v.cursor(keys)
	v.offset = scroll(v.offset, cur, len(keys), h-len(out))
	for i := v.offset; i < len(keys) && len(out) < h; i++ {
		r := v.row(c, i)
		out = append(out, c.styles.row(marker(i == cur)+v.grid.Line(r), r, i == cur))
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
