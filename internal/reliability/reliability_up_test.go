package reliability

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// Kill trials: lanes run in parallel, each on its own branch, trials in a
// lane one after another on the same environment.
const (
	killLanes         = 4
	killTrialsPerLane = 5
)

// commitChange appends a line to config/app.env and commits it, so the
// next up deploys a new commit (new content-named Jobs, a rollout).
func commitChange(dir string, n int) error {
	f, err := os.OpenFile(filepath.Join(dir, "config", "app.env"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "REVISION=%d\n", n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	if _, err := wt.Add("config/app.env"); err != nil {
		return err
	}
	sig := &object.Signature{Name: "Dev", Email: testcluster.RepoEmail, When: time.Now()}
	_, err = wt.Commit(fmt.Sprintf("revision %d", n), &git.CommitOptions{Author: sig, Committer: sig})
	return err
}

// killPoint says when a trial kills `berth up`: after a number of progress
// events, or after a delay (which may fall before the first event).
type killPoint struct {
	events int
	delay  time.Duration
}

func (k killPoint) String() string {
	if k.delay > 0 {
		return fmt.Sprintf("after %s", k.delay)
	}
	return fmt.Sprintf("after event %d", k.events)
}

// upAndKill starts `berth up -o json` in dir and SIGKILLs it at point. It
// reports whether the kill came before the up finished.
func upAndKill(ctx context.Context, dir string, point killPoint) (bool, error) {
	cmd := berthCmd(ctx, dir, "up", "-o", "json", "--timeout", "2m")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return false, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return false, err
	}
	events := make(chan string, 256)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			events <- sc.Text()
		}
	}()
	var timer <-chan time.Time
	if point.delay > 0 {
		timer = time.After(point.delay)
	}
	n := 0
	for {
		select {
		case <-timer:
			kill(cmd)
			return true, nil
		case line, ok := <-events:
			if !ok {
				_ = cmd.Wait() // finished before the kill point
				return false, nil
			}
			n++
			if point.delay == 0 && n >= point.events {
				kill(cmd)
				return !strings.Contains(line, `"step":"done","phase":"done"`), nil
			}
		case <-ctx.Done():
			kill(cmd)
			return false, ctx.Err()
		}
	}
}

// migrateJob returns the name and UID of the env's migrate Job.
func migrateJob(ctx context.Context, c *k8s.Client, ns string) (string, string, error) {
	jobs, err := c.Typed.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{LabelSelector: meta.LabelService + "=migrate"})
	if err != nil || len(jobs.Items) != 1 {
		return "", "", fmt.Errorf("migrate jobs: %v (%d found)", err, len(jobs.Items))
	}
	return jobs.Items[0].Name, string(jobs.Items[0].UID), nil
}

// TestUpKilled kills `berth up` with SIGKILL at random points of the apply,
// killLanes×killTrialsPerLane times, some while deploying a new commit; the
// next up must converge to the full app, leave nothing outside the env,
// and never run a migration again that succeeded for the same commit.
func TestUpKilled(t *testing.T) {
	t.Parallel()
	_, c := private(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	var mu sync.Mutex
	killed := 0
	var wg sync.WaitGroup
	for lane := range killLanes {
		branch := fmt.Sprintf("killed-%d", lane)
		ns := namespaceOf(t, branch)
		dir := testcluster.ExampleRepo(t, "shop", branch, nil)
		deleteNamespace(t, c, ns)
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(lane)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			prevJob, prevUID := "", ""
			for trial := range killTrialsPerLane {
				newCommit := trial == 2 || trial == 4
				if newCommit {
					if err := commitChange(dir, trial); err != nil {
						t.Errorf("%s trial %d: commit: %v", branch, trial, err)
						return
					}
				}
				point := killPoint{events: 1 + rng.IntN(35)}
				if rng.IntN(3) == 0 {
					point = killPoint{delay: time.Duration(50+rng.IntN(2000)) * time.Millisecond}
				}
				name := fmt.Sprintf("%s trial %d (%s, new commit %v)", branch, trial, point, newCommit)
				ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
				early, err := upAndKill(ctx, dir, point)
				if err != nil {
					cancel()
					t.Errorf("%s: %v", name, err)
					return
				}
				if early {
					mu.Lock()
					killed++
					mu.Unlock()
				}
				r := berth(ctx, dir, "up", "--timeout", "2m")
				if r.code != 0 {
					cancel()
					t.Errorf("%s: the up after the kill exit %d:\n%s\n%s", name, r.code, r.stdout, r.stderr)
					return
				}
				err = checkConverged(ctx, c, ns)
				if err == nil {
					err = checkNoOrphans(ctx, c, ns)
				}
				job, uid, jerr := migrateJob(ctx, c, ns)
				cancel()
				if err != nil || jerr != nil {
					t.Errorf("%s: %v %v", name, err, jerr)
					return
				}
				if !newCommit && prevJob != "" && (job != prevJob || uid != prevUID) {
					t.Errorf("%s: the migration of the same commit ran again: job %s (%s) became %s (%s)", name, prevJob, prevUID, job, uid)
				}
				if newCommit && job == prevJob {
					t.Errorf("%s: a new commit kept migration job %s", name, job)
				}
				prevJob, prevUID = job, uid
				t.Logf("%s: killed mid-up %v; converged", name, early)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d of %d trials killed berth up before it finished", killed, killLanes*killTrialsPerLane)
	if killed < killLanes*killTrialsPerLane/2 {
		t.Errorf("only %d trials killed up mid-way: the kill points miss the apply", killed)
	}
}

// TestUpConcurrentTen runs 10 `berth up` of one branch at once: all
// succeed, and there is one namespace, one successful migration run and
// every workload Ready.
func TestUpConcurrentTen(t *testing.T) {
	t.Parallel()
	_, c := private(t)
	branch := "ten-at-once"
	ns := namespaceOf(t, branch)
	dir := testcluster.ExampleRepo(t, "shop", branch, nil)
	deleteNamespace(t, c, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results := make(chan result, 10)
	for range 10 {
		go func() { results <- berth(ctx, dir, "up", "--timeout", "3m") }()
	}
	for range 10 {
		if r := <-results; r.code != 0 {
			t.Errorf("concurrent up exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	if err := checkConverged(ctx, c, ns); err != nil {
		t.Error(err)
	}
	if err := checkNoOrphans(ctx, c, ns); err != nil {
		t.Error(err)
	}
	list, err := c.Typed.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: meta.LabelBranch + "=" + envs.BranchSlug(branch)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != ns {
		t.Errorf("want exactly namespace %s for the branch, got %d", ns, len(list.Items))
	}
}
