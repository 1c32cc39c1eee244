package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testregistry"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/rollout"
)

// imagesRepo is examples/shop in a git repo whose third-party images
// (postgres, redis) are in the test's registry and whose berth.yaml
// pushes the app's own images there with a command builder that really
// pushes (crane append of the context) and logs each IMAGE it built.
type imagesRepo struct {
	dir, log string
	reg      *testregistry.Registry
	crane    string
}

func newImagesRepo(t *testing.T, branch string) *imagesRepo {
	t.Helper()
	r := &imagesRepo{reg: testregistry.Start(t), crane: testregistry.Crane(t), log: filepath.Join(t.TempDir(), "builds.log")}
	for _, third := range []string{"library/postgres:16", "library/redis:7-alpine"} {
		r.push(t, r.reg.Ref(third))
	}
	r.dir = testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		switch rel {
		case "compose.yaml":
			s := strings.ReplaceAll(string(data), "image: postgres:16", "image: "+r.reg.Ref("library/postgres:16"))
			return []byte(strings.ReplaceAll(s, "image: redis:7-alpine", "image: "+r.reg.Ref("library/redis:7-alpine")))
		case envs.ConfigFile:
			return []byte(string(data) + r.config(true))
		}
		return data
	})
	return r
}

// config is berth.yaml's images section, with or without the builder.
func (r *imagesRepo) config(builder bool) string {
	s := fmt.Sprintf("images:\n  registry: %s/acme\n", r.reg.Host)
	if builder {
		s += fmt.Sprintf("  builder:\n    kind: command\n    command: |\n      set -e\n      echo \"building $IMAGE\"\n      layer=$(mktemp)\n      tar -cf \"$layer\" -C \"$CONTEXT\" .\n      %s append -f \"$layer\" -t \"$IMAGE\"\n      echo \"$IMAGE\" >> %s\n", r.crane, r.log)
	}
	return s
}

// setBuilder rewrites berth.yaml's images section: with the pushing
// builder, without one, or with command as the builder.
func (r *imagesRepo) setConfig(t *testing.T, images string) {
	t.Helper()
	path := filepath.Join(r.dir, envs.ConfigFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	base, _, _ := strings.Cut(string(raw), "images:\n")
	if err := os.WriteFile(path, []byte(base+images), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (r *imagesRepo) push(t *testing.T, ref string) {
	t.Helper()
	dir := t.TempDir()
	layer := filepath.Join(dir, "layer.tar")
	if out, err := exec.Command("tar", "-cf", layer, "-C", t.TempDir(), ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	if out, err := exec.Command(r.crane, "append", "-f", layer, "-t", ref).CombinedOutput(); err != nil {
		t.Fatalf("crane append %s: %v\n%s", ref, err, out)
	}
}

func (r *imagesRepo) digest(t *testing.T, ref string) string {
	t.Helper()
	out, err := exec.Command(r.crane, "digest", ref).Output()
	if err != nil {
		t.Fatalf("crane digest %s: %v", ref, err)
	}
	return strings.TrimSpace(string(out))
}

// built returns the images the builder built so far.
func (r *imagesRepo) built(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(r.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(raw))
}

// up runs `berth up -o json` of branch and returns its exit code, its
// events and stderr.
func (r *imagesRepo) up(t *testing.T, branch string) (int, []rollout.Event, string) {
	t.Helper()
	code, out, errOut := berthAt(t, context.Background(), nil, "up", "--dir", r.dir, "--branch", branch, "-o", "json")
	var events []rollout.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e rollout.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not a JSON event: %q: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	return code, events, errOut
}

// deleteEnv deletes the env of branch when the test ends.
func deleteEnv(t *testing.T, c *k8s.Client, ns string) {
	t.Cleanup(func() {
		err := c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete %s: %v", ns, err)
		}
	})
}

// The command builder end to end, on the local cluster and a real
// registry: the first up builds the app's four images, a branch that
// changed one service builds exactly that one, a branch with no change
// builds none; every applied container runs its image pinned by digest;
// a deleted image (no builder) and a failed build each stop up before
// anything is applied.
func TestUpBuildsWhatIsMissingAndPinsDigests(t *testing.T) {
	c := testcluster.Client(t)
	main := testcluster.UniqueName("img-main")
	r := newImagesRepo(t, main)
	nsOf := func(branch string) string { return envs.Namespace("dev", "shop", branch) }

	// main: all four own images are missing and get built.
	deleteEnv(t, c, nsOf(main))
	code, events, errOut := r.up(t, main)
	if code != exitOK {
		t.Fatalf("up %s: exit %d\n%s", main, code, errOut)
	}
	built := r.built(t)
	if len(built) != 4 {
		t.Fatalf("first up built %q, want the 4 own images", built)
	}
	if !hasImageEvent(events, "web", "output", "building "+r.reg.Host+"/acme/shop-web:sha-") || !hasImageEvent(events, "web", "built", "sha256:") {
		t.Errorf("events lack the web build's output and result: %+v", events)
	}
	assertPinned(t, c, r, nsOf(main))

	// A branch that changed the worker builds the worker only.
	feat := testcluster.UniqueName("img-feat")
	deleteEnv(t, c, nsOf(feat))
	if err := os.WriteFile(filepath.Join(r.dir, "worker", "queue.txt"), []byte("default\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := r.up(t, feat); code != exitOK {
		t.Fatalf("up %s: exit %d\n%s", feat, code, errOut)
	}
	if got := r.built(t)[len(built):]; len(got) != 1 || !strings.Contains(got[0], "/acme/shop-worker:sha-") {
		t.Fatalf("the branch that changed the worker built %q, want only shop-worker", got)
	}
	assertPinned(t, c, r, nsOf(feat))
	built = r.built(t)

	// A branch with no change builds nothing.
	same := testcluster.UniqueName("img-same")
	deleteEnv(t, c, nsOf(same))
	code, events, errOut = r.up(t, same)
	if code != exitOK {
		t.Fatalf("up %s: exit %d\n%s", same, code, errOut)
	}
	if got := r.built(t)[len(built):]; len(got) != 0 {
		t.Fatalf("the unchanged branch built %q", got)
	}
	if !hasImageEvent(events, "worker", "present", "sha256:") {
		t.Errorf("the unchanged branch did not find the worker present: %+v", events)
	}

	// The worker's image deleted from the registry, no builder: up stops
	// before applying anything and names the image.
	worker := builtRef(t, r.built(t), "shop-worker")
	if out, err := exec.Command(r.crane, "delete", worker).CombinedOutput(); err != nil {
		t.Fatalf("crane delete %s: %v\n%s", worker, err, out)
	}
	r.setConfig(t, r.config(false))
	gone := testcluster.UniqueName("img-gone")
	deleteEnv(t, c, nsOf(gone))
	code, events, errOut = r.up(t, gone)
	if code != exitUsage {
		t.Fatalf("up with a deleted image: exit %d, want %d\n%s", code, exitUsage, errOut)
	}
	for _, want := range []string{"1 image is not in the registry (nothing applied)", worker + " (worker, built from ", "berth images --push"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	assertNothingApplied(t, c, nsOf(gone), events)

	// A failing build: up stops with the builder's last lines.
	r.setConfig(t, r.config(false)+"  builder:\n    kind: command\n    command: 'echo compiling $IMAGE; echo \"error: cannot compile\" >&2; exit 7'\n")
	broken := testcluster.UniqueName("img-broken")
	deleteEnv(t, c, nsOf(broken))
	code, events, errOut = r.up(t, broken)
	if code != exitError {
		t.Fatalf("up with a failing build: exit %d, want %d\n%s", code, exitError, errOut)
	}
	for _, want := range []string{"build " + worker + " (worker) failed (nothing applied)", "exit status 7", "│ compiling " + worker, "│ error: cannot compile"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	assertNothingApplied(t, c, nsOf(broken), events)
}

// assertPinned checks that every container of the env's workloads and
// jobs runs its image by the digest the registry has for its tag.
func assertPinned(t *testing.T, c *k8s.Client, r *imagesRepo, ns string) {
	t.Helper()
	ctx := context.Background()
	var images []string
	ds, err := c.Typed.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds.Items {
		for _, ct := range d.Spec.Template.Spec.Containers {
			images = append(images, ct.Image)
		}
	}
	js, err := c.Typed.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js.Items {
		for _, ct := range j.Spec.Template.Spec.Containers {
			images = append(images, ct.Image)
		}
	}
	if len(images) < 6 {
		t.Fatalf("%s runs %d containers, want the shop's 6", ns, len(images))
	}
	for _, im := range images {
		ref, digest, ok := strings.Cut(im, "@")
		if !ok {
			t.Errorf("%s: image %s is not pinned by digest", ns, im)
			continue
		}
		if want := r.digest(t, ref); digest != want {
			t.Errorf("%s: %s pinned to %s, the registry has %s", ns, ref, digest, want)
		}
	}
	// status shows the digests (JSON and text).
	code, out, errOut := berthAt(t, ctx, nil, "status", ns, "-o", "json")
	if code != exitOK {
		t.Fatalf("status %s: exit %d\n%s", ns, code, errOut)
	}
	var v statusView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	for _, w := range v.Workloads {
		if len(w.Images) == 0 || !strings.Contains(w.Images[0], "@sha256:") {
			t.Errorf("status -o json: %s/%s images %q, want pinned ones", w.Kind, w.Name, w.Images)
		}
	}
	_, text, _ := berthAt(t, ctx, nil, "status", ns)
	if !strings.Contains(text, "DIGEST") || !strings.Contains(text, "sha256:") {
		t.Errorf("status does not show the digests:\n%s", text)
	}
}

// assertNothingApplied checks that up created no namespace and reported
// no apply.
func assertNothingApplied(t *testing.T, c *k8s.Client, ns string, events []rollout.Event) {
	t.Helper()
	if _, err := c.Typed.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s exists (err %v): something was applied", ns, err)
	}
	for _, e := range events {
		if e.Phase == rollout.UpApplied {
			t.Errorf("applied: %+v", e)
		}
	}
}

func hasImageEvent(events []rollout.Event, object, phase, msg string) bool {
	for _, e := range events {
		if e.Step == stepImages && e.Object == object && string(e.Phase) == phase && strings.Contains(e.Message, msg) {
			return true
		}
	}
	return false
}

// builtRef is the last built reference of image name.
func builtRef(t *testing.T, built []string, name string) string {
	t.Helper()
	for i := len(built) - 1; i >= 0; i-- {
		if strings.Contains(built[i], "/"+name+":") {
			return built[i]
		}
	}
	t.Fatalf("no %s in %q", name, built)
	return ""
}
