package images

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// DefaultBuildParallel is how many builds run at once.
const DefaultBuildParallel = 2

// lastLines is how many lines of a failed build's output its error keeps.
const lastLines = 15

// Ensure makes sure the registry has every image of imgs before anything
// is applied: it resolves them (at most Registry.Parallel at once), builds
// the own ones that are missing with builder (nil: none; at most
// parallel at once), and resolves those again. It fails with a
// *CheckError when the registry could not be asked, a *BuildError for
// the first failed build (the others are cancelled), and a *MissingError
// for images still missing. progress (may be nil) gets every event.
func Ensure(ctx context.Context, imgs []*Image, reg Registry, builder Builder, parallel int, root string, progress func(Event)) error {
	if progress == nil {
		progress = func(Event) {}
	}
	reg.Resolve(ctx, imgs)
	var failed, missing, build []*Image
	for _, im := range imgs {
		switch im.State {
		case StatePresent:
			progress(Event{Image: im.Ref, Services: im.Services, Phase: PhasePresent, Message: im.Digest})
		case StateError:
			failed = append(failed, im)
			progress(Event{Image: im.Ref, Services: im.Services, Phase: PhaseFailed, Message: im.Err.Error()})
		case StateMissing:
			progress(Event{Image: im.Ref, Services: im.Services, Phase: PhaseMissing})
			if im.Own() && builder != nil {
				build = append(build, im)
			} else {
				missing = append(missing, im)
			}
		}
	}
	if len(failed) > 0 {
		return &CheckError{Images: failed}
	}
	if len(missing) > 0 {
		return &MissingError{Images: missing, Builder: builder != nil}
	}
	if len(build) == 0 {
		return nil
	}
	if err := buildAll(ctx, build, builder, parallel, root, progress); err != nil {
		return err
	}
	reg.Resolve(ctx, build)
	for _, im := range build {
		switch im.State {
		case StatePresent:
			im.State = StateBuilt
			progress(Event{Image: im.Ref, Services: im.Services, Phase: PhaseBuilt, Message: im.Digest})
		case StateError:
			return &CheckError{Images: []*Image{im}}
		default:
			return &MissingError{Images: []*Image{im}, Builder: true}
		}
	}
	return nil
}

// buildAll builds imgs, at most parallel at once; the first failure
// cancels the others and is returned.
func buildAll(ctx context.Context, imgs []*Image, builder Builder, parallel int, root string, progress func(Event)) error {
	if parallel <= 0 {
		parallel = DefaultBuildParallel
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, im := range imgs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			if err := buildOne(ctx, im, builder, root, progress); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel(err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return first
}

// buildOne builds im, streaming its output as events and keeping its
// last lines for the error.
func buildOne(ctx context.Context, im *Image, builder Builder, root string, progress func(Event)) error {
	progress(Event{Image: im.Ref, Services: im.Services, Phase: PhaseBuilding, Message: fmt.Sprintf("%s from %s", builderName(builder), im.Build.Context)})
	var mu sync.Mutex
	var last []string
	w := &lineWriter{emit: func(line string) {
		mu.Lock()
		last = append(last, line)
		if len(last) > lastLines {
			last = last[len(last)-lastLines:]
		}
		mu.Unlock()
		progress(Event{Image: im.Ref, Services: im.Services, Phase: PhaseOutput, Message: line})
	}}
	err := builder.Build(ctx, Job{Build: *im.Build, Ref: im.Ref, Root: root}, w)
	w.Close()
	if err == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && ctx.Err() != nil {
		return cause // cancelled for another build's failure, or timed out
	}
	im.State, im.Err = StateError, err
	progress(Event{Image: im.Ref, Services: im.Services, Phase: PhaseFailed, Message: err.Error()})
	mu.Lock()
	defer mu.Unlock()
	return &BuildError{Image: im, Err: err, Last: append([]string(nil), last...)}
}

// builderName names a builder in the building event.
func builderName(b Builder) string {
	switch b := b.(type) {
	case Docker:
		return "docker buildx"
	case BuildKit:
		return "buildkit " + b.Address
	case Command:
		return "command"
	}
	return fmt.Sprintf("%T", b)
}
