package render

import (
	"math/rand/v2"
	"testing"
	"time"
)

// durations across every range Age formats, with their edges.
func sampleDurations() []time.Duration {
	var ds []time.Duration
	for _, s := range []int64{0, 1, 59, 60, 119, 120, 599, 600, 601, 3*3600 - 1, 3 * 3600, 8*3600 - 1, 8 * 3600, 48 * 3600, 8*86400 - 1, 8 * 86400, 365*86400 - 1, 365 * 86400, 3 * 365 * 86400} {
		for _, ns := range []int64{0, 1, 999_999_999} {
			ds = append(ds, time.Duration(s)*time.Second+time.Duration(ns))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ds = append(ds, time.Duration(r.Int64N(int64(400*24*time.Hour))))
	}
	return ds
}

func TestAgeChangesIn(t *testing.T) {
	for _, d := range sampleDurations() {
		in := AgeChangesIn(d)
		if in <= 0 {
			t.Fatalf("AgeChangesIn(%v) = %v, want > 0", d, in)
		}
		if Age(d+in-time.Nanosecond) != Age(d) {
			t.Errorf("Age(%v) = %q changed before %v: %q", d, Age(d), in, Age(d+in-time.Nanosecond))
		}
		if Age(d+in) == Age(d) {
			t.Errorf("Age(%v) = %q unchanged after AgeChangesIn %v", d, Age(d), in)
		}
	}
}

func TestAgeCountdownChangesIn(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, left := range sampleDurations() {
		if left == 0 {
			continue
		}
		at := now.Add(left)
		in := AgeCountdownChangesIn(left)
		was := ExpiresIn(at, now)
		if in <= 0 {
			t.Fatalf("AgeCountdownChangesIn(%v) = %v, want > 0", left, in)
		}
		if got := ExpiresIn(at, now.Add(in-time.Nanosecond)); got != was {
			t.Errorf("ExpiresIn %v left = %q changed before %v: %q", left, was, in, got)
		}
		if got := ExpiresIn(at, now.Add(in)); got == was {
			t.Errorf("ExpiresIn %v left = %q unchanged after %v", left, was, in)
		}
	}
}

func TestClockNext(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := NewClock(now)
	if !c.Next().IsZero() {
		t.Fatalf("fresh clock: Next = %v, want zero", c.Next())
	}
	// Nothing that changes with time: still zero.
	c.Since(time.Time{})
	c.Until(time.Time{})
	c.Until(now.Add(-time.Hour))
	c.Running(12*time.Second, false)
	if !c.Next().IsZero() {
		t.Fatalf("only fixed strings: Next = %v, want zero", c.Next())
	}
	if got := c.Since(now.Add(-3 * time.Hour)); got != "3h" {
		t.Fatalf("Since = %q", got)
	}
	if want := now.Add(time.Minute); !c.Next().Equal(want) {
		t.Fatalf("after a 3h age: Next = %v, want %v", c.Next(), want)
	}
	// An earlier change wins; a later one does not move it.
	c.Running(1500*time.Millisecond, true)
	if want := now.Add(500 * time.Millisecond); !c.Next().Equal(want) {
		t.Fatalf("after a running 1.5s: Next = %v, want %v", c.Next(), want)
	}
	c.Until(now.Add(40*24*time.Hour + 5*time.Hour))
	if want := now.Add(500 * time.Millisecond); !c.Next().Equal(want) {
		t.Fatalf("a later change moved Next to %v", c.Next())
	}
}
