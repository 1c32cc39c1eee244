package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/tui/render"
)

// helpView lists every key.
type helpView struct{}

func (*helpView) title(*viewCtx) string { return "Help" }

func (*helpView) env(*viewCtx) string { return "" }

func (*helpView) keys() []keyHelp { return []keyHelp{{"esc", "back"}} }

func (*helpView) update(*viewCtx, tea.Msg) (tea.Cmd, tea.Msg) { return nil, nil }

func (*helpView) body(c *viewCtx, w, h int) []string {
	sections := []struct {
		title string
		keys  []keyHelp
	}{
		{"Everywhere", []keyHelp{
			{"enter", "open the env or pod under the cursor; a rollout's or job's pods"},
			{"esc", "back (or clear the filter)"},
			{"j/k ↑/↓", "move; mouse wheel scrolls"},
			{"pgup/pgdn", "a page up / down; g/G top / bottom"},
			{"/", "filter the list"},
			{"?", "this help"},
			{"q ctrl-c", "quit"},
		}},
		{"Environments", []keyHelp{
			{"u", "up: deploy the current branch and follow it"},
			{"r", "redeploy (rollout restart)"},
			{"s", "sleep / wake"},
			{"d", "delete (asks to confirm)"},
			{"f", "forward ports of its services / stop (shown in the header)"},
			{"tab S-tab", "detail: focus the next / previous section"},
			{"c", "detail: fold / expand the complete rollouts"},
			{"l", "logs of a pod; on a rollout, all its pods merged"},
			{"e / i", "events / images and their digests"},
			{"o", "open the env's URL (of the rollout under the cursor)"},
			{"a", "all projects / this project"},
		}},
		{"Logs", []keyHelp{
			{"f", "follow new lines"},
			{"space", "pause / resume"},
			{"w", "wrap long lines"},
			{"p", "previous container instance"},
			{"c", "next container (a rollout's: all, then each)"},
			{"g/G", "top / bottom"},
		}},
	}
	var out []string
	for _, s := range sections {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, c.styles.title.Render(s.title))
		for _, k := range s.keys {
			out = append(out, render.Fit(fmt.Sprintf("  %s  %s", c.styles.footerKey.Render(render.Pad(k.key, 9, false)), k.help), w))
		}
	}
	if len(out) > h {
		out = out[:h]
	}
	return out
}
