package tui

import (
	"errors"
	"github.com/berth-dev/berth/cost"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
)

// TestScopeAnswersLater: with Config.Scope the first frame comes before the
// project is known, the environments wait as loading (even with the
// cluster's snapshot at hand), and once Scope answers the screen is the one
// of a UI started with that project and branch.
func TestScopeAnswersLater(t *testing.T) {
	for _, tc := range []struct{ name, project, branch string }{
		{"in an app", "shop", "feat/login"},
		{"outside an app", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			cfg := shopConfig(newFakeCluster(t, nil))
			cfg.Project, cfg.Branch = "", ""
			scope := Scope{Project: tc.project, Branch: tc.branch}
			if tc.project != "" {
				// The app's prices come with its scope.
				cfg.Prices, scope.Prices = cost.Table{}, fixturePrices
			}
			cfg.Scope = func() (Scope, error) {
				<-release
				return scope, nil
			}
			s := startSession(t, cfg, 120, 24)
			s.waitFor("berth · kwok", "loading environments…")
			close(release)
			s.waitFor("shop-fix-crash", "shop-old-ui")
			got := s.screen()

			want := shopConfig(newFakeCluster(t, nil))
			want.Project, want.Branch = tc.project, tc.branch
			w := startSession(t, want, 120, 24)
			w.waitFor("shop-fix-crash", "shop-old-ui")
			if ws := w.screen(); got != ws {
				t.Errorf("after Scope answered:\n%s\nwant, as when started with the scope:\n%s", got, ws)
			}
		})
	}
}

// TestScopeErrorEndsTheUI: Scope's error (a bad setting) ends the program
// and is what Run returns.
func TestScopeErrorEndsTheUI(t *testing.T) {
	bad := errors.New("BERTH_TTL: not a duration")
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Scope = func() (Scope, error) { return Scope{}, bad }
	s := startSession(t, cfg, 100, 24)
	m := s.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if !errors.Is(m.err, bad) {
		t.Errorf("model error %v, want %v", m.err, bad)
	}
}
