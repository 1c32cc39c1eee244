package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

// detailView shows one environment: its header (one or two lines) stays on
// screen, then rollouts, jobs, pods and last warnings, each a section with
// its own cursor and scroll offset. tab focuses the next section; complete
// rollouts fold into one line that c expands.
type detailView struct {
	ns       string
	selected string // pod under the cursor
	focus    section
	expanded bool             // complete rollouts listed, not folded
	cur      [numSections]int // cursor per section (pods: see selected)
	off      [numSections]int // first row shown, per section
	page     [numSections]int // rows shown at the last frame, per section
}

// section is one part of the detail view.
type section int

// Sections; the zero value, PODS, has the focus when the view opens. tab
// goes through them in the order they are drawn.
const (
	secPods section = iota
	secRollouts
	secJobs
	secWarnings
	numSections
)

// foldKey folds and expands the complete rollouts.
const foldKey = "c"

func (*detailView) filterable() {}

func (v *detailView) title(*viewCtx) string { return v.ns }

func (v *detailView) env(*viewCtx) string { return v.ns }

func (v *detailView) keys() []keyHelp {
	return append([]keyHelp{{"esc", "back"}, {"tab", "section"}, {"j/k", "move"}, {foldKey, "fold"}, {"l", "logs"}, {"x", "shell"}, {"e", "events"}, {"i", "images"}, {"/", "filter"}}, append(envKeys(), openURLKey(), keyHelp{"f", "forward"})...)
}

// pods are the env's pods matching the filter.
func (v *detailView) pods(c *viewCtx) []k8s.Pod {
	var out []k8s.Pod
	for _, p := range c.snap.PodsIn(v.ns) {
		if c.matches(p.Name, p.Status(), p.Node, p.OwnerName) {
			out = append(out, p)
		}
	}
	return out
}

func (v *detailView) podCursor(pods []k8s.Pod) int {
	for i, p := range pods {
		if p.Name == v.selected {
			return i
		}
	}
	return 0
}

// sections are the env's sections as they stand, with their rows.
func (v *detailView) sections(c *viewCtx, w int) []block {
	var out []block

	rollouts := block{id: secRollouts, title: "ROLLOUTS", notes: c.resourceNotes(w, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourceDaemonSets)}
	if ws := c.snap.WorkloadsIn(v.ns); len(ws) > 0 {
		listed, complete := render.FoldRollouts(ws, v.expanded)
		if complete > 0 {
			rollouts.lead = c.styles.kinds[render.KindGood].Render(render.Fit(render.FoldLine(complete, v.expanded, foldKey), w-2))
		}
		rows := make([]render.Row, len(listed))
		for i, x := range listed {
			rows[i] = render.WorkloadRow(x)
			rollouts.owners = append(rollouts.owners, x.Kind+"/"+x.Name)
		}
		rollouts.cols, rollouts.rows = render.WorkloadColumns(), rows
	} else {
		rollouts.empty = "no workloads"
	}
	_, denied := c.snap.Denied(v.ns)
	if denied {
		rollouts.notes = append(c.accessNote(w, v.ns), rollouts.notes...)
		rollouts.empty = "not readable"
	}
	out = append(out, rollouts)

	if js := c.snap.JobsIn(v.ns); len(js) > 0 || c.snap.Resources[k8s.ResourceJobs].Err != "" {
		jobs := block{id: secJobs, title: "JOBS", notes: c.resourceNotes(w, k8s.ResourceJobs), cols: render.JobColumns()}
		for _, j := range js {
			jobs.rows = append(jobs.rows, render.JobRow(j, c.clock))
			jobs.owners = append(jobs.owners, "Job/"+j.Name)
		}
		out = append(out, jobs)
	}

	pods := block{id: secPods, title: "PODS", notes: c.resourceNotes(w, k8s.ResourcePods, k8s.ResourceNodes), cols: render.PodColumns(), empty: "no pods"}
	if denied {
		pods.empty = "not readable"
	}
	for _, p := range v.pods(c) {
		pods.rows = append(pods.rows, render.PodRow(p, render.CapacityOf(c.snap, p.Node), c.clock))
	}
	out = append(out, pods)

	var warnings []render.Row
	if c.snap.EventsNamespace == v.ns {
		for _, e := range render.RecentWarnings(c.snap.Events) {
			warnings = append(warnings, render.EventRow(e, c.clock))
		}
	}
	if len(warnings) > 0 || c.snap.Resources[k8s.ResourceEvents].Err != "" {
		out = append(out, block{id: secWarnings, title: "RECENT WARNINGS", notes: c.resourceNotes(w, k8s.ResourceEvents), cols: render.EventColumns(), rows: warnings})
	}
	return out
}

// block is one section as drawn: title, notes about unreadable resources,
// an optional lead line that stays put (the folded rollouts), then table
// rows that scroll.
type block struct {
	id    section
	title string
	notes []string
	lead  string
	cols  []render.Column
	rows  []render.Row
	empty string // shown instead of an empty table
	// owners are "Kind/name" of each row's pods' controller (rollouts, jobs).
	owners []string
}

// size is the number of rows the cursor moves over.
func (b block) size() int { return len(b.rows) }

func (v *detailView) update(c *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, nil
	}
	bs := v.sections(c, c.width)
	switch km.String() {
	case foldKey:
		v.expanded = !v.expanded
		return nil, nil
	case "tab":
		v.focusNext(bs, 1)
		return nil, nil
	case "shift+tab":
		v.focusNext(bs, -1)
		return nil, nil
	case "f":
		return nil, forwardMsg{ns: v.ns}
	}
	b, ok := findBlock(bs, v.focus)
	if !ok || b.size() == 0 {
		return nil, nil
	}
	pods := v.pods(c)
	i := v.cur[v.focus]
	if v.focus == secPods {
		i = v.podCursor(pods)
	}
	page := max(1, v.page[v.focus])
	switch km.String() {
	case "down", "j":
		i++
	case "up", "k":
		i--
	case "pgdown", "ctrl+f":
		i += page
	case "pgup", "ctrl+b":
		i -= page
	case "home", "g":
		i = 0
	case "end", "G":
		i = b.size() - 1
	case "x":
		if v.focus == secPods {
			return nil, openShellMsg{pod: pods[i]}
		}
		// On a rollout or job: its first Ready pod.
		if i >= len(b.owners) {
			return nil, nil
		}
		if p, ok := readyPod(pods, b.owners[i]); ok {
			return nil, openShellMsg{pod: p}
		}
		return nil, flash(false, "%s has no Ready pod", b.owners[i])
	case "enter", "l":
		if v.focus == secPods {
			return nil, openLogsMsg{pod: pods[i]}
		}
		// On a rollout or job: enter goes to its first pod; l opens the
		// rollout's merged logs, the job's first pod's.
		if i >= len(b.owners) {
			return nil, nil
		}
		for _, p := range pods {
			if p.OwnerKind+"/"+p.OwnerName == b.owners[i] {
				if km.String() == "l" && v.focus == secRollouts {
					kind, name, _ := strings.Cut(b.owners[i], "/")
					return nil, openWorkloadLogsMsg{ns: v.ns, kind: kind, name: name, first: p}
				}
				if km.String() == "l" {
					return nil, openLogsMsg{pod: p}
				}
				v.focus, v.selected = secPods, p.Name
				return nil, nil
			}
		}
		return nil, flash(false, "%s has no pods", b.owners[i])
	}
	i = max(0, min(i, b.size()-1))
	v.cur[v.focus] = i
	if v.focus == secPods {
		v.selected = pods[i].Name
	}
	return nil, nil
}

// focusNext moves the focus to the next (dir 1) or previous (-1) section
// that has rows.
func (v *detailView) focusNext(bs []block, dir int) {
	var ids []section
	for _, b := range bs {
		if b.size() > 0 {
			ids = append(ids, b.id)
		}
	}
	if len(ids) == 0 {
		return
	}
	at := -1
	for i, id := range ids {
		if id == v.focus {
			at = i
		}
	}
	if at < 0 {
		v.focus = ids[0]
		return
	}
	v.focus = ids[(at+dir+len(ids))%len(ids)]
}

func findBlock(bs []block, id section) (block, bool) {
	for _, b := range bs {
		if b.id == id {
			return b, true
		}
	}
	return block{}, false
}

func (v *detailView) body(c *viewCtx, w, h int) []string {
	st := c.status(v.ns)
	if st.Phase == status.PhaseMissing {
		return []string{c.styles.dim.Render(render.Fit(v.ns+" is gone (deleted, or outside the watched namespaces). esc goes back.", w))}
	}
	bs := v.sections(c, w)
	if b, ok := findBlock(bs, v.focus); !ok || b.size() == 0 {
		v.focusNext(bs, 1)
	}
	if v.focus == secPods {
		v.cur[secPods] = v.podCursor(v.pods(c))
	}

	// The env's header lines stay on top; sections share the rest (see
	// render.Share), the focused one first in line for a spare row. Each
	// costs its title, notes, lead and table header; the blank lines
	// between them go first when rows would not fit.
	overhead, want := 0, make([]int, len(bs))
	for i, b := range bs {
		overhead += 1 + len(b.notes)
		if b.lead != "" {
			overhead++
		}
		if b.size() > 0 {
			overhead++ // table header
		}
		want[i] = b.size()
		if want[i] == 0 && b.empty != "" {
			overhead++ // "no pods"
		}
	}
	gaps := len(bs) + 1 // after the header line and between sections
	total := 0
	for _, n := range want {
		total += n
	}
	head := append(summary(c, st, w), forwardLine(c, v.ns, w)...)
	avail := h - len(head) - overhead
	if avail-gaps >= total {
		avail -= gaps
	} else {
		gaps = 0
	}
	prefer := 0
	for i, b := range bs {
		if b.id == v.focus {
			prefer = i
		}
	}
	share := render.Share(want, max(avail, 0), prefer)

	lines := head
	for i, b := range bs {
		if gaps > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, v.drawBlock(c, b, w, share[i])...)
	}
	if len(lines) > h {
		lines = lines[:max(h, 0)]
	}
	return lines
}

// drawBlock draws a section in at most n rows below its title, notes and
// table header, scrolled to keep its cursor in view.
func (v *detailView) drawBlock(c *viewCtx, b block, w, n int) []string {
	size := b.size()
	focused := b.id == v.focus
	cur := min(v.cur[b.id], max(size-1, 0))
	v.page[b.id] = n
	v.off[b.id] = scroll(v.off[b.id], cur, size, n)
	off := v.off[b.id]
	end := min(size, off+n)

	title := c.styles.title
	if focused && size > 0 {
		title = c.styles.header
	}
	more := strings.TrimSpace(render.MoreAbove(off) + "  " + render.MoreBelow(size-end))
	head := title.Render(b.title)
	if more != "" {
		head += c.styles.dim.Render(render.Fit("  "+more, max(0, w-render.Width(b.title))))
	}
	out := append([]string{head}, b.notes...)
	if b.lead != "" {
		out = append(out, "  "+b.lead)
	}
	if size == 0 {
		if b.empty != "" {
			out = append(out, c.styles.dim.Render(render.Fit("  "+b.empty, w)))
		}
		return out
	}
	header, lines := render.Table(b.cols, b.rows, w-2)
	out = append(out, c.styles.dim.Render("  "+header))
	for i := off; i < end; i++ {
		sel := focused && i == cur
		out = append(out, c.styles.row(marker(sel)+lines[i], b.rows[i], sel))
	}
	return out
}

// urlService is the service whose URL o opens: the rollout under the
// cursor, or the one whose name starts the pod under it; "" (the env's
// first URL) elsewhere.
func (v *detailView) urlService(c *viewCtx) string {
	bs := v.sections(c, c.width)
	b, ok := findBlock(bs, v.focus)
	if !ok {
		return ""
	}
	switch v.focus {
	case secRollouts:
		if i := v.cur[secRollouts]; i < len(b.owners) {
			_, name, _ := strings.Cut(b.owners[i], "/")
			return name
		}
	case secPods:
		best := ""
		for _, u := range c.status(v.ns).URLs {
			if strings.HasPrefix(v.selected, u.Service+"-") && len(u.Service) > len(best) {
				best = u.Service
			}
		}
		return best
	}
	return ""
}

// summary is the env's header: status, branch, pods by capacity, expiry,
// owner, cost, on one line when they fit and on two otherwise, then the
// env's URLs when it has any and what it borrows from a baseline (changed
// mode). A reason gets the room the others leave, so a long one never
// pushes them off screen.
func summary(c *viewCtx, st status.Env, w int) []string {
	lines := facts(c, st, w)
	if line := render.URLsLine(st.URLs); line != "" {
		lines = append(lines, c.styles.dim.Render(render.Fit(line, w)))
	}
	if line := render.BorrowLine(st); line != "" {
		lines = append(lines, c.styles.dim.Render(render.Fit(line, w)))
	}
	return lines
}

// facts are the first lines of summary.
func facts(c *viewCtx, st status.Env, w int) []string {
	label := st.Label()
	first := []string{"branch " + orDash(st.Branch), render.PodCounts(st)}
	second := append([]string{"expires " + c.clock.Until(st.ExpiresAt), "owner " + orDash(st.Owner)}, render.CostFacts(st)...)
	style := c.styles.kinds[render.PhaseKind(st.Phase)].Bold(true)
	withReason := func(facts []string) string {
		rest := " · " + strings.Join(facts, " · ")
		if st.Reason == "" {
			return label + rest
		}
		if room := w - render.Width(label) - render.Width(rest) - len(" ()"); room >= 4 {
			return label + " (" + render.Fit(render.OneLine(st.Reason), room) + ")" + rest
		}
		return label + " (…)" + rest
	}
	if render.Width(label+" · "+strings.Join(append(first, second...), " · ")) <= w {
		return []string{style.Render(render.Fit(withReason(append(first, second...)), w))}
	}
	return []string{
		style.Render(render.Fit(withReason(first), w)),
		style.Render(render.Fit(strings.Join(second, " · "), w)),
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
