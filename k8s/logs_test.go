package k8s

import (
	"strings"
	"testing"
)

// A line longer than MaxLineBytes is cut there, and the lines after it
// are whole: one runaway line cannot grow memory.
func TestReadLinesCapsLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*MaxLineBytes+10)
	in := "first\r\n" + long + "\nafter\nlast without newline"
	var got []string
	if err := readLines(strings.NewReader(in), func(s string) { got = append(got, s) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0] != "first" || got[2] != "after" || got[3] != "last without newline" {
		t.Fatalf("lines %q", shorten(got))
	}
	if len(got[1]) != MaxLineBytes || strings.Trim(got[1], "x") != "" {
		t.Errorf("long line kept %d bytes, want the first %d", len(got[1]), MaxLineBytes)
	}
}

func shorten(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		if len(l) > 20 {
			l = l[:20] + "…"
		}
		out[i] = l
	}
	return out
}
