package tui

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// withURLs records URLs on shop-feat-login's namespace, as up does.
func withURLs(s *k8s.Snapshot) {
	for i, n := range s.Namespaces {
		if n.Name == "shop-feat-login" {
			a := map[string]string{}
			for k, v := range n.Annotations {
				a[k] = v
			}
			a[meta.AnnotationURLs] = status.EncodeURLs([]status.URL{
				{Service: "web", URL: "https://web-feat-login.dev.example.com"},
				{Service: "api", URL: "https://api-feat-login.dev.example.com/v1"},
			})
			s.Namespaces[i].Annotations = a
		}
	}
}

// fakeOpener records the URLs it is asked to open and answers err.
type fakeOpener struct {
	err    error
	mu     sync.Mutex
	opened []string
}

func (f *fakeOpener) open(_ context.Context, url string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, url)
	return f.err
}

func (f *fakeOpener) waitOpened(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		got := append([]string(nil), f.opened...)
		f.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("opener called %d times, want %d", len(f.opened), n)
	return nil
}

// The detail view's header shows the env's URLs under its facts.
func TestGoldenDetailURLs(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, withURLs)), 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("URLs:", "OOMKilling") // events arrive after the view opens
	s.golden()
}

// o opens the URL of the service whose pod is under the cursor, else the
// env's first, with the configured opener.
func TestOpenURLKey(t *testing.T) {
	op := &fakeOpener{}
	cfg := shopConfig(newFakeCluster(t, withURLs))
	cfg.Open = op.open
	s := startSession(t, cfg, 120, 40)
	s.waitFor("shop-feat-login")
	s.keys("o") // env list: the env's first URL (by service: api)
	s.waitFor("opened https://api-feat-login.dev.example.com/v1")
	s.keys("enter", "j", "o") // db-0: no URL of its own
	op.waitOpened(t, 2)
	s.keys("j", "j", "j", "o") // web-5f6b2-ccccc
	got := op.waitOpened(t, 3)
	want := []string{"https://api-feat-login.dev.example.com/v1", "https://api-feat-login.dev.example.com/v1", "https://web-feat-login.dev.example.com"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("opened %v, want %v", got, want)
	}
	s.waitFor("opened https://web-feat-login.dev.example.com")
}

// Without an opener the URL is shown on the message line; an env without
// URLs says how to get one.
func TestOpenURLWithoutOpener(t *testing.T) {
	op := &fakeOpener{err: fmt.Errorf("%w (xdg-open not found)", ErrNoOpener)}
	cfg := shopConfig(newFakeCluster(t, withURLs))
	cfg.Open = op.open
	s := startSession(t, cfg, 120, 40)
	s.waitFor("shop-feat-login")
	s.keys("o")
	s.waitFor("https://api-feat-login.dev.example.com/v1 (no browser opener (xdg-open not found))")
	s.keys("j", "o") // shop-fix-crash has no URLs
	s.waitFor("shop-fix-crash has no URL (set domain in berth.yaml and run up)")
	if got := op.waitOpened(t, 1); len(got) != 1 {
		t.Errorf("opener called for an env without URLs: %v", got)
	}
}

// On a rollout row, o opens that workload's service's URL.
func TestOpenURLOfRollout(t *testing.T) {
	op := &fakeOpener{}
	cfg := shopConfig(newFakeCluster(t, withURLs))
	cfg.Open = op.open
	s := startSession(t, cfg, 120, 40)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("RECENT WARNINGS")
	s.keys("shift+tab", "shift+tab") // pods → jobs → rollouts (Deployment/web, the one not folded)
	s.keys("o")
	if got := op.waitOpened(t, 1); got[0] != "https://web-feat-login.dev.example.com" {
		t.Errorf("opened %v, want web's URL", got)
	}
}
