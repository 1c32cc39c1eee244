package tui

import (
	"strings"
)

// keyHelp is one key in the footer and the help screen.
type keyHelp struct{ key, help string }

func globalKeys() []keyHelp {
	return []keyHelp{{"?", "help"}, {"q", "quit"}}
}

func envKeys() []keyHelp {
	return []keyHelp{{"u", "up"}, {"r", "redeploy"}, {"s", "sleep/wake"}, {"d", "delete"}}
}

// openURLKey opens the env's URL; listed after the views' other keys.
func openURLKey() keyHelp { return keyHelp{"o", "open URL"} }

// footer lists as many of the view's keys as fit, then "? help · q quit".
func (m *Model) footer(w int) string {
	keys := m.top().keys()
	var sig strings.Builder
	for _, k := range keys {
		sig.WriteString(k.key + "\x00" + k.help + "\x00")
	}
	if c := &m.footerCache; c.w == w && c.sig == sig.String() {
		return c.out // styling ~30 strings is most of an idle frame's cost
	}
	out := m.drawFooter(keys, w)
	m.footerCache = footerCache{w: w, sig: sig.String(), out: out}
	return out
}

// footerCache is the last footer drawn, by width and key list.
type footerCache struct {
	w        int
	sig, out string
}

func (m *Model) drawFooter(keys []keyHelp, w int) string {
	tail := globalKeys()
	var parts []string
	width := 0
	sep := " · "
	size := func(k keyHelp) int { return len([]rune(k.key)) + 1 + len([]rune(k.help)) }
	reserve := 0
	for _, k := range tail {
		reserve += size(k) + len(sep)
	}
	for _, k := range keys {
		n := size(k) + len(sep)
		if width+n+reserve > w {
			break
		}
		parts = append(parts, m.styles.footerKey.Render(k.key)+" "+m.styles.footer.Render(k.help))
		width += n
	}
	for _, k := range tail {
		parts = append(parts, m.styles.footerKey.Render(k.key)+" "+m.styles.footer.Render(k.help))
	}
	return strings.Join(parts, m.styles.footer.Render(sep))
}
