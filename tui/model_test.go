package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// waitCalls waits until the fake actions recorded want.
func waitCalls(t *testing.T, a *fakeActions, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		got := slices.Clone(a.calls)
		a.mu.Unlock()
		if slices.Equal(got, want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	t.Fatalf("calls %q, want %q", a.calls, want)
}

func TestDeleteNeedsConfirmation(t *testing.T) {
	a := &fakeActions{}
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Actions = a
	s := startSession(t, cfg, 100, 24)
	s.waitFor("shop-fix-crash")
	s.keys("j", "d", "n") // declined
	s.waitFor("cancelled")
	s.keys("d", "y")
	s.waitFor("delete shop-fix-crash: done")
	waitCalls(t, a, "down shop-fix-crash")
}

func TestRedeploySleepWake(t *testing.T) {
	a := &fakeActions{}
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Actions = a
	s := startSession(t, cfg, 100, 24)
	s.waitFor("shop-old-ui")
	s.keys("r")
	s.waitFor("redeploy shop-feat-login: done")
	s.keys("s")
	s.waitFor("sleep shop-feat-login: done")
	s.keys("G", "s") // shop-old-ui sleeps: s wakes it
	s.waitFor("wake shop-old-ui: done")
	waitCalls(t, a, "restart shop-feat-login", "sleep shop-feat-login", "wake shop-old-ui")
}

func TestNavigationFollowsEvents(t *testing.T) {
	c := newFakeCluster(t, nil)
	s := startSession(t, shopConfig(c), 100, 40)
	s.waitFor("shop-main")
	s.keys("enter")
	s.waitFor("RECENT WARNINGS") // warnings need the env's events: opened on entering
	s.keys("e")
	s.waitFor("ScalingReplicaSet")
	s.keys("esc", "esc")
	s.waitFor("Environments (4)")
	out := s.screen()
	if !strings.Contains(out, "Environments (4)") {
		t.Errorf("esc esc did not return home:\n%s", out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Snapshot().EventsNamespace != "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if ns := c.Snapshot().EventsNamespace; ns != "" {
		t.Errorf("events of %q still watched at home", ns)
	}
}

func TestMouseWheelAndResize(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 24)
	s.waitFor("shop-old-ui")
	s.tm.Send(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	s.tm.Send(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	s.tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	s.keys("enter")
	s.waitFor("berth · kwok · shop · shop-main")
	out := s.screen()
	for i, l := range strings.Split(out, "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line %d wider than 80 after resize: %q", i, l)
		}
	}
}

func TestLogsPreviousAndBack(t *testing.T) {
	c := newFakeCluster(t, nil)
	c.logs = []string{"hello"}
	s := startSession(t, shopConfig(c), 100, 24)
	s.waitFor("shop-feat-login")
	s.keys("l") // logs of the env's first pod
	s.waitFor("hello")
	s.keys("p")
	s.waitFor("(previous)", "stream ended")
	s.keys("esc")
	s.waitFor("Environments (4)")
	s.screen()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.logO) != 2 || !c.logO[1].Previous || c.logO[1].Follow {
		t.Errorf("log requests %+v, want a follow then a previous", c.logO)
	}
}

func TestRootHandlesViewMessagesFromAnywhere(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 100, 24)
	s.waitFor("shop-main")
	s.tm.Send(openDetailMsg{ns: "shop-old-ui"})
	s.waitFor("berth · kwok · shop · shop-old-ui")
	s.tm.Send(flashMsg{ok: true, text: "sent from outside"})
	s.waitFor("sent from outside")
}

// Keys typed while the UI was busy reach it in one read, and bubbletea
// hands their characters over as one message: each still counts as its
// own key press, as when typed slowly. A paste is text, never commands.
func TestKeysTypedAheadInOneRead(t *testing.T) {
	slow, fast := bigModel(t, 160, 48), bigModel(t, 160, 48)
	for _, step := range [][]string{{"j", "j", "j"}, {"/", "s", "n", "u", "b", "a"}, {"enter"}, {"j", "k"}} {
		press(slow, step...)
		press(fast, strings.Join(step, "")) // keyMsg keeps the characters in one message
	}
	want := slow.render()
	if got := fast.render(); got != want {
		t.Fatalf("keys in one message:\n%s\none at a time:\n%s", got, want)
	}
	if !strings.Contains(want, "filter: snuba") {
		t.Fatalf("the filter did not take:\n%s", want)
	}
	fast.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjG"), Paste: true})
	if got := fast.render(); got != want {
		t.Errorf("a pasted jjG moved the view:\n%s", got)
	}
}
