package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

// Model is the root bubbletea model: shared state plus a stack of views.
type Model struct {
	cfg    Config
	styles styles

	snap     *k8s.Snapshot
	statuses []status.Env // every env in the snapshot, by namespace
	cache    statusCache  // statuses of unchanged envs are reused
	eventsNS string       // namespace whose events we asked to watch

	width, height int
	stack         []view
	clock         *render.Clock // the frame being drawn: its time, and when it goes stale
	alarm         *alarm        // redraws when text on screen goes stale; nil without Tick
	footerCache   footerCache

	filter    string
	filtering bool
	input     textinput.Model

	confirm *confirmation
	flash   string
	flashOK bool

	allProjects bool
	upGen       int
	upv         *upView // the latest spin-up, even when not on screen
	logGen      int
	cancelLogs  context.CancelFunc
	forwards    map[string]Forwarding // by namespace; nil while starting
	quitting    bool

	scoping bool          // Config.Scope has not answered: snapshots wait
	held    *k8s.Snapshot // the latest snapshot while scoping
	err     error         // Config.Scope's error, which ended the UI
}

type confirmation struct {
	prompt string
	run    tea.Cmd
}

// New builds the root model. Call Run, or hand it to tea.NewProgram.
func New(cfg Config) *Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ActionTimeout <= 0 {
		cfg.ActionTimeout = 10 * time.Minute
	}
	in := textinput.New()
	in.Prompt = "/"
	in.CharLimit = 64
	m := &Model{cfg: cfg, styles: newStyles(), input: in, width: 80, height: 24, snap: &k8s.Snapshot{}}
	m.cache.setPrices(cfg.Prices)
	m.clock = render.NewClock(cfg.Now())
	if cfg.Tick > 0 {
		m.alarm = newAlarm(cfg.Tick)
	}
	m.stack = []view{&envsView{}}
	m.scoping = cfg.Scope != nil
	return m
}

// Init starts listening for snapshots.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadSnapshot(false), m.waitChange()}
	if m.scoping {
		scope := m.cfg.Scope
		cmds = append(cmds, func() tea.Msg {
			s, err := scope()
			return scopeMsg{scope: s, err: err}
		})
	}
	if m.alarm != nil {
		cmds = append(cmds, m.alarm.wait)
	}
	return tea.Batch(cmds...)
}

// Messages.
type (
	snapshotMsg struct {
		snap  *k8s.Snapshot
		again bool // re-arm the change listener
	}
	tickMsg       struct{}
	watchEndedMsg struct{}
	actionDoneMsg struct {
		verb, ns string
		err      error
	}
	scopeMsg struct {
		scope Scope
		err   error
	}
)

func (m *Model) loadSnapshot(again bool) tea.Cmd {
	c := m.cfg.Cluster
	if c == nil {
		return nil
	}
	return func() tea.Msg { return snapshotMsg{snap: c.Snapshot(), again: again} }
}

func (m *Model) waitChange() tea.Cmd {
	if m.cfg.Cluster == nil {
		return nil
	}
	ch := m.cfg.Cluster.Changes()
	c := m.cfg.Cluster
	return func() tea.Msg {
		if _, ok := <-ch; !ok {
			return watchEndedMsg{}
		}
		return snapshotMsg{snap: c.Snapshot(), again: true}
	}
}

// Update routes messages: global keys first, then the view on top.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case snapshotMsg:
		if m.scoping { // drawn once the project is known
			m.held = msg.snap
			if msg.again {
				return m, m.waitChange()
			}
			return m, nil
		}
		m.setSnapshot(msg.snap)
		var cmds []tea.Cmd
		if msg.again {
			cmds = append(cmds, m.waitChange())
		}
		cmds = append(cmds, m.updateView(m.top(), msg))
		return m, tea.Batch(cmds...)
	case scopeMsg:
		if msg.err != nil {
			m.err = msg.err
			return m, m.quit()
		}
		m.cfg.Project, m.cfg.Branch, m.scoping = msg.scope.Project, msg.scope.Branch, false
		if !msg.scope.Prices.Zero() {
			m.cache.setPrices(msg.scope.Prices)
		}
		if m.held == nil {
			return m, nil
		}
		snap := m.held
		m.held = nil
		m.setSnapshot(snap)
		return m, m.updateView(m.top(), snapshotMsg{snap: snap})
	case tickMsg:
		return m, m.alarm.wait
	case upMsg:
		if m.upv == nil {
			return m, nil
		}
		return m, m.updateView(m.upv, msg)
	case logMsg:
		if msg.gen != m.logGen {
			return m, nil // a stream stopped since
		}
		// on to the view on top
	case watchEndedMsg:
		return m, nil
	case actionDoneMsg:
		switch {
		case msg.err != nil:
			m.setFlash(false, "%s %s: %v", msg.verb, msg.ns, msg.err)
		default:
			m.setFlash(true, "%s %s: done", msg.verb, msg.ns)
		}
		return m, nil
	case tea.MouseMsg:
		if !tea.MouseEvent(msg).IsWheel() || msg.Action != tea.MouseActionPress {
			return m, nil
		}
		k := tea.KeyMsg{Type: tea.KeyDown}
		if msg.Button == tea.MouseButtonWheelUp {
			k = tea.KeyMsg{Type: tea.KeyUp}
		}
		return m, m.updateView(m.top(), k)
	case tea.KeyMsg:
		return m, m.keys(msg)
	}
	if cmd, ok := m.handle(msg); ok {
		return m, cmd
	}
	return m, m.updateView(m.top(), msg)
}

// updateView hands msg to v and carries out what v asks of the root.
func (m *Model) updateView(v view, msg tea.Msg) tea.Cmd {
	cmd, req := v.update(m.shared(), msg)
	if req == nil {
		return cmd
	}
	done, _ := m.handle(req)
	return tea.Batch(cmd, done)
}

// handle carries out a message views send the root; ok is false for any
// other message.
func (m *Model) handle(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case openDetailMsg:
		if msg.replace {
			return m.replace(&detailView{ns: msg.ns}), true
		}
		return m.push(&detailView{ns: msg.ns}), true
	case openLogsMsg:
		return m.openLogs(msg.pod), true
	case restartLogsMsg:
		return m.startLogs(msg.opts), true
	case openWorkloadLogsMsg:
		return m.openWorkloadLogs(msg), true
	case restartWorkloadLogsMsg:
		return m.startWorkloadLogs(msg), true
	case openShellMsg:
		return m.openShell(msg.pod), true
	case shellDoneMsg:
		m.shellDone(msg)
		return nil, true
	case startUpMsg:
		return m.up(), true
	case upFinishedMsg:
		return m.upFinished(), true
	case toggleProjectsMsg:
		m.allProjects = !m.allProjects
		return nil, true
	case flashMsg:
		m.flash, m.flashOK = msg.text, msg.ok
		return nil, true
	case backMsg:
		return m.pop(), true
	case quitMsg:
		return m.quit(), true
	case openHelpMsg:
		if _, ok := m.top().(*helpView); !ok {
			m.push(&helpView{}) // help watches no events
		}
		return nil, true
	case openEventsMsg:
		if _, ok := m.top().(*eventsView); !ok && msg.ns != "" {
			return m.push(&eventsView{tableView{ns: msg.ns}}), true
		}
		return nil, true
	case openImagesMsg:
		if _, ok := m.top().(*imagesView); !ok && msg.ns != "" {
			return m.push(&imagesView{tableView{ns: msg.ns}}), true
		}
		return nil, true
	case openURLMsg:
		return m.openURL(msg.url), true
	case forwardMsg:
		if msg.ns == "" {
			return nil, true
		}
		return m.toggleForward(msg.ns), true
	case forwardStartedMsg:
		return m.forwardStarted(msg), true
	case forwardEventMsg:
		return m.forwardEvent(msg), true
	case envActionMsg:
		if msg.ns == "" {
			return nil, true
		}
		return m.envAction(msg.verb, msg.ns), true
	}
	return nil, false
}

// shared is the state views read, as it stands.
func (m *Model) shared() *viewCtx {
	return &viewCtx{
		snap:        m.snap,
		statuses:    m.statuses,
		clock:       m.clock,
		styles:      &m.styles,
		filter:      m.filter,
		project:     m.cfg.Project,
		branch:      m.cfg.Branch,
		allProjects: m.allProjects,
		width:       m.width,
		forwards:    m.forwards,
	}
}

// keys handles a key message. Keys typed ahead while the UI was busy
// arrive in one read, and bubbletea reports their characters as one
// message ("/web", "jj"): each is handled as its own key press, so "/"
// then text opens the filter and fills it. A paste stays one message:
// it is text for the filter, never a run of commands.
func (m *Model) keys(msg tea.KeyMsg) tea.Cmd {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
		return m.key(msg)
	}
	cmds := make([]tea.Cmd, 0, len(msg.Runes))
	for _, r := range msg.Runes {
		cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
	}
	return tea.Batch(cmds...)
}

// key handles one key press.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := msg.String()
	if k == "ctrl+c" {
		return m.quit()
	}
	if m.confirm != nil {
		c := m.confirm
		m.confirm = nil
		if k == "y" || k == "Y" {
			return c.run
		}
		m.setFlash(true, "cancelled")
		return nil
	}
	if m.filtering {
		switch k {
		case "enter":
			m.filtering = false
			m.input.Blur()
		case "esc":
			m.filtering, m.filter = false, ""
			m.input.Blur()
			m.input.SetValue("")
		default:
			var cmd tea.Cmd
			m.input, cmd = m.input.Update(msg)
			m.filter = m.input.Value()
			return cmd
		}
		return nil
	}
	m.flash = ""
	if k == "esc" && m.filter != "" {
		m.filter = ""
		m.input.SetValue("")
		return nil
	}
	if k == "/" {
		if _, ok := m.top().(filterable); ok {
			m.filtering = true
			m.input.SetValue(m.filter)
			return m.input.Focus()
		}
		return nil
	}
	if req, ok := m.globalKey(k); ok {
		cmd, _ := m.handle(req)
		return cmd
	}
	return m.updateView(m.top(), msg)
}

// globalKey is the message for a key that means the same in every view
// (ok false for other keys).
func (m *Model) globalKey(k string) (req tea.Msg, ok bool) {
	switch k {
	case "q":
		return quitMsg{}, true
	case "?":
		return openHelpMsg{}, true
	case "esc":
		return backMsg{}, true
	case "u":
		return startUpMsg{}, true
	case "r", "s", "d", "e", "i", "o":
	default:
		return nil, false
	}
	vc := m.shared()
	ns := m.top().env(vc)
	switch {
	case ns == "":
		return nil, true
	case k == "e":
		return openEventsMsg{ns: ns}, true
	case k == "i":
		return openImagesMsg{ns: ns}, true
	case k == "o":
		return m.urlToOpen(vc, ns), true
	case k == "r":
		return envActionMsg{verb: "redeploy", ns: ns}, true
	case k == "d":
		return envActionMsg{verb: "delete", ns: ns}, true
	case vc.status(ns).Phase == status.PhaseSleeping:
		return envActionMsg{verb: "wake", ns: ns}, true
	}
	return envActionMsg{verb: "sleep", ns: ns}, true
}

// urlToOpen is what o does in ns: open the URL of the service under the
// view's cursor, else the env's first; say so when the env has none.
func (m *Model) urlToOpen(vc *viewCtx, ns string) tea.Msg {
	service := ""
	if p, ok := m.top().(urlPicker); ok {
		service = p.urlService(vc)
	}
	url := render.PickURL(vc.status(ns).URLs, service)
	if url == "" {
		return flash(false, "%s has no URL (set domain in berth.yaml and run up)", ns)
	}
	return openURLMsg{url: url}
}

// quit ends the program; Run stops streams once it has exited.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	return tea.Quit
}

// envAction runs verb (see envActionMsg) on the env in ns; delete waits
// for a yes.
func (m *Model) envAction(verb, ns string) tea.Cmd {
	if m.cfg.Actions == nil {
		m.setFlash(false, "%s: %v", verb, ErrNotAvailable)
		return nil
	}
	a, timeout := m.cfg.Actions, m.cfg.ActionTimeout
	m.setFlash(true, "%s %s…", verb, ns)
	run := func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return actionDoneMsg{verb: verb, ns: ns, err: act(a, ctx, verb, ns)}
	}
	if verb == "delete" {
		m.confirm = &confirmation{prompt: fmt.Sprintf("Delete environment %s and everything in it? (y/N)", ns), run: run}
		return nil
	}
	return run
}

// act calls the action named by verb.
func act(a Actions, ctx context.Context, verb, ns string) error {
	switch verb {
	case "redeploy":
		return a.Restart(ctx, ns)
	case "sleep":
		return a.Sleep(ctx, ns)
	case "wake":
		return a.Wake(ctx, ns)
	case "delete":
		return a.Down(ctx, ns)
	}
	return fmt.Errorf("%s: unknown action", verb)
}

func (m *Model) setFlash(ok bool, format string, a ...any) {
	m.flash, m.flashOK = fmt.Sprintf(format, a...), ok
}

// push opens a view on top and follows its events namespace.
func (m *Model) push(v view) tea.Cmd {
	m.stack = append(m.stack, v)
	m.filter, m.filtering = "", false
	m.input.SetValue("")
	return m.followEvents()
}

// pop goes back one view.
func (m *Model) pop() tea.Cmd {
	if len(m.stack) <= 1 {
		return nil
	}
	if _, ok := m.top().(*logsView); ok {
		m.stopLogs()
	}
	m.stack = m.stack[:len(m.stack)-1]
	m.filter, m.filtering = "", false
	return m.followEvents()
}

// replace swaps the top view.
func (m *Model) replace(v view) tea.Cmd {
	m.stack[len(m.stack)-1] = v
	return m.followEvents()
}

func (m *Model) top() view { return m.stack[len(m.stack)-1] }

// followEvents watches the events of the env the user is looking at.
func (m *Model) followEvents() tea.Cmd {
	ns, vc := "", m.shared()
	for _, v := range m.stack {
		if e := v.env(vc); e != "" {
			if _, ok := v.(*envsView); !ok {
				ns = e
			}
		}
	}
	if ns == m.eventsNS || m.cfg.Cluster == nil {
		return nil
	}
	m.eventsNS = ns
	c := m.cfg.Cluster
	return func() tea.Msg {
		c.OpenEvents(ns)
		return nil
	}
}

func (m *Model) setSnapshot(s *k8s.Snapshot) {
	if s == nil {
		return
	}
	m.snap = s
	m.statuses = m.cache.statuses(s, m.statuses[:0])
	if c := s.Connection; !c.Connected && c.Err != "" {
		for i := range m.statuses {
			m.statuses[i] = m.statuses[i].Stale()
		}
	}
}

// stop ends what the model runs beside the program: log streams and the
// alarm. Call it once the program exited.
func (m *Model) stop() {
	m.stopLogs()
	m.stopForwards()
	if m.alarm != nil {
		m.alarm.stop()
	}
}

// View draws header, optional banners, the view's body, a message line and
// the footer; every line fits the terminal width.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	return m.render()
}

// render draws the screen.
func (m *Model) render() string {
	m.clock = render.NewClock(m.cfg.Now())
	if m.alarm != nil {
		defer func() { m.alarm.set(m.clock.Next()) }()
	}
	w, h := max(m.width, 20), max(m.height, 5)
	vc := m.shared()
	lines := []string{m.header(w, m.top().title(vc))}
	if b := m.banner(w); b != "" {
		lines = append(lines, b)
	}
	bodyH := h - len(lines) - 2
	body := m.top().body(vc, w, bodyH)
	for len(body) < bodyH {
		body = append(body, "")
	}
	lines = append(lines, body[:bodyH]...)
	lines = append(lines, m.messageLine(w), m.footer(w))
	return strings.Join(lines, "\n")
}

func (m *Model) header(w int, title string) string {
	left := "berth"
	if m.cfg.Context != "" {
		left += " · " + m.cfg.Context
	}
	if m.cfg.Project != "" && !m.allProjects {
		left += " · " + m.cfg.Project
	}
	left += " · " + title
	right := "● live"
	switch c := m.snap.Connection; {
	case !c.Connected && c.Err != "":
		right = "○ disconnected"
	case !c.Connected:
		right = "○ connecting"
	}
	if m.snap.Mode == k8s.ModeNamespaced { // a developer's narrow grant: berth namespaces only
		right = "envs only · " + right
	}
	gap := w - len([]rune(right)) - 1
	left = render.Fit(left, max(gap, 0))
	pad := strings.Repeat(" ", max(0, w-render.Width(left)-render.Width(right)))
	return m.styles.header.Render(left) + pad + m.styles.dim.Render(right)
}

// banner warns about a lost connection.
func (m *Model) banner(w int) string {
	c := m.snap.Connection
	if c.Connected || c.Err == "" {
		return ""
	}
	msg := fmt.Sprintf(" connection lost %s ago, re-watching: %s", m.clock.Since(c.Since), render.OneLine(c.Err))
	if !m.everSynced() {
		msg = fmt.Sprintf(" cannot reach the cluster (%s), retrying: %s", m.clock.Since(c.Since), render.OneLine(c.Err))
	}
	return m.styles.banner.Render(render.Pad(msg, w, false))
}

// everSynced reports whether any resource has been listed: a connection
// that never worked is not "lost".
func (m *Model) everSynced() bool {
	for _, st := range m.snap.Resources {
		if st.Synced {
			return true
		}
	}
	return false
}

func (m *Model) messageLine(w int) string {
	switch {
	case m.confirm != nil:
		return m.styles.errText.Render(render.Fit(m.confirm.prompt, w))
	case m.filtering:
		return render.Fit(m.input.View(), w)
	case m.flash != "":
		if m.flashOK {
			return m.styles.flash.Render(render.Fit(m.flash, w))
		}
		return m.styles.errText.Render(render.Fit(m.flash, w))
	case m.filter != "":
		return m.styles.dim.Render(render.Fit("filter: "+m.filter+"  (esc clears)", w))
	}
	return ""
}
