package k8s_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/status"
)

// pathCounter counts the requests whose URL path holds a substring.
type pathCounter struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		p.mu.Lock()
		p.paths = append(p.paths, r.URL.Path)
		p.mu.Unlock()
		return rt.RoundTrip(r)
	})
}

func (p *pathCounter) count(sub string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.paths {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// labelledNamespace creates a namespace carrying key=val, deleted when the
// test ends.
func labelledNamespace(t *testing.T, c *k8s.Client, prefix, key, val string) string {
	t.Helper()
	name := testcluster.UniqueName(prefix)
	testcluster.CreateNamespace(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{key: val}}})
	return name
}

// TestWatchNamespacedUnderNarrowGrant watches as a developer with issue
// 20's narrow grant (reads only through each env's RoleBinding): the
// watcher finds it may not list pods cluster-wide and watches namespace by
// namespace. It sees the pods and workloads of the envs bound to it, marks
// an env without the binding as no access (its objects unread, retried
// with backoff rather than hammered) until it is bound, starts watching an
// env created while it runs and stops when one is deleted.
func TestWatchNamespacedUnderNarrowGrant(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	grant, dev := testcluster.Narrow(t, c)
	key, val := "berth.dev/it", testcluster.UniqueName("nsmode")
	sel := key + "=" + val
	lbl := map[string]string{key: val}

	mode, err := k8s.DetectAccess(ctx, dev.Typed)
	if err != nil || mode != k8s.ModeNamespaced {
		t.Fatalf("DetectAccess as the developer = %q, %v; want namespaced", mode, err)
	}
	if mode, err := k8s.DetectAccess(ctx, c.Typed); err != nil || mode != k8s.ModeClusterWide {
		t.Fatalf("DetectAccess as admin = %q, %v; want cluster-wide", mode, err)
	}
	if _, err := dev.Typed.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: sel}); !apierrors.IsForbidden(err) {
		t.Fatalf("developer listing pods cluster-wide: %v, want Forbidden", err)
	}

	bound := labelledNamespace(t, c, "nsmode-a", key, val)
	unbound := labelledNamespace(t, c, "nsmode-b", key, val)
	if err := grant.BindEnv(ctx, c.Typed, bound); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{bound, unbound} {
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deploy("web", 1, lbl, false), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// The developer's watcher, on a client counting its requests.
	w, requests := detectingWatcher(t, grant.Config(c.Config), sel)

	s := waitSnap(t, w, 60*time.Second, "the bound env's pod running, the other env refused", func(s *k8s.Snapshot) bool {
		_, denied := s.Denied(unbound)
		return s.Mode == k8s.ModeNamespaced && denied && s.Resources[k8s.ResourcePods].Synced &&
			len(podsOf(s, bound, "web")) == 1 && podsOf(s, bound, "web")[0].Phase == "Running" &&
			status.Of(s, bound).Phase == status.PhaseReady
	})
	deniedAt := time.Now()
	if why, _ := s.Denied(unbound); !strings.Contains(why, "forbidden") || !strings.Contains(why, unbound) {
		t.Errorf("refusal of %s = %q, want the API server's Forbidden naming it", unbound, why)
	}
	if _, denied := s.Denied(bound); denied {
		t.Errorf("bound env %s marked no access", bound)
	}
	if len(s.PodsIn(unbound)) != 0 || len(s.WorkloadsIn(unbound)) != 0 {
		t.Errorf("objects of the refused env: pods %v workloads %v", s.PodsIn(unbound), s.WorkloadsIn(unbound))
	}
	if st := status.Of(s, unbound); st.Phase != status.PhaseNoAccess || st.Reason == "" {
		t.Errorf("status of the refused env: %s (%s), want NoAccess with the refusal", st.Phase, st.Reason)
	}
	if got := s.Errors(); len(got) != 0 {
		t.Errorf("Errors() = %v: a refused env is not a failing resource", got)
	}
	if n := requests.count("/apis/apps/v1/deployments") + requests.count("/api/v1/pods"); n != 0 {
		t.Errorf("%d cluster-wide list/watch requests in namespaced mode", n)
	}

	// Refused: retried with backoff (1 s, 2 s, 4 s…), not by every
	// reflector as fast as client-go would (800 ms for each of 5 kinds).
	time.Sleep(5 * time.Second)
	refused := requests.count("/namespaces/" + unbound + "/")
	t.Logf("%d requests to the refused namespace in %s", refused, time.Since(deniedAt).Round(time.Millisecond))
	if budget := 5 * 4; refused > budget { // the first round and at most three retries since
		t.Errorf("%d requests to the refused namespace within %s of the refusal, want ≤ %d", refused, time.Since(deniedAt).Round(time.Second), budget)
	}

	// A new env appears: its feed starts and its pod shows.
	added := labelledNamespace(t, c, "nsmode-c", key, val)
	if err := grant.BindEnv(ctx, c.Typed, added); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Typed.AppsV1().Deployments(added).Create(ctx, deploy("api", 1, lbl, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, w, 60*time.Second, "the new env's pod", func(s *k8s.Snapshot) bool {
		p := podsOf(s, added, "api")
		return len(p) == 1 && p[0].Phase == "Running"
	})

	// The refused env is bound: a retry reads it.
	if err := grant.BindEnv(ctx, c.Typed, unbound); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, w, 2*time.Minute, "the refused env readable once bound", func(s *k8s.Snapshot) bool {
		_, denied := s.Denied(unbound)
		return !denied && len(podsOf(s, unbound, "web")) == 1
	})

	// An env deleted: its objects leave the snapshot and its feed stops.
	if err := c.Typed.CoreV1().Namespaces().Delete(ctx, added, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, w, 2*time.Minute, "the deleted env gone", func(s *k8s.Snapshot) bool {
		_, ok := s.Namespace(added)
		return !ok && len(s.PodsIn(added)) == 0 && len(s.WorkloadsIn(added)) == 0
	})
	if feeds := w.EnvFeeds(); slices.Contains(feeds, added) || !slices.Contains(feeds, bound) {
		t.Errorf("feeds after the delete: %v, want %s's stopped and %s's running", feeds, added, bound)
	}
}

// TestWatchDetectsClusterWideForAdmin: an admin's watcher in ModeDetect
// keeps today's cluster-wide informers.
func TestWatchDetectsClusterWideForAdmin(t *testing.T) {
	c := testcluster.Client(t)
	ns, key, val := scoped(t, c, "nsdetect")
	sel := key + "=" + val
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(context.Background(), deploy("web", 1, map[string]string{key: val}, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, requests := detectingWatcher(t, c.Config, sel)
	waitSnap(t, w, 60*time.Second, "cluster-wide mode with the pod", func(s *k8s.Snapshot) bool {
		return s.Mode == k8s.ModeClusterWide && len(podsOf(s, ns, "web")) == 1 && s.Resources[k8s.ResourcePods].Synced
	})
	if n := requests.count("/namespaces/" + ns + "/"); n != 0 {
		t.Errorf("%d namespaced requests in cluster-wide mode", n)
	}
	if feeds := w.EnvFeeds(); len(feeds) != 0 {
		t.Errorf("env feeds in cluster-wide mode: %v", feeds)
	}
}

// detectingWatcher starts, for the test's life, a watcher (ModeDetect)
// of the namespaces and objects labelled sel as cfg's user, on a client
// counting its requests.
func detectingWatcher(t *testing.T, cfg *rest.Config, sel string) (*k8s.Watcher, *pathCounter) {
	t.Helper()
	requests := &pathCounter{}
	return watcherThrough(t, cfg, sel, requests.wrap), requests
}

// watcherThrough starts, for the test's life, a watcher (ModeDetect) of
// the namespaces and objects labelled sel as cfg's user, on a client
// whose requests go through wrap.
func watcherThrough(t *testing.T, cfg *rest.Config, sel string, wrap func(http.RoundTripper) http.RoundTripper) *k8s.Watcher {
	t.Helper()
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.Wrap(wrap)
	cs, err := kube.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := k8s.NewWatcher(cs, k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel, Mode: k8s.ModeDetect})
	w.Start(ctx)
	return w
}

// TestWatchNamespacedResumesWatches: in namespaced mode an env's watch
// that ends (the server's timeout, a broken connection) is resumed from
// where it was, without listing again, and one whose version is too old
// to resume lists again; the pods stay right through both.
func TestWatchNamespacedResumesWatches(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	grant, _ := testcluster.Narrow(t, c)
	key, val := "berth.dev/it", testcluster.UniqueName("nsresume")
	sel := key + "=" + val
	ns := labelledNamespace(t, c, "nsresume", key, val)
	if err := grant.BindEnv(ctx, c.Typed, ns); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deploy("web", 1, map[string]string{key: val}, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cut := &watchCutter{path: "/namespaces/" + ns + "/pods"}
	w := watcherThrough(t, grant.Config(c.Config), sel, cut.wrap)
	running := func(n int) func(*k8s.Snapshot) bool {
		return func(s *k8s.Snapshot) bool {
			p := podsOf(s, ns, "web")
			if s.Mode != k8s.ModeNamespaced || len(p) != n {
				return false
			}
			for _, p := range p {
				if p.Phase != "Running" {
					return false
				}
			}
			return true
		}
	}
	scale := func(n int) {
		t.Helper()
		patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, n)
		if _, err := c.Typed.AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitSnap(t, w, 60*time.Second, "the env's pod running", running(1))
	eventually(t, "the pods' watch open", cut.watching)
	lists, watches := cut.counts()

	// The watch ends: resumed from its version, not listed again.
	cut.cutAll()
	scale(2)
	waitSnap(t, w, 60*time.Second, "two pods after the watch ended", running(2))
	eventually(t, "the pods' watch open again", cut.watching)
	if l, wt := cut.counts(); l != lists || wt <= watches {
		t.Errorf("after a watch ended: %d lists (before %d), %d watches (before %d); want no list and a new watch", l, lists, wt, watches)
	}
	if rv := cut.lastVersion(); rv == "" || rv == "0" {
		t.Errorf("the watch resumed from version %q, want the last one seen", rv)
	}

	// The next watch is answered as the API server answers a version it
	// no longer has (an ERROR event, 410 Expired): the pods are listed
	// again.
	lists, _ = cut.counts()
	cut.expireNext()
	cut.cutAll()
	eventually(t, "a watch answered Expired", cut.expiredAsked)
	eventually(t, "the pods listed again", func() bool { l, _ := cut.counts(); return l > lists })
	scale(3)
	waitSnap(t, w, 60*time.Second, "three pods after a version too old", running(3))
}

// watchCutter counts the lists and watches of one path (pods of one
// namespace) and can end the open watches (and those opening), or answer
// the next watch with an Expired error event.
type watchCutter struct {
	path string

	mu             sync.Mutex
	lists, watches int
	open           map[io.Closer]bool
	cuts           int // cutAll calls: a watch answered after one is cut at once
	expire         bool
	expired        bool   // a watch was answered Expired
	version        string // resourceVersion the last watch asked for
}

// expiredWatch is the API server's answer to a watch from a resource
// version it no longer has: the stream opens, carries one ERROR event
// with a 410 Expired status, and ends — in protobuf, as berth asks.
func expiredWatch(r *http.Request) (*http.Response, error) {
	codecs := kube.Scheme()
	info, _ := kruntime.SerializerInfoForMediaType(codecs.Factory.SupportedMediaTypes(), kruntime.ContentTypeProtobuf)
	status := apierrors.NewResourceExpired("too old resource version: 1 (2)").ErrStatus
	status.APIVersion, status.Kind = "v1", "Status"
	var obj bytes.Buffer
	if err := info.Serializer.Encode(&status, &obj); err != nil {
		return nil, err
	}
	var ev bytes.Buffer
	if err := info.StreamSerializer.Serializer.Encode(&metav1.WatchEvent{Type: string(watch.Error), Object: kruntime.RawExtension{Raw: obj.Bytes()}}, &ev); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	_ = binary.Write(&body, binary.BigEndian, uint32(ev.Len()))
	body.Write(ev.Bytes())
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/2.0", ProtoMajor: 2, Request: r,
		Header: http.Header{"Content-Type": {kruntime.ContentTypeProtobuf + ";stream=watch"}},
		Body:   io.NopCloser(&body),
	}, nil
}

func (c *watchCutter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !strings.HasSuffix(r.URL.Path, c.path) {
			return rt.RoundTrip(r)
		}
		q := r.URL.Query()
		c.mu.Lock()
		watching := q.Get("watch") == "true"
		if !watching {
			c.lists++
			c.mu.Unlock()
			return rt.RoundTrip(r)
		}
		c.watches++
		c.version = q.Get("resourceVersion")
		if c.expire {
			c.expire, c.expired = false, true
			c.mu.Unlock()
			return expiredWatch(r)
		}
		cuts := c.cuts
		c.mu.Unlock()
		resp, err := rt.RoundTrip(r)
		if err != nil {
			return resp, err
		}
		b := &trackedBody{ReadCloser: resp.Body, c: c}
		resp.Body = b
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.cuts != cuts {
			_ = b.ReadCloser.Close() // cut while it was opening
			return resp, nil
		}
		if c.open == nil {
			c.open = map[io.Closer]bool{}
		}
		c.open[b] = true
		return resp, nil
	})
}

// trackedBody is a watch's body, known to its cutter while open.
type trackedBody struct {
	io.ReadCloser
	c *watchCutter
}

func (b *trackedBody) Close() error {
	b.c.mu.Lock()
	delete(b.c.open, b)
	b.c.mu.Unlock()
	return b.ReadCloser.Close()
}

func (c *watchCutter) cutAll() {
	c.mu.Lock()
	c.cuts++
	open := make([]io.Closer, 0, len(c.open))
	for b := range c.open {
		open = append(open, b)
	}
	c.mu.Unlock()
	for _, b := range open {
		_ = b.Close()
	}
}

func (c *watchCutter) watching() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.open) > 0
}

func (c *watchCutter) counts() (lists, watches int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lists, c.watches
}

func (c *watchCutter) lastVersion() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

func (c *watchCutter) expiredAsked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.expired
}

func (c *watchCutter) expireNext() {
	c.mu.Lock()
	c.expire = true
	c.mu.Unlock()
}

// eventually polls cond for up to 30 s, failing the test after that.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting 30s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
