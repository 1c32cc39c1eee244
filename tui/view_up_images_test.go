package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// buildingActions is an up whose images step checks six images, finds
// four, and builds two: web is still building (its output streams), the
// worker's build is done.
type buildingActions struct{ fakeActions }

func (a *buildingActions) Up(ctx context.Context, progress func(UpEvent)) (string, error) {
	a.record("up")
	digest := func(n int) string { return fmt.Sprintf("sha256:%012d", n) }
	progress(UpEvent{Step: "images", State: StepRunning, Detail: "checking in registry.example.com/acme (builder: command)"})
	for i, svc := range []string{"migrate", "seed", "db", "cache"} {
		progress(UpEvent{Step: "image " + svc, State: StepDone, Detail: "present " + digest(i+1)})
	}
	for _, svc := range []string{"web", "worker"} {
		progress(UpEvent{Step: "image " + svc, State: StepRunning, Detail: "missing from the registry"})
		progress(UpEvent{Step: "image " + svc, State: StepRunning, Detail: "building command from ./" + svc})
	}
	for i := 1; i <= 5; i++ {
		progress(UpEvent{Step: "image worker", State: StepRunning, Detail: fmt.Sprintf("#%d worker step %d", i, i), Output: true})
		progress(UpEvent{Step: "image web", State: StepRunning, Detail: fmt.Sprintf("#%d [build %d/5] RUN go build -o /shop ./cmd/shop %s", i, i, strings.Repeat("-v ", i)), Output: true})
	}
	progress(UpEvent{Step: "image worker", State: StepDone, Detail: "built " + digest(9)})
	select {
	case <-a.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return a.ns, nil
}

func upImagesSession(t *testing.T, w, h int) *session {
	a := &buildingActions{fakeActions{release: make(chan struct{}), ns: "shop-feat-login"}}
	t.Cleanup(func() { close(a.release) })
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Actions = a
	s := startSession(t, cfg, w, h)
	s.waitFor("shop-feat-login")
	s.keys("u")
	s.waitFor("built sha256:", "#5 [build 5/5]")
	return s
}

// u on an app whose images are missing: the up view shows each image's
// check, the running build's last output lines under it, and the done
// build without them.
func TestGoldenUpImages80(t *testing.T) {
	s := upImagesSession(t, 80, 24)
	s.golden()
	screen := s.screen()
	for _, gone := range []string{"#2 [build 2/5]", "#5 worker step 5"} {
		if strings.Contains(screen, gone) {
			t.Errorf("screen shows %q: only the last %d lines of a running build stay, none of a done one", gone, upOutputLines)
		}
	}
}

func TestGoldenUpImages160(t *testing.T) {
	upImagesSession(t, 160, 48).golden()
}
