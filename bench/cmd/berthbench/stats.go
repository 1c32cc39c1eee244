package main

import (
	"fmt"
	"time"
)

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
