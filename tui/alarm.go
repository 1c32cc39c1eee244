package tui

import (
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// alarm wakes the program when text on screen goes stale (an age ticks
// over, a running Job's duration grows) and not otherwise: every frame
// sets the next wake-up from its clock, so an idle screen showing
// hour-old envs wakes once a minute, not once a second.
type alarm struct {
	gap time.Duration // at most one wake-up per gap

	mu   sync.Mutex
	at   time.Time // next wake-up; zero: none
	last time.Time // the last wake-up
	kick chan struct{}
	done chan struct{}
	once sync.Once
}

func newAlarm(gap time.Duration) *alarm {
	return &alarm{gap: gap, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// set moves the next wake-up to at (zero: none), no sooner than gap after
// the last one.
func (a *alarm) set(at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !at.IsZero() && at.Before(a.last.Add(a.gap)) {
		at = a.last.Add(a.gap)
	}
	if at.Equal(a.at) {
		return
	}
	a.at = at
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// wait is the command that sleeps until the wake-up and then delivers a
// tickMsg; the program runs one at a time (Update starts the next).
func (a *alarm) wait() tea.Msg {
	for {
		a.mu.Lock()
		at := a.at
		a.mu.Unlock()
		var fire <-chan time.Time
		var timer *time.Timer
		if !at.IsZero() {
			timer = time.NewTimer(time.Until(at))
			fire = timer.C
		}
		select {
		case now := <-fire:
			a.mu.Lock()
			a.last = now
			if a.at.Equal(at) {
				a.at = time.Time{} // the frame drawn for this tick sets the next
			}
			a.mu.Unlock()
			return tickMsg{}
		case <-a.kick:
		case <-a.done:
			if timer != nil {
				timer.Stop()
			}
			return nil
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// stop ends a pending wait.
func (a *alarm) stop() { a.once.Do(func() { close(a.done) }) }
