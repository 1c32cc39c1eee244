package tui

import (
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
)

// ShellFunc returns the session the x key runs: a shell in one container
// of a pod. bubbletea suspends the UI, hands it the terminal and runs it.
type ShellFunc func(namespace, pod, container string) tea.ExecCommand

type (
	// openShellMsg runs a shell in pod's first container.
	openShellMsg struct{ pod k8s.Pod }
	// shellDoneMsg: the shell in what ended, with err.
	shellDoneMsg struct {
		what string
		err  error
	}
)

// openShell suspends the UI for a shell in p's first container; the view
// on screen is back when it ends.
func (m *Model) openShell(p k8s.Pod) tea.Cmd {
	if m.cfg.Shell == nil {
		m.setFlash(false, "shell: %v", ErrNotAvailable)
		return nil
	}
	if len(p.Containers) == 0 {
		m.setFlash(false, "shell: pod %s has no containers", p.Name)
		return nil
	}
	c := p.Containers[0]
	what := fmt.Sprintf("pod %s/%s container %s", p.Namespace, p.Name, c)
	return tea.Exec(m.cfg.Shell(p.Namespace, p.Name, c), func(err error) tea.Msg {
		return shellDoneMsg{what: what, err: err}
	})
}

// shellDone reports how the shell ended on the message line: its exit
// code is the last command's, not an error of berth's.
func (m *Model) shellDone(msg shellDoneMsg) {
	var exit interface{ ExitStatus() int }
	switch {
	case msg.err == nil:
		m.setFlash(true, "shell in %s ended", msg.what)
	case errors.As(msg.err, &exit):
		m.setFlash(true, "shell in %s ended with exit code %d", msg.what, exit.ExitStatus())
	default:
		m.setFlash(false, "shell in %s: %v", msg.what, msg.err)
	}
}

// readyPod is the first Ready pod of the workload kind/name among pods.
func readyPod(pods []k8s.Pod, owner string) (k8s.Pod, bool) {
	for _, p := range pods {
		if p.OwnerKind+"/"+p.OwnerName == owner && p.Serving() {
			return p, true
		}
	}
	return k8s.Pod{}, false
}
