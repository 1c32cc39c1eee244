package main

import (
	"fmt"
	"slices"
	"time"
)

// median returns the middle of ds (the mean of the two middle ones for an
// even count); 0 for none.
func median[T ~int64](ds []T) T {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

// ratio formats a/b as "1.23×" ("-" when b is zero).
func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

// verdict is PASS or FAIL for a target.
func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}
