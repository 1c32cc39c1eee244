package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
)

func TestAlarmFiresAtItsTimeAndStops(t *testing.T) {
	a := newAlarm(0)
	got := make(chan tea.Msg, 1)
	go func() { got <- a.wait() }()
	a.set(time.Now().Add(20 * time.Millisecond))
	select {
	case msg := <-got:
		if _, ok := msg.(tickMsg); !ok {
			t.Fatalf("wait returned %T, want tickMsg", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the alarm did not fire")
	}

	// Nothing set: the next wait sleeps until stopped.
	go func() { got <- a.wait() }()
	a.set(time.Time{})
	select {
	case msg := <-got:
		t.Fatalf("wait returned %v with no wake-up set", msg)
	case <-time.After(100 * time.Millisecond):
	}
	a.stop()
	select {
	case msg := <-got:
		if msg != nil {
			t.Fatalf("a stopped wait returned %T, want nil", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not end the wait")
	}
}

func TestAlarmKeepsItsGap(t *testing.T) {
	a := newAlarm(time.Second)
	a.last = fixtureNow
	a.set(fixtureNow.Add(10 * time.Millisecond))
	if want := fixtureNow.Add(time.Second); !a.at.Equal(want) {
		t.Fatalf("a wake-up 10ms after the last one: at = %v, want %v", a.at, want)
	}
	a.set(fixtureNow.Add(time.Minute))
	if want := fixtureNow.Add(time.Minute); !a.at.Equal(want) {
		t.Fatalf("at = %v, want %v", a.at, want)
	}
}

// The alarm is set for exactly when the screen would change: the frame is
// the same at every instant before it and different at it — so an idle
// list of older envs wakes the program when a shown age ticks over, not
// every second.
func TestFrameWakesWhenShownTextChanges(t *testing.T) {
	now := fixtureNow.Add(17300 * time.Millisecond) // off the fixture's whole minutes and hours
	cfg := shopConfig(nil)
	cfg.Now = func() time.Time { return now }
	cfg.Tick = time.Nanosecond
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	m.Update(snapshotMsg{snap: newFakeCluster(t, nil).Snapshot()})

	for i := range 8 {
		frame := m.render()
		at := m.alarm.at
		if i == 0 && !at.After(now.Add(time.Second)) {
			t.Fatalf("at %v: next wake-up %v is within a second; the fixture's ages are minutes or more old", now, at)
		}
		start := now
		for _, t2 := range []time.Time{start.Add(time.Second), start.Add(at.Sub(start) / 2), at.Add(-time.Nanosecond)} {
			if !t2.Before(at) {
				continue
			}
			now = t2
			if got := m.render(); got != frame {
				t.Fatalf("the screen changed at %v, before the wake-up at %v:\n%s\nvs\n%s", t2, at, frame, got)
			}
		}
		now = at
		if m.render() == frame {
			t.Fatalf("the screen did not change at the wake-up %v", at)
		}
	}
}

// Ages off screen do not wake the program; once scrolled into view they do.
func TestOffScreenAgesDoNotWake(t *testing.T) {
	now := fixtureNow.Add(17300 * time.Millisecond)
	cfg := shopConfig(nil)
	cfg.Now = func() time.Time { return now }
	cfg.Tick = time.Nanosecond
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 6}) // header, table header, 2 rows, message, footer
	snap := newFakeCluster(t, func(s *k8s.Snapshot) {
		for i := range s.Namespaces {
			if s.Namespaces[i].Name == "shop-old-ui" {
				s.Namespaces[i].Created = now.Add(-5 * time.Second) // shown as "5s": changes every second
			}
		}
	}).Snapshot()
	m.Update(snapshotMsg{snap: snap})
	if frame := m.render(); containsLine(frame, "shop-old-ui") {
		t.Fatalf("the test needs shop-old-ui off screen:\n%s", frame)
	}
	if at := m.alarm.at; !at.After(now.Add(time.Second)) {
		t.Fatalf("an off-screen 5s age set the wake-up to %v", at)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("G")})
	if frame := m.render(); !containsLine(frame, "shop-old-ui") {
		t.Fatalf("G did not scroll shop-old-ui into view:\n%s", frame)
	}
	if want := now.Add(time.Second); !m.alarm.at.Equal(want) {
		t.Fatalf("with a 5s age on screen the wake-up is %v, want %v", m.alarm.at, want)
	}
}

// containsLine reports whether any line of frame mentions s.
func containsLine(frame, s string) bool { return strings.Contains(frame, s) }
