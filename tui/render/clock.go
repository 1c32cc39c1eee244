package render

import "time"

// Clock is the time a frame is drawn at. It formats times like Since,
// ExpiresIn and Duration, and remembers the earliest moment one of the
// strings it produced goes stale, so the program can sleep until then
// instead of redrawing on a timer.
type Clock struct {
	now  time.Time
	next time.Time
}

// NewClock returns a clock for a frame drawn at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the frame's time.
func (c *Clock) Now() time.Time { return c.now }

// Next is the earliest time a string from this clock changes; zero when
// none does.
func (c *Clock) Next() time.Time { return c.next }

// Since formats the age of t (as Since) and notes when it next changes.
func (c *Clock) Since(t time.Time) string {
	if t.IsZero() {
		return Since(t, c.now)
	}
	d := max(c.now.Sub(t), 0)
	c.note(c.now.Add(AgeChangesIn(d)))
	return Age(d)
}

// Until formats the time left until at (as ExpiresIn) and notes when it
// next changes.
func (c *Clock) Until(at time.Time) string {
	if !at.IsZero() && at.After(c.now) {
		left := at.Sub(c.now)
		c.note(c.now.Add(AgeCountdownChangesIn(left)))
	}
	return ExpiresIn(at, c.now)
}

// Running formats how long something has run (as Duration): d is fixed
// once it ended; while running it grows with the clock and the change of
// its string is noted.
func (c *Clock) Running(d time.Duration, running bool) string {
	if running && d > 0 {
		step := time.Second
		if d >= time.Hour {
			step = time.Minute
		}
		c.note(c.now.Add(step - d%step))
	}
	return Duration(d)
}

func (c *Clock) note(t time.Time) {
	if c.next.IsZero() || t.Before(c.next) {
		c.next = t
	}
}

// ageStep is the unit the last figure of Age(d) counts in at d, in whole
// seconds; Age's ranges start at multiples of the step after them.
func ageStep(s int64) int64 {
	switch {
	case s < 10*60:
		return 1
	case s < 8*3600:
		return 60
	case s < 8*86400:
		return 3600
	case s < 365*86400:
		return 86400
	}
	return 365 * 86400
}

// AgeChangesIn is how long until Age of a growing duration, now d, shows
// a different string.
func AgeChangesIn(d time.Duration) time.Duration {
	s := int64(d / time.Second)
	step := ageStep(s)
	return time.Duration((s/step+1)*step)*time.Second - d
}

// AgeCountdownChangesIn is how long until Age of a shrinking duration,
// now left > 0, shows a different string (or, at zero, "expired").
func AgeCountdownChangesIn(left time.Duration) time.Duration {
	s := int64(left / time.Second)
	low := s / ageStep(s) * ageStep(s)
	if low == 0 {
		return left // then ExpiresIn says "expired"
	}
	// Age shows low until the duration drops below it.
	return left - time.Duration(low)*time.Second + time.Nanosecond
}
