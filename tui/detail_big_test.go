package tui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// openBig starts a session at w×h on the big env's detail view.
func openBig(t *testing.T, w, h int) *session {
	t.Helper()
	s := startSession(t, bigConfig(newBigCluster(t)), w, h)
	s.waitFor(bigNS)
	s.keys("enter")
	// Events arrive after the view opens (the watcher opens them for the
	// namespace): wait for the fixture's warning too, or the golden may be
	// taken before it is shown.
	s.waitFor("PODS", "rollouts complete", "Back-off restarting")
	return s
}

func TestGoldenDetailBig80(t *testing.T) {
	s := openBig(t, 80, 24)
	s.golden()
}

func TestGoldenDetailBig160(t *testing.T) {
	s := openBig(t, 160, 48)
	s.golden()
}

func TestGoldenDetailBigExpanded80(t *testing.T) {
	s := openBig(t, 80, 24)
	s.keys("c")
	s.waitFor("press c to fold")
	s.golden()
}

func TestGoldenDetailBigExpanded160(t *testing.T) {
	s := openBig(t, 160, 48)
	s.keys("c")
	s.waitFor("press c to fold")
	s.golden()
}

// PODS focused, a page and a few rows down: the section scrolls, the rest
// of the view stays put.
func TestGoldenDetailBigPodsScrolled(t *testing.T) {
	s := openBig(t, 80, 24)
	s.keys("pgdown", "j", "j", "j")
	s.waitFor("above")
	s.golden()
}

// ROLLOUTS expanded and focused (shift-tab twice: PODS, JOBS, ROLLOUTS),
// scrolled to its end.
func TestGoldenDetailBigRolloutsScrolled(t *testing.T) {
	s := openBig(t, 160, 48)
	s.keys("c", "shift+tab", "shift+tab", "G")
	s.waitFor("Deployment/uptime-checker")
	s.golden()
}

// bigModel is the root model on the big env's detail view at w×h.
func bigModel(t *testing.T, w, h int) *Model {
	t.Helper()
	c := newBigCluster(t)
	c.OpenEvents(bigNS)
	cfg := bigConfig(c)
	cfg.Now = func() time.Time { return fixtureNow }
	m := New(cfg)
	m.Update(snapshotMsg{snap: c.Snapshot()})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.push(&detailView{ns: bigNS})
	return m
}

// press sends key presses (see keyMsg) straight to m.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

// sectionRows counts the table rows under title (lines starting "  " or
// "> " after the column header) up to the next blank or title line.
func sectionRows(screen, title string) int {
	lines := strings.Split(screen, "\n")
	n, in := 0, false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, title):
			in = true
		case !in:
		case l == "" || (l[0] != ' ' && l[0] != '>'):
			return n
		case strings.HasPrefix(strings.TrimSpace(l), strings.Fields(title)[0][:3]):
			// the column header (POD, WORKLOAD, JOB)
		default:
			n++
		}
	}
	return n
}

// At every size the header line stays on top, PODS shows more than one
// row, and the complete rollouts fold into one line.
func TestDetailHoldsSixtyWorkloads(t *testing.T) {
	// The env line, wrapped onto a second line when it does not fit.
	header := regexp.MustCompile(`^Failed \(.*\) · branch master · pods 69: spot \d+, on-demand \d+(\n| · )expires 2d23h · owner eve@example.com · \$5\.26/day · spot saves 37%$`)
	for _, size := range [][2]int{{80, 24}, {100, 30}, {160, 48}, {200, 60}} {
		for _, keys := range [][]string{nil, {"G"}, {"tab", "G"}, {"c", "shift+tab", "shift+tab", "G"}, {"shift+tab", "pgdown", "pgdown"}} {
			m := bigModel(t, size[0], size[1])
			press(m, keys...)
			screen := m.render()
			lines := strings.Split(screen, "\n")
			env := lines[1]
			if !strings.Contains(env, "owner") {
				env += "\n" + lines[2]
			}
			if !header.MatchString(env) {
				t.Errorf("%v after %v: lines 2-3 are not the env line: %q", size, keys, env)
			}
			if n := sectionRows(screen, "PODS"); n < 2 {
				t.Errorf("%v after %v: PODS shows %d rows:\n%s", size, keys, n, screen)
			}
			if !strings.Contains(screen, "✓ 55 rollouts complete — press c to") {
				t.Errorf("%v after %v: no fold line:\n%s", size, keys, screen)
			}
			for _, s := range []string{"ROLLOUTS", "JOBS", "PODS", "RECENT WARNINGS"} {
				if !regexp.MustCompile(`(?m)^` + s + `\b`).MatchString(screen) {
					t.Errorf("%v after %v: section %s missing:\n%s", size, keys, s, screen)
				}
			}
		}
	}
}

// Folded, the rollouts listed are exactly the ones not Complete; the fold
// key lists all 60.
func TestDetailFoldsCompleteRollouts(t *testing.T) {
	m := bigModel(t, 200, 200)
	screen := m.render()
	for _, name := range bigServices {
		listed := strings.Contains(screen, "Deployment/"+name+" ") || strings.Contains(screen, "StatefulSet/"+name+" ")
		if want := bigProgressing[name] || name == bigFailed; listed != want {
			t.Errorf("folded: %s listed %v, want %v", name, listed, want)
		}
	}
	press(m, "c")
	screen = m.render()
	for _, name := range bigServices {
		if !strings.Contains(screen, "/"+name+" ") {
			t.Errorf("expanded: %s not listed", name)
		}
	}
	press(m, "c")
	if screen := m.render(); strings.Contains(screen, "Deployment/vroom ") {
		t.Errorf("c again did not fold:\n%s", screen)
	}
}

// Workload names that share a long prefix stay apart when cut at 80
// columns: their ends show.
func TestDetailNamesStayDistinct(t *testing.T) {
	m := bigModel(t, 80, 200)
	press(m, "c")
	seen := map[string]bool{}
	for _, l := range strings.Split(m.render(), "\n") {
		if f := strings.Fields(strings.TrimPrefix(l, "> ")); len(f) > 1 && strings.HasPrefix(f[0], "Deployment/") {
			if seen[f[0]] {
				t.Errorf("two workloads show as %q", f[0])
			}
			seen[f[0]] = true
		}
	}
	// Each snuba-subscription-consumer-* shows as "…<end of its name>",
	// and that end holds the word that tells them apart.
	for full, word := range map[string]string{
		"snuba-subscription-consumer-events": "events", "snuba-subscription-consumer-transactions": "transactions",
		"snuba-subscription-consumer-metrics": "-metrics", "snuba-subscription-consumer-generic-metrics": "generic-metrics",
		"snuba-subscription-consumer-eap-spans": "eap-spans",
	} {
		found := false
		for name := range seen {
			_, end, cut := strings.Cut(name, "…")
			found = found || cut && strings.HasSuffix(full, end) && strings.Contains(end, word)
		}
		if !found {
			t.Errorf("%s does not show as …<its end with %q>: %v", full, word, seen)
		}
	}
}

// enter on a rollout moves the focus to its first pod; on a Job, to the
// Job's pod.
func TestDetailEnterOnRolloutGoesToItsPods(t *testing.T) {
	m := bigModel(t, 160, 48)
	press(m, "shift+tab", "shift+tab") // PODS → JOBS → ROLLOUTS
	m.render()
	press(m, "j", "j") // ingest-profiles, post-process-forwarder-errors, snuba-subscription-consumer-metrics
	press(m, "enter")
	v := m.top().(*detailView)
	if v.focus != secPods || !strings.HasPrefix(v.selected, bigFailed+"-"+hash(bigFailed)+"-") {
		t.Errorf("after enter on %s: focus %v, pod %q", bigFailed, v.focus, v.selected)
	}
	// The cursor row shows the pod, its name cut in the middle.
	if screen := m.render(); !regexp.MustCompile(`(?m)^> snuba-.*consumer-metrics` + regexp.QuoteMeta(strings.TrimPrefix(v.selected, bigFailed)) + ` `).MatchString(screen) {
		t.Errorf("the pod under the cursor is not on screen:\n%s", screen)
	}

	press(m, "shift+tab") // JOBS
	press(m, "G", "enter")
	if v.focus != secPods || !strings.HasPrefix(v.selected, "snuba-bootstrap-") {
		t.Errorf("after enter on job snuba-bootstrap: focus %v, pod %q", v.focus, v.selected)
	}
}
