package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/images"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/tui"
)

// stepImages is the step of up's events that checks and builds images.
const stepImages = "images"

// withContentTags gives env the content tag of each image the app builds
// (images.ContentTags), unless a tag was chosen (--tag, BERTH_TAG): CI
// that tags its own way keeps its tag. A build that cannot be read (no
// Dockerfile) is an error when images are checked (a registry is set);
// without one the env keeps its branch tag, as before content tags.
func withContentTags(app *envs.App, env *envs.Env, o envs.Overrides) error {
	if o.Tag != "" || len(app.Builds) == 0 {
		return nil
	}
	tags, err := images.ContentTags(app.Root, app.Builds)
	if err != nil && images.Checks(app.Config) {
		return err
	}
	env.ImageTags = tags
	return nil
}

// upImages is up's images step, before anything is applied
// (images.Prepare): every image of objs resolved in its registry, the
// missing own ones built by the configured builder, and the pod specs
// pinned to digests. Its events are up's, step "images", their Elapsed
// counted from start.
func upImages(ctx context.Context, app *envs.App, cfg envs.Config, env envs.Env, objs []*unstructured.Unstructured, start time.Time, progress func(rollout.Event)) error {
	if !images.Checks(cfg) {
		return nil
	}
	var mu sync.Mutex // builds report from their goroutines
	emit := func(e rollout.Event) {
		mu.Lock()
		defer mu.Unlock()
		e.Time = time.Now()
		e.Elapsed = e.Time.Sub(start)
		progress(e)
	}
	emit(rollout.Event{Step: stepImages, Phase: rollout.UpStarted, Message: fmt.Sprintf("checking in %s (builder: %s)", cfg.Registry, builderKind(cfg.Images.Builder))})
	imgs, err := images.Prepare(ctx, objs, env, images.Options{Config: cfg, Builds: app.Builds, Root: app.Root,
		Progress: func(e images.Event) { emit(imageEvent(e)) }})
	if err != nil {
		emit(rollout.Event{Step: stepImages, Phase: rollout.UpFailed, Message: err.Error()})
		return err
	}
	emit(rollout.Event{Step: stepImages, Phase: rollout.UpDone, Message: imagesSummary(imgs)})
	return nil
}

// imageEvent is an images event as one of up's: step images, the image's
// services as the object, its phase (present, missing, building, output,
// built, failed) and message.
func imageEvent(e images.Event) rollout.Event {
	return rollout.Event{Step: stepImages, Object: e.Label(), Phase: rollout.UpPhase(e.Phase), Message: e.Message}
}

// imagesSummary is the images step's result: "6 images: 5 present, 1 built".
func imagesSummary(imgs []*images.Image) string {
	n := map[images.State]int{}
	for _, im := range imgs {
		n[im.State]++
	}
	var parts []string
	for _, s := range []images.State{images.StatePresent, images.StateBuilt} {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	return fmt.Sprintf("%d %s: %s, pinned by digest", len(imgs), plural(len(imgs), "image", "images"), strings.Join(parts, ", "))
}

// printImageEvent writes an images event of up as a line: the image's
// services, what happened, and the digest, builder line or error.
func printImageEvent(w io.Writer, at string, e rollout.Event) {
	e.Message = shortDigest(e)
	switch images.Phase(e.Phase) {
	case images.PhaseOutput:
		fmt.Fprintf(w, "%s   %s │ %s\n", at, e.Object, e.Message)
	case images.PhaseMissing:
		fmt.Fprintf(w, "%s   %s missing from the registry\n", at, e.Object)
	default:
		fmt.Fprintf(w, "%s   %s %s %s\n", at, e.Object, e.Phase, e.Message)
	}
}

// shortDigest is the message of an images event with a digest (present,
// built) cut to 12 hex digits, as status shows it; other messages as
// they are.
func shortDigest(e rollout.Event) string {
	switch images.Phase(e.Phase) {
	case images.PhasePresent, images.PhaseBuilt:
		if strings.HasPrefix(e.Message, "sha256:") && len(e.Message) > len("sha256:")+12 {
			return e.Message[:len("sha256:")+12]
		}
	}
	return e.Message
}

// builderKind names the configured builder: docker, buildkit, command or none.
func builderKind(b *envs.Builder) string {
	if b == nil {
		return "none"
	}
	return b.Kind
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// imageUpEvent is an images event of up as a line of the TUI's up view:
// one step per image ("image web"), in the words the CLI prints; a
// build's output lines show under it while it runs.
func imageUpEvent(e rollout.Event) tui.UpEvent {
	ev := tui.UpEvent{Step: "image " + e.Object, State: tui.StepRunning, Detail: string(e.Phase) + " " + shortDigest(e), Time: e.Time}
	switch images.Phase(e.Phase) {
	case images.PhasePresent, images.PhaseBuilt:
		ev.State = tui.StepDone
	case images.PhaseFailed:
		ev.State = tui.StepFailed
	case images.PhaseMissing:
		ev.Detail = "missing from the registry"
	case images.PhaseOutput:
		ev.Detail, ev.Output = e.Message, true
	}
	return ev
}
