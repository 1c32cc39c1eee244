package scaleload

import "slices"

// Median is the middle of xs (the mean of the two middle ones for an even
// count); 0 for none. berthbench's figures and BenchmarkScale's starts
// are medians of runs.
func Median[T ~int64 | ~float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
