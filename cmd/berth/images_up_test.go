package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/berth-dev/berth/images"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/tui"
)

// The CLI's lines and the TUI's up view say the same of an image, in the
// same words, with the digest cut the same way.
func TestImageEventsSayTheSameInCLIAndTUI(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	for _, c := range []struct {
		e         images.Event
		cli       string
		tuiState  tui.StepState
		tuiDetail string
		output    bool
	}{
		{images.Event{Image: "r/shop-web:sha-1", Services: []string{"web"}, Phase: images.PhasePresent, Message: digest},
			"web present sha256:abababababab", tui.StepDone, "present sha256:abababababab", false},
		{images.Event{Image: "r/shop-web:sha-1", Services: []string{"web"}, Phase: images.PhaseMissing},
			"web missing from the registry", tui.StepRunning, "missing from the registry", false},
		{images.Event{Image: "r/shop-web:sha-1", Services: []string{"web"}, Phase: images.PhaseOutput, Message: "#3 RUN go build"},
			"web │ #3 RUN go build", tui.StepRunning, "#3 RUN go build", true},
		{images.Event{Image: "r/shop-web:sha-1", Services: []string{"web"}, Phase: images.PhaseBuilt, Message: digest},
			"web built sha256:abababababab", tui.StepDone, "built sha256:abababababab", false},
		{images.Event{Image: "r/shop-web:sha-1", Services: []string{"web"}, Phase: images.PhaseFailed, Message: "exit status 1"},
			"web failed exit status 1", tui.StepFailed, "failed exit status 1", false},
	} {
		e := imageEvent(c.e)
		var b bytes.Buffer
		printEvent(&b)(e)
		if got := strings.TrimSpace(b.String()); !strings.HasSuffix(got, c.cli) {
			t.Errorf("%s: CLI %q, want it to end in %q", c.e.Phase, got, c.cli)
		}
		u := upEvent(e)
		if u.Step != "image web" || u.State != c.tuiState || u.Detail != c.tuiDetail || u.Output != c.output {
			t.Errorf("%s: TUI %+v, want step image web, %s %q output %v", c.e.Phase, u, c.tuiState, c.tuiDetail, c.output)
		}
		if !strings.Contains(c.cli, c.tuiDetail) {
			t.Errorf("%s: TUI %q is not the CLI's words %q", c.e.Phase, c.tuiDetail, c.cli)
		}
	}
	// The step's own events keep up's mapping.
	if u := upEvent(rollout.Event{Step: stepImages, Phase: rollout.UpDone, Message: "6 images"}); u.Step != "images" || u.State != tui.StepDone {
		t.Errorf("images step done: %+v", u)
	}
}
