package scaleload

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// FullScreen recognises berth's env list once what it shows is loaded:
// the header counts all the load's namespaces and every row of the load
// on screen shows all its pods in the SPOT/OD column (spot/on-demand
// counts). It is the live view's "first full screen" for the real
// binary (berthbench tui reads tmux's pane) and the headless program
// (BenchmarkScale reads its View) alike.
type FullScreen struct {
	Namespaces, PodsPer int
	Prefix              string // of the load's namespace names
}

// Screen is l's full screen.
func (l *Load) Screen() FullScreen {
	return FullScreen{Namespaces: len(l.Namespaces), PodsPer: l.PodsPer, Prefix: l.Run + "-"}
}

var (
	envCount = regexp.MustCompile(`Environments[^(\n]*\((\d+)\)`)
	podSplit = regexp.MustCompile(`^(\d+)/(\d+)$`)
)

// Shows reports whether screen (text; styling is ignored) is full.
func (f FullScreen) Shows(screen string) bool {
	screen = ansi.Strip(screen)
	m := envCount.FindStringSubmatch(screen)
	if m == nil || m[1] != strconv.Itoa(f.Namespaces) || strings.Contains(screen, "loading") {
		return false
	}
	rows := 0
	for _, line := range strings.Split(screen, "\n") {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), ">"))
		if len(fields) == 0 || !strings.HasPrefix(fields[0], f.Prefix) {
			continue
		}
		rows++
		pods := -1
		for _, fl := range fields[1:] {
			if m := podSplit.FindStringSubmatch(fl); m != nil {
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				pods = a + b
				break
			}
		}
		if pods != f.PodsPer {
			return false
		}
	}
	return rows > 0
}
