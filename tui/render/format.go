package render

import (
	"fmt"
	"strings"
	"time"
)

// Age formats a duration like kubectl: 45s, 12m, 3h20m, 5d4h, 2y.
func Age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch s := int(d / time.Second); {
	case s < 120:
		return fmt.Sprintf("%ds", s)
	case s < 10*60:
		if s%60 == 0 {
			return fmt.Sprintf("%dm", s/60)
		}
		return fmt.Sprintf("%dm%ds", s/60, s%60)
	case s < 3*3600:
		return fmt.Sprintf("%dm", s/60)
	case s < 8*3600:
		if m := (s / 60) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", s/3600, m)
		}
		return fmt.Sprintf("%dh", s/3600)
	case s < 48*3600:
		return fmt.Sprintf("%dh", s/3600)
	case s < 8*86400:
		if h := (s / 3600) % 24; h != 0 {
			return fmt.Sprintf("%dd%dh", s/86400, h)
		}
		return fmt.Sprintf("%dd", s/86400)
	case s < 365*86400:
		return fmt.Sprintf("%dd", s/86400)
	default:
		return fmt.Sprintf("%dy", s/(365*86400))
	}
}

// Since is Age(now - t), or "-" for a zero time.
func Since(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return Age(now.Sub(t))
}

// ExpiresIn shows time left, "expired", or "never" for a zero time.
func ExpiresIn(at, now time.Time) string {
	switch {
	case at.IsZero():
		return "never"
	case !at.After(now):
		return "expired"
	}
	return Age(at.Sub(now))
}

// Duration formats a run time compactly: 850ms, 12s, 3m05s, 1h02m.
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// Bar draws a progress bar of width cells for n of total.
func Bar(n, total, width int) string {
	if width <= 0 {
		return ""
	}
	filled := width
	if total > 0 {
		filled = min(width, max(0, n)*width/total)
	}
	return strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
}

// OneLine collapses whitespace runs (newlines included) to single spaces.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
