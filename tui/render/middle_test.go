package render

import (
	"strings"
	"testing"
)

func TestMiddle(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"snuba-subscription-consumer-events", 25, "snuba-subscr…sumer-events"},
		{"snuba-subscription-consumer-transactions", 25, "snuba-subscr…transactions"},
		{"short", 5, "short"},
		{"short", 9, "short"},
		{"abcdef", 5, "ab…ef"},
		{"abcdef", 4, "a…ef"},
		{"abcdef", 3, "a…f"},
		{"abcdef", 2, "…f"},
		{"abcdef", 1, "…"},
		{"abcdef", 0, ""},
		{"abcdef", -1, ""},
		{"", 3, ""},
		// Wide runes take two cells and are never split: a cell stays
		// unused instead.
		{"日本語のサービス名", 9, "日本…ス名"},
		{"日本語のサービス名", 8, "日…ス名"},
		{"日本語のサービス名", 4, "…名"},
		{"日本語のサービス名", 3, "…名"},
		{"日本語のサービス名", 2, "…"},
		{"日本語のサービス名", 1, "…"},
		{"api-日本語", 6, "ap…語"},
	} {
		got := Middle(c.in, c.w)
		if got != c.want {
			t.Errorf("Middle(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if Width(got) > max(c.w, 0) {
			t.Errorf("Middle(%q, %d) = %q is %d cells wide", c.in, c.w, got, Width(got))
		}
	}
}

// Names cut to the same width stay apart when they differ at the end.
func TestMiddleKeepsNamesApart(t *testing.T) {
	names := []string{
		"snuba-subscription-consumer-events",
		"snuba-subscription-consumer-transactions",
		"snuba-subscription-consumer-metrics",
		"snuba-subscription-consumer-sessions",
		"snuba-subscription-consumer-generic-metrics",
	}
	// From 20 cells the ends ("…er-metrics", "…ic-metrics") differ.
	for _, w := range []int{20, 25, 30} {
		seen := map[string]string{}
		for _, n := range names {
			got := Middle(n, w)
			if !strings.Contains(got, "…") {
				t.Errorf("Middle(%q, %d) = %q, want it cut", n, w, got)
			}
			if o, dup := seen[got]; dup {
				t.Errorf("width %d: %q and %q both show as %q", w, o, n, got)
			}
			seen[got] = n
		}
	}
}

// A Name column cuts its cells in the middle; other columns at the end.
func TestTableCutsNamesInTheMiddle(t *testing.T) {
	cols := []Column{{Title: "POD", Name: true, Max: 20}, {Title: "MESSAGE", Max: 10}}
	_, lines := Table(cols, []Row{{Cells: []string{"snuba-subscription-consumer-events-7d9c4-aaaaa", "a long message here"}}}, 80)
	if !strings.HasPrefix(lines[0], "snuba-sub…d9c4-aaaaa  ") {
		t.Errorf("line %q, want the pod name cut in the middle", lines[0])
	}
	if !strings.Contains(lines[0], "a long me…") {
		t.Errorf("line %q, want the message cut at the end", lines[0])
	}
}

func TestMiddleKeep(t *testing.T) {
	for _, c := range []struct {
		in, keep string
		w        int
		want     string
	}{
		{"snuba-subscription-consumer-transactions-3a862023-34247", "-3a862023-34247", 36, "snuba-subs…ansactions-3a862023-34247"},
		{"snuba-subscription-consumer-events-3a862023-34247", "-3a862023-34247", 36, "snuba-subs…mer-events-3a862023-34247"},
		{"web-7d9c4-aaaaa", "-7d9c4-aaaaa", 20, "web-7d9c4-aaaaa"}, // fits
		{"kafka-0", "-0", 5, "ka…-0"},                                        // too narrow to keep the end: plain Middle
		{"snuba-api-5f6b2-ccccc", "-5f6b2-ccccc", 19, "snuba-api…6b2-ccccc"}, // 7 cells before the end: plain Middle
		{"snuba-api-5f6b2-ccccc", "-5f6b2-ccccc", 20, "snu…-api-5f6b2-ccccc"},
		{"snuba-api-5f6b2-ccccc", "", 10, Middle("snuba-api-5f6b2-ccccc", 10)},
		{"snuba-api-5f6b2-ccccc", "-other", 10, Middle("snuba-api-5f6b2-ccccc", 10)},
	} {
		if got := MiddleKeep(c.in, c.w, c.keep); got != c.want || Width(got) > c.w {
			t.Errorf("MiddleKeep(%q, %d, %q) = %q, want %q", c.in, c.w, c.keep, got, c.want)
		}
	}
}
