package envs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Day is 24 hours, the unit berth.yaml durations may use as "d".
const Day = Duration(24 * time.Hour)

const hour = time.Hour

// Quantity is a Kubernetes resource quantity written in berth.yaml, like
// "500m" or "8Gi". ParseConfig checks it parses.
type Quantity string

// Duration is a duration in berth.yaml: Go syntax ("8h", "90m") with an
// optional leading whole number of days ("7d", "1d12h"). 0 means never.
type Duration time.Duration

// ParseDuration parses a Duration. It rejects negative values.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	var days int64
	if head, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.ParseInt(head, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		if n > math.MaxInt64/int64(Day) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		days, s = n, rest
		if s == "" {
			return Duration(days) * Day, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration: %w", err)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	total := Duration(days)*Day + Duration(d)
	if total < 0 {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return total, nil
}

// String formats d as ParseDuration reads it: whole days as "7d", others
// in Go syntax.
func (d Duration) String() string {
	if d != 0 && d%Day == 0 {
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	return time.Duration(d).String()
}

// UnmarshalYAML reads a Duration from a scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes a Duration as its String.
func (d Duration) MarshalYAML() (any, error) {
	return d.String(), nil
}
