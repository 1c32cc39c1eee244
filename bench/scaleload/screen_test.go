package scaleload

import "testing"

// A screen is full once the header counts every env and every row of
// the load on screen shows all its pods, styled or not.
func TestFullScreenShows(t *testing.T) {
	f := FullScreen{Namespaces: 500, PodsPer: 20, Prefix: "bench-abc-"}
	header := "berth · local · all projects                      envs only\n Environments (500)\n   NAMESPACE          BRANCH  STATUS  SPOT/OD\n"
	for _, tt := range []struct {
		name, screen string
		want         bool
	}{
		{"full", header + "> bench-abc-0001   main    Ready   20/0\n  bench-abc-0002   main    Ready   12/8\n", true},
		{"styled", "\x1b[1m" + header + "\x1b[0m> \x1b[7mbench-abc-0001\x1b[0m   main  Ready  \x1b[32m20/0\x1b[0m\n", true},
		{"a row short", header + "> bench-abc-0001   main    Ready   20/0\n  bench-abc-0002   main    Progressing   19/0\n", false},
		{"a row without pods", header + "  bench-abc-0001   main    Ready   -\n", false},
		{"not every env yet", " Environments (499)\n  bench-abc-0001   main   Ready   20/0\n", false},
		{"loading", header + "  bench-abc-0001   main   Ready   20/0\n loading…\n", false},
		{"no row of the load", header + "  other-0001   main   Ready   20/0\n", false},
	} {
		if got := f.Shows(tt.screen); got != tt.want {
			t.Errorf("%s: Shows = %v, want %v\n%s", tt.name, got, tt.want, tt.screen)
		}
	}
}
