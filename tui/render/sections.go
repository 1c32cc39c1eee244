package render

import "fmt"

// Share splits n rows between sections that want want[i] rows each: every
// section gets an equal share, a section that wants less leaves the rest to
// the others, and rows that do not divide evenly go to section prefer
// first, then to the others in order. No section gets more than it wants.
func Share(want []int, n, prefer int) []int {
	got := make([]int, len(want))
	for n > 0 {
		var open []int
		for i, w := range want {
			if got[i] < w {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			break
		}
		each := n / len(open)
		if each == 0 {
			// Fewer rows than sections: one each, prefer first.
			for _, i := range append([]int{prefer}, open...) {
				if n > 0 && i >= 0 && i < len(want) && got[i] < want[i] {
					got[i]++
					n--
				}
			}
			break
		}
		for _, i := range open {
			g := min(each, want[i]-got[i])
			got[i] += g
			n -= g
		}
	}
	return got
}

// MoreAbove and MoreBelow say how many rows of a section are scrolled out
// of view: "↑ 3 above", "↓ 59 more"; "" for none.
func MoreAbove(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("↑ %d above", n)
}

// MoreBelow: see MoreAbove.
func MoreBelow(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("↓ %d more", n)
}
