package render

import (
	"slices"
	"testing"
)

func TestShare(t *testing.T) {
	for _, c := range []struct {
		want      []int
		n, prefer int
		got       []int
	}{
		{[]int{6, 3, 70, 5}, 11, 2, []int{3, 3, 3, 2}},    // 80×24: every section gets rows, PODS more than one
		{[]int{6, 3, 70, 5}, 40, 2, []int{6, 3, 26, 5}},   // small sections leave their rest to PODS
		{[]int{6, 3, 70, 5}, 200, 2, []int{6, 3, 70, 5}},  // nobody gets more than it wants
		{[]int{60, 3, 70, 1}, 30, 0, []int{13, 3, 13, 1}}, // two big ones split evenly
		{[]int{60, 3, 70, 1}, 31, 2, []int{13, 3, 14, 1}}, // the odd row goes to prefer
		{[]int{5, 5, 5}, 2, 1, []int{1, 1, 0}},            // fewer rows than sections: prefer first, then in order
		{[]int{5, 0, 5}, 0, 0, []int{0, 0, 0}},
		{nil, 10, 0, []int{}},
	} {
		if got := Share(c.want, c.n, c.prefer); !slices.Equal(got, c.got) {
			t.Errorf("Share(%v, %d, %d) = %v, want %v", c.want, c.n, c.prefer, got, c.got)
		}
	}
}
