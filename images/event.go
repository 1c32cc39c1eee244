package images

import (
	"fmt"
	"strings"
)

// Phase is what an Event reports of an image.
type Phase string

// Event phases.
const (
	PhasePresent  Phase = "present"  // in the registry; Message is its digest
	PhaseMissing  Phase = "missing"  // not in the registry
	PhaseBuilding Phase = "building" // a build started; Message names the builder
	PhaseOutput   Phase = "output"   // Message is a line of the builder's output
	PhaseBuilt    Phase = "built"    // built and pushed; Message is its digest
	PhaseFailed   Phase = "failed"   // the check or build failed; Message says why
)

// Event is progress of the registry check and the builds.
type Event struct {
	Image    string   `json:"image"`
	Services []string `json:"services,omitempty"`
	Phase    Phase    `json:"phase"`
	Message  string   `json:"message,omitempty"`
}

// Label names an image in progress lines: its services, or its name.
func (e Event) Label() string {
	if len(e.Services) > 0 {
		return strings.Join(e.Services, ",")
	}
	return nameOf(e.Image)
}

// MissingError is images missing from the registry that up cannot build:
// nothing was applied.
type MissingError struct {
	Images []*Image
	// Builder is false when no builder is configured (the hint says how
	// to build them).
	Builder bool
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s not in the registry (nothing applied):", len(e.Images), plural(len(e.Images), "image is", "images are"))
	for _, im := range e.Images {
		fmt.Fprintf(&b, "\n    %s", im.Ref)
		switch {
		case im.Own() && !e.Builder:
			fmt.Fprintf(&b, " (%s, built from %s): push it with `berth images --push` (needs images.builder in berth.yaml) or from CI", strings.Join(im.Services, ", "), im.Build.Context)
		case im.Own():
			fmt.Fprintf(&b, " (%s): the build pushed no such image", strings.Join(im.Services, ", "))
		default:
			fmt.Fprintf(&b, " (used by %s): check the name and tag", strings.Join(im.Services, ", "))
		}
	}
	return b.String()
}

// CheckError is images the registry could not be asked about: nothing
// was applied.
type CheckError struct {
	Images []*Image
}

func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot check %d %s in the registry (nothing applied):", len(e.Images), plural(len(e.Images), "image", "images"))
	third := false
	for _, im := range e.Images {
		fmt.Fprintf(&b, "\n    %v", im.Err)
		third = third || !im.Own()
	}
	if third {
		b.WriteString("\n  (images.check: own in berth.yaml checks only the app's own images)")
	}
	return b.String()
}

// BuildError is a failed build, with the builder's last lines: nothing
// was applied.
type BuildError struct {
	Image *Image
	Err   error
	Last  []string
}

func (e *BuildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "build %s (%s) failed (nothing applied): %v", e.Image.Ref, strings.Join(e.Image.Services, ", "), e.Err)
	for _, l := range e.Last {
		fmt.Fprintf(&b, "\n    │ %s", l)
	}
	return b.String()
}

func (e *BuildError) Unwrap() error { return e.Err }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
