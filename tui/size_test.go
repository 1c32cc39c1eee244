package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/berth-dev/berth/k8s"
)

// TestEveryViewFitsEverySize draws each view at sizes from tiny to wide:
// no panic, exactly the terminal's height, no line wider than it.
func TestEveryViewFitsEverySize(t *testing.T) {
	c := newFakeCluster(t, func(s *k8s.Snapshot) {
		s.Connection = k8s.Connection{Err: "connection refused"}
		s.Resources[k8s.ResourcePods] = k8s.ResourceState{Forbidden: true, Err: "pods is forbidden"}
	})
	c.OpenEvents("shop-feat-login")
	long := strings.Repeat("wide ", 60)
	views := map[string]func(m *Model){
		"envs":   func(m *Model) {},
		"detail": func(m *Model) { m.push(&detailView{ns: "shop-feat-login"}) },
		"gone":   func(m *Model) { m.push(&detailView{ns: "nope"}) },
		"logs": func(m *Model) {
			v := &logsView{ns: "shop-feat-login", pod: "api", containers: []string{"api"}, follow: true, wrap: true, lines: []logLine{{text: long}, {text: "\tx"}, {text: "y"}}}
			m.push(v)
		},
		"events": func(m *Model) { m.push(&eventsView{tableView{ns: "shop-feat-login"}}) },
		"images": func(m *Model) { m.push(&imagesView{tableView{ns: "shop-feat-login"}}) },
		"help":   func(m *Model) { m.push(&helpView{}) },
		"up": func(m *Model) {
			m.push(&upView{branch: "feat/login", steps: []UpEvent{{Step: "namespace", State: StepDone, Detail: long}}, done: true, err: errString(long)})
		},
	}
	for name, open := range views {
		m := New(shopConfig(c))
		m.Update(snapshotMsg{snap: c.Snapshot()})
		open(m)
		m.setFlash(false, "%s", long)
		for _, size := range [][2]int{{1, 1}, {20, 5}, {40, 10}, {80, 24}, {81, 25}, {100, 30}, {200, 60}} {
			m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			for _, k := range []string{"j", "G", "k"} {
				m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			}
			out := m.render()
			lines := strings.Split(out, "\n")
			w, h := max(size[0], 20), max(size[1], 5)
			if len(lines) != h {
				t.Errorf("%s at %v: %d lines, want %d", name, size, len(lines), h)
			}
			for i, l := range lines {
				if lipgloss.Width(l) > w {
					t.Errorf("%s at %v: line %d is %d wide: %q", name, size, i, lipgloss.Width(l), l)
				}
			}
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestBannerSaysLostOnlyAfterItWorked(t *testing.T) {
	m := New(Config{Now: func() time.Time { return fixtureNow }})
	down := k8s.Connection{Since: fixtureNow.Add(-5e9), Err: "dial tcp 127.0.0.1:1: connect: connection refused"}
	m.Update(snapshotMsg{snap: &k8s.Snapshot{Connection: down}})
	if out := m.render(); !strings.Contains(out, "cannot reach the cluster (5s), retrying: dial tcp") || !strings.Contains(out, "○ disconnected") {
		t.Errorf("never connected:\n%s", out)
	}
	m.Update(snapshotMsg{snap: &k8s.Snapshot{Connection: down, Resources: map[k8s.Resource]k8s.ResourceState{k8s.ResourcePods: {Synced: true}}}})
	if out := m.render(); !strings.Contains(out, "connection lost 5s ago, re-watching") {
		t.Errorf("lost after working:\n%s", out)
	}
	m.Update(snapshotMsg{snap: &k8s.Snapshot{Connection: k8s.Connection{Connected: true}}})
	if out := m.render(); strings.Contains(out, "connection") || !strings.Contains(out, "● live") {
		t.Errorf("connected:\n%s", out)
	}
}
