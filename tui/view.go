package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
)

// view is one screen. A view keeps its own cursor and scroll state, reads
// the shared state (snapshot, statuses, clock, styles, filter, config) from
// a viewCtx, and asks the root for anything beyond itself — another view,
// a log stream, the message line — by returning a message: the root
// handles it before the next frame, as if it had arrived from outside.
type view interface {
	// title names the view in the header.
	title(c *viewCtx) string
	// update handles a key or message meant for this view. It returns a
	// command to run and a message for the root (nil for none).
	update(c *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg)
	// body renders exactly height lines of at most width cells.
	body(c *viewCtx, width, height int) []string
	// keys lists the view's keys for the footer, most useful first.
	keys() []keyHelp
	// env is the namespace the view is about ("" for none).
	env(c *viewCtx) string
}

// filterable views accept "/".
type filterable interface{ filterable() }

// Messages views send the root; the root maps global keys to them too.
type (
	// openDetailMsg opens the detail view of ns on top, or in place of
	// the top view.
	openDetailMsg struct {
		ns      string
		replace bool
	}
	// openLogsMsg opens the logs of pod's first container.
	openLogsMsg struct{ pod k8s.Pod }
	// restartLogsMsg replaces the log stream of the view on top.
	restartLogsMsg struct{ opts k8s.LogOptions }
	// startUpMsg deploys the current branch in the spin-up view.
	startUpMsg struct{}
	// upFinishedMsg: the spin-up ended (see Model.upv).
	upFinishedMsg struct{}
	// toggleProjectsMsg switches between this project and all projects.
	toggleProjectsMsg struct{}
	// backMsg closes the view on top.
	backMsg struct{}
	// quitMsg ends the program.
	quitMsg struct{}
	// openHelpMsg shows every key.
	openHelpMsg struct{}
	// openEventsMsg lists the events of ns.
	openEventsMsg struct{ ns string }
	// openImagesMsg lists the images of ns.
	openImagesMsg struct{ ns string }
	// envActionMsg runs verb (redeploy, sleep, wake or delete) on the env
	// in ns; delete asks first.
	envActionMsg struct{ verb, ns string }
	// flashMsg shows text on the message line, as an error unless ok.
	flashMsg struct {
		ok   bool
		text string
	}
)

// flash is the message that shows a formatted line.
func flash(ok bool, format string, a ...any) tea.Msg {
	return flashMsg{ok: ok, text: fmt.Sprintf(format, a...)}
}
