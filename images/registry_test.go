package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testregistry"
)

// pushCommand is a command builder that really pushes: the context as a
// layer (crane append onto an empty image), logging each IMAGE it built
// to log.
func pushCommand(t *testing.T, log string) Command {
	crane := testregistry.Crane(t)
	return Command{Command: fmt.Sprintf(`set -e
echo "building $IMAGE from $CONTEXT"
layer=$(mktemp)
tar -cf "$layer" -C "$CONTEXT" .
%q append -f "$layer" -t "$IMAGE" 2>&1
rm -f "$layer"
echo "$IMAGE" >> %q`, crane, log)}
}

// push pushes an image holding dir's files to ref with crane.
func push(t *testing.T, ref string) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f": ref})
	c := pushCommand(t, filepath.Join(t.TempDir(), "log"))
	if err := c.Build(context.Background(), Job{Build: compose.Build{Context: dir, Inline: "FROM scratch"}, Ref: ref, Root: dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestResolveAgainstARealRegistry(t *testing.T) {
	reg := testregistry.Start(t)
	push(t, reg.Ref("shop-web:sha-aaaaaaaaaaaa"))
	imgs := []*Image{
		{Ref: reg.Ref("shop-web:sha-aaaaaaaaaaaa")},
		{Ref: reg.Ref("shop-web:sha-bbbbbbbbbbbb")},
		{Ref: reg.Ref("nothing-here:1")},
		{Ref: "127.0.0.1:1/closed:1"}, // nothing listens on port 1
	}
	Registry{}.Resolve(context.Background(), imgs)
	crane := testregistry.Crane(t)
	out, err := exec.Command(crane, "digest", reg.Ref("shop-web:sha-aaaaaaaaaaaa")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(out)); imgs[0].State != StatePresent || imgs[0].Digest != want {
		t.Errorf("pushed image: %s %s, want present %s", imgs[0].State, imgs[0].Digest, want)
	}
	if want := imgs[0].Ref + "@" + imgs[0].Digest; imgs[0].Pinned() != want {
		t.Errorf("pinned %s, want %s", imgs[0].Pinned(), want)
	}
	for _, im := range imgs[1:3] {
		if im.State != StateMissing || im.Err != nil {
			t.Errorf("%s: %s %v, want missing", im.Ref, im.State, im.Err)
		}
	}
	if imgs[3].State != StateError || imgs[3].Err == nil || !strings.Contains(imgs[3].Err.Error(), "closed:1") {
		t.Errorf("unreachable registry: %s %v, want an error naming the image", imgs[3].State, imgs[3].Err)
	}
}

func TestEnsureBuildsOnlyWhatIsMissing(t *testing.T) {
	reg := testregistry.Start(t)
	root := t.TempDir()
	writeTree(t, root, map[string]string{"web/Dockerfile": "FROM scratch\n", "web/a": "web\n", "worker/Dockerfile": "FROM scratch\n", "worker/a": "worker\n"})
	cfg := envs.Config{Registry: reg.Host + "/acme"}
	builds := []compose.Build{
		{Services: []string{"web"}, Image: "shop-web", Context: filepath.Join(root, "web"), Dockerfile: filepath.Join(root, "web/Dockerfile")},
		{Services: []string{"worker"}, Image: "shop-worker", Context: filepath.Join(root, "worker"), Dockerfile: filepath.Join(root, "worker/Dockerfile")},
	}
	tags, err := (&Hasher{}).ContentTags(builds)
	if err != nil {
		t.Fatal(err)
	}
	env := envs.Env{Tag: "main", ImageTags: tags}
	imgs := Own(cfg, env, builds)
	if want := reg.Host + "/acme/shop-web:" + tags["shop-web"]; imgs[0].Ref != want {
		t.Fatalf("own ref %s, want %s", imgs[0].Ref, want)
	}
	push(t, imgs[1].Ref) // the worker is there already
	log := filepath.Join(t.TempDir(), "builds.log")
	var mu sync.Mutex
	var events []Event
	progress := func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	if err := Ensure(context.Background(), imgs, Registry{}, pushCommand(t, log), 2, root, progress); err != nil {
		t.Fatal(err)
	}
	if built := readLines(t, log); len(built) != 1 || built[0] != imgs[0].Ref {
		t.Errorf("built %q, want only %s", built, imgs[0].Ref)
	}
	if imgs[0].State != StateBuilt || !strings.HasPrefix(imgs[0].Digest, "sha256:") || imgs[1].State != StatePresent {
		t.Errorf("states %s %s / %s, want built with a digest / present", imgs[0].State, imgs[0].Digest, imgs[1].State)
	}
	if !hasEvent(events, imgs[0].Ref, PhaseOutput, "building "+imgs[0].Ref) || !hasEvent(events, imgs[0].Ref, PhaseBuilt, imgs[0].Digest) {
		t.Errorf("events %+v lack the build's output line and its built digest", events)
	}
	// Again: everything is there, nothing is built.
	imgs = Own(cfg, env, builds)
	if err := Ensure(context.Background(), imgs, Registry{}, pushCommand(t, log), 2, root, nil); err != nil {
		t.Fatal(err)
	}
	if built := readLines(t, log); len(built) != 1 {
		t.Errorf("second run built %q, want nothing more", built[1:])
	}
}

func TestEnsureFailsWithTheBuildersLastLines(t *testing.T) {
	reg := testregistry.Start(t)
	root := t.TempDir()
	writeTree(t, root, map[string]string{"web/Dockerfile": "FROM scratch\n"})
	b := compose.Build{Services: []string{"web"}, Image: "shop-web", Context: filepath.Join(root, "web"), Dockerfile: filepath.Join(root, "web/Dockerfile")}
	imgs := []*Image{{Ref: reg.Ref("shop-web:sha-1"), Build: &b, Services: b.Services}}
	failing := Command{Command: `for i in $(seq 1 30); do echo "step $i"; done; echo "error: compile failed" >&2; exit 3`}
	err := Ensure(context.Background(), imgs, Registry{}, failing, 1, root, nil)
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("err %v, want a *BuildError", err)
	}
	if len(be.Last) != lastLines || be.Last[len(be.Last)-1] != "error: compile failed" || be.Last[0] != "step 17" {
		t.Errorf("last lines %q, want the last %d ending in the error", be.Last, lastLines)
	}
	if msg := err.Error(); !strings.Contains(msg, "exit status 3") || !strings.Contains(msg, "nothing applied") || !strings.Contains(msg, "shop-web:sha-1 (web)") {
		t.Errorf("message %q", msg)
	}

	// No builder: the missing images are listed with how to make them.
	third := &Image{Ref: reg.Ref("postgres:16"), Services: []string{"db"}}
	imgs = []*Image{{Ref: reg.Ref("shop-web:sha-1"), Build: &b, Services: b.Services}, third}
	err = Ensure(context.Background(), imgs, Registry{}, nil, 1, root, nil)
	var me *MissingError
	if !errors.As(err, &me) || len(me.Images) != 2 {
		t.Fatalf("err %v, want a *MissingError of 2", err)
	}
	for _, want := range []string{"2 images are not in the registry", "shop-web:sha-1 (web, built from " + b.Context + "): push it with `berth images --push`", "postgres:16 (used by db)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

// A build that pushes nothing is a missing image, not a success.
func TestEnsureNoticesABuildThatPushedNothing(t *testing.T) {
	reg := testregistry.Start(t)
	root := t.TempDir()
	b := compose.Build{Services: []string{"web"}, Image: "shop-web", Context: root, Inline: "FROM scratch"}
	imgs := []*Image{{Ref: reg.Ref("shop-web:sha-1"), Build: &b, Services: b.Services}}
	err := Ensure(context.Background(), imgs, Registry{}, Command{Command: "true"}, 1, root, nil)
	var me *MissingError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "the build pushed no such image") {
		t.Fatalf("err %v, want a *MissingError saying the build pushed nothing", err)
	}
}

// Parallel look-ups are bounded: never more than Parallel at once.
func TestResolveIsBounded(t *testing.T) {
	reg := testregistry.Start(t)
	var imgs []*Image
	for i := range 12 {
		imgs = append(imgs, &Image{Ref: reg.Ref(fmt.Sprintf("app-%d:1", i))})
	}
	counter := &countingTransport{}
	Registry{Parallel: 3, Transport: counter}.Resolve(context.Background(), imgs)
	for _, im := range imgs {
		if im.State != StateMissing {
			t.Fatalf("%s: %s %v", im.Ref, im.State, im.Err)
		}
	}
	if counter.max.Load() > 3 || counter.max.Load() < 1 {
		t.Errorf("at most %d requests at once, want 1..3", counter.max.Load())
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(raw))
}

func hasEvent(events []Event, ref string, phase Phase, msg string) bool {
	for _, e := range events {
		if e.Image == ref && e.Phase == phase && strings.Contains(e.Message, msg) {
			return true
		}
	}
	return false
}
