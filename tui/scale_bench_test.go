package tui

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/bench/apimetrics"
	"github.com/berth-dev/berth/bench/scaleload"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
)

// envInt reads a positive integer from the environment.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkScale drives the real UI program headless (no terminal; the
// renderer's View runs after every update, and ages tick over on screen as in
// `berth`) against many berth envs and reports: first full screen vs a plain
// LIST of the same objects, CPU and API requests by verb while idle, and
// event→screen latency while 1,000 pods churn vs a raw watch of the same
// changes, plus RSS. It runs once whatever b.N is (-benchtime 1x).
//
// Load: BERTH_BENCH_RUN names a load made by `berthbench load` (bench/run.sh
// does this on a private cluster); otherwise one of BERTH_BENCH_NAMESPACES ×
// BERTH_BENCH_PODS (default 500 × 20) is created here and removed after.
// The cluster is testcluster's (BERTH_TEST_KUBECONFIG). BERTH_BENCH_IDLE is
// the idle window in seconds (default 10), BERTH_BENCH_CHURN the pods
// changed (default 1000).
func BenchmarkScale(b *testing.B) {
	c := testcluster.Client(b)
	ctx := context.Background()
	admin := bulkClient(b, c.Config)
	load := scaleLoad(b, ctx, admin)
	sel, nsCount, total := load.Selector(), len(load.Namespaces), load.Pods()
	full := func(s *k8s.Snapshot) bool { return len(s.Namespaces) == nsCount && runningPods(s) == total }

	// Baseline: what any client pays to get the same objects once.
	t0 := time.Now()
	if _, err := admin.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: sel, ResourceVersion: "0"}); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: sel, ResourceVersion: "0"}); err != nil {
		b.Fatal(err)
	}
	listTime := time.Since(t0)

	// berth's client counts its own requests by verb. It is the admin's,
	// or with BERTH_BENCH_AS_KUBECONFIG another user's (a developer's
	// narrow grant: `berthbench narrow`); like `berth`'s (Client.Bulk) it
	// has no client-side rate limit.
	verbs := apimetrics.NewCounter(apimetrics.RequestVerb)
	cfg := berthConfig(b, c.Config)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.Wrap(verbs.Wrap)
	cs, err := kube.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	watches0 := scrapeWatches(b, ctx, admin)

	// Start as `berth` does: watcher, then the program, until the first
	// full screen (the rows on screen show all their pods, as berthbench
	// tui reads the real binary's) and until everything is loaded (every
	// env's pods). Each is the median of BERTH_BENCH_STARTS starts
	// (default 3): the earlier ones stop once everything is loaded; the
	// last goes on to the idle window and the churn. One start's figures
	// move by a third from one to the next (the API server and this
	// process share the 2 cores), which compare's ratio of two single
	// starts doubled.
	screen := load.Screen()
	var screens, alls []time.Duration
	for range max(envInt("BERTH_BENCH_STARTS", 3), 1) - 1 {
		l := startLive(ctx, cs, sel, screen.Shows)
		_, s, a, err := l.wait(full)
		l.stop()
		if err != nil {
			b.Fatalf("first full screen: %v", err)
		}
		screens, alls = append(screens, s), append(alls, a)
	}
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS(b)
	rss0 := procStatus("VmRSS")
	l := startLive(ctx, cs, sel, screen.Shows)
	defer l.stop()
	w, frames, start := l.w, l.frames, l.start
	first, s, a, err := l.wait(full)
	if err != nil {
		b.Fatalf("first full screen: %v", err)
	}
	screens, alls = append(screens, s), append(alls, a)
	firstScreen, allLoaded := scaleload.Median(screens), scaleload.Median(alls)
	mode := first.snap.Mode

	// Idle: nothing changes. Once berth's watches are all open (their count
	// on the apiserver steady for 2 s; in namespaced mode they follow the
	// lists, at least one, of pods, in every namespace), counters before
	// and after the window.
	var atLeast map[string]float64
	if mode == k8s.ModeNamespaced {
		atLeast = map[string]float64{"namespace": float64(nsCount)}
	}
	settleFrom := time.Now()
	open, opened, err := apimetrics.SettleWatches(ctx, admin.Discovery().RESTClient(), watchedResources(), 2*time.Second, 3*time.Minute, atLeast)
	if err != nil {
		b.Fatal(err)
	}
	watches, watchesOpen := apimetrics.Delta(watches0, open), settleFrom.Add(opened).Sub(start)
	idle := time.Duration(envInt("BERTH_BENCH_IDLE", 10)) * time.Second
	api0 := scrapeRequests(b, ctx, admin)
	verbs0, frames0 := verbs.Snapshot(), frames.count()
	// The idle window in three parts, their median: an idle berth's CPU
	// is a few tens of ms in 30 s, and one GC or a burst of bookmarks
	// (namespaced: a thousand watches, one a minute each) moved a single
	// window's figure by a fifth from one run to the next.
	var parts []float64
	for range idleParts {
		cpu0, wall0 := cpuTime(), time.Now()
		time.Sleep(idle / idleParts)
		parts = append(parts, float64(cpuTime()-cpu0)/float64(time.Since(wall0)))
	}
	idleCPU := scaleload.Median(parts)
	verbsIdle := apimetrics.Delta(verbs0, verbs.Snapshot())
	idleFrames := frames.count() - frames0
	api1 := scrapeRequests(b, ctx, admin)

	// A key press with everything loaded (a model of its own, same data).
	km := New(Config{Cluster: w, Project: scaleload.Project})
	km.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	km.Update(snapshotMsg{snap: first.snap})
	t0 = time.Now()
	const presses = 100
	for range presses {
		km.Update(tea.KeyMsg{Type: tea.KeyDown})
		_ = km.View()
	}
	keyCost := time.Since(t0) / presses

	// Churn: change pods; time each change to the first frame drawn with it,
	// and to its arrival on a raw watch (the floor) opened beside berth's.
	churn := churnPods(b, ctx, admin, load, frames, envInt("BERTH_BENCH_CHURN", 1000), envInt("BERTH_BENCH_CHURN_RATE", 100))

	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, peak := procStatus("VmRSS"), procStatus("VmHWM")

	b.ReportMetric(firstScreen.Seconds(), "first-screen-s")
	b.ReportMetric(idleCPU*100, "idle-cpu-%")
	b.ReportMetric(float64(churn.over.p99.Microseconds())/1000, "event-screen-p99-ms")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(keyCost.Microseconds())/1000, "key-ms")

	var r strings.Builder
	pr := func(format string, a ...any) { fmt.Fprintf(&r, format+"\n", a...) }
	pr("live view: %d namespaces × %d pods = %d pods (load %s), 160×48 headless program, %d fps, ages redrawn as they tick over", nsCount, load.PodsPer, total, load.Run, fps)
	pr("access: %s as %s; berth's watches on the apiserver: %s (total %.0f), all open %.1f s after start", mode, berthUser(cfg), apimetrics.Format(watches), apimetrics.Total(watches), watchesOpen.Seconds())
	pr("first full screen:  %6.0f ms   (the rows on screen show all their pods; median of starts %s)   target ≤ 3 s: %s",
		msf(firstScreen), msList(screens), verdict(firstScreen <= 3*time.Second))
	pr("everything loaded:  %6.0f ms   baseline: plain LIST of the same namespaces+pods %5.0f ms   ratio %.2f×   (every env's pods; median of starts %s)",
		msf(allLoaded), msf(listTime), ratioF(allLoaded, listTime), msList(alls))
	pr("idle CPU (%s):    %6.2f %% of a core   anchor: k9s on this load 35 %%   ratio %.3f×   target ≈ 0 (≤ 1 %%): %s   (median of thirds %s; %d frames drawn: ages ticking over on screen)",
		idle, idleCPU*100, idleCPU/0.35, verdict(idleCPU <= 0.01), percentList(parts), idleFrames)
	pr("idle requests, berth's client:          %s   target: only WATCH (none is fine): %s", apimetrics.Format(verbsIdle), verdict(onlyWatch(verbsIdle)))
	pr("idle requests, apiserver (all clients): %s", apimetrics.Format(apimetrics.Delta(api0.all, api1.all)))
	pr("idle requests, apiserver on berth's resources (%s): %s", strings.Join(watchedResources(), ","), apimetrics.Format(apimetrics.Delta(api0.watched, api1.watched)))
	pr("  (apiserver_request_total counts a WATCH when it ends; berth's client counts a request when it starts)")
	pr("change→screen while %d pods churn (%.0f changes/s): p50 %.0f ms, p99 %.0f ms   baseline: the same changes on a raw watch p50 %.0f ms, p99 %.0f ms   p99 ratio %.2f×",
		churn.n, churn.rate, msf(churn.model.p50), msf(churn.model.p99), msf(churn.raw.p50), msf(churn.raw.p99), ratioF(churn.model.p99, churn.raw.p99))
	pr("event→screen (event on the raw watch → berth's frame with it): p50 %.0f ms, p99 %.0f ms   target p99 ≤ 200 ms: %s",
		msf(churn.over.p50), msf(churn.over.p99), verdict(churn.over.p99 <= 200*time.Millisecond))
	pr("  (includes the watcher's 50 ms debounce, the snapshot, Update and View; change→event is the apiserver's share)")
	pr("memory: RSS %d MiB now (anon %d MiB, file %d MiB), peak %d MiB, heap in use %d MiB; before the live view started RSS was %d MiB",
		rss>>20, procStatus("RssAnon")>>20, procStatus("RssFile")>>20, peak>>20, ms.HeapInuse>>20, rss0>>20)
	pr("  (this test process, for the heap profile; the RSS target is judged on the real binary by berthbench tui, next)")
	pr("key press (down, then View): %.2f ms", msf(keyCost))
	fmt.Print(r.String())
	res := scaleload.Result{Mode: string(mode), Process: "headless", FirstScreenMs: msf(firstScreen), LoadedMs: msf(allLoaded), IdleCPUPercent: idleCPU * 100,
		EventScreenP99Ms: msf(churn.over.p99), PeakRSSMiB: float64(peak) / (1 << 20), Watches: watches, WatchesOpenMs: msf(watchesOpen)}
	if err := res.Write(os.Getenv("BERTH_BENCH_RESULT")); err != nil {
		b.Fatal(err)
	}
}

// liveStart is berth's live view started as `berth` starts it: the
// watcher, then the program drawing into frames, at 160×48.
type liveStart struct {
	w      *k8s.Watcher
	m      *Model
	p      *tea.Program
	frames *frameLog
	done   chan error
	cancel context.CancelFunc
	start  time.Time
}

func startLive(ctx context.Context, cs kube.Interface, sel string, shows func(string) bool) *liveStart {
	wctx, cancel := context.WithCancel(ctx)
	l := &liveStart{frames: newFrameLog(), done: make(chan error, 1), cancel: cancel, start: time.Now()}
	l.w = k8s.NewWatcher(cs, k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel, Mode: k8s.ModeDetect})
	l.w.Start(wctx)
	l.m = New(Config{Cluster: l.w, Project: scaleload.Project, Tick: time.Second})
	l.p = tea.NewProgram(&drawHook{m: l.m, frames: l.frames, shows: shows}, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithFPS(fps),
		tea.WithoutSignalHandler(), tea.WithContext(wctx))
	go func() { _, err := l.p.Run(); l.done <- err }()
	l.p.Send(tea.WindowSizeMsg{Width: 160, Height: 48})
	return l
}

// wait waits until a frame's screen is full, then until a frame's
// snapshot is (the same frame may be both), and says how long after the
// start each came; it returns the latter frame.
func (l *liveStart) wait(full func(*k8s.Snapshot) bool) (f frame, screen, all time.Duration, err error) {
	f, err = l.frames.waitFor(context.Background(), 5*time.Minute, func(f frame) bool {
		if screen == 0 && f.shown {
			screen = f.at.Sub(l.start)
		}
		return screen > 0 && full(f.snap)
	})
	return f, screen, f.at.Sub(l.start), err
}

// stop quits the program and the watcher.
func (l *liveStart) stop() {
	l.p.Quit()
	<-l.done
	l.m.stop()
	l.cancel()
}

// resetPeakRSS resets the process's VmHWM to its RSS now (Linux
// clear_refs 5), so the peak read later is the last start's.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("reset peak RSS: %v (the peak covers every start)", err)
	}
}

// msList is ds in milliseconds, in order: "690 712 1020 ms".
func msList(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.FormatFloat(msf(d), 'f', 0, 64)
	}
	return strings.Join(parts, " ") + " ms"
}

// berthConfig is the rest config of berth's client: the admin's, or the
// current context of BERTH_BENCH_AS_KUBECONFIG.
func berthConfig(b *testing.B, admin *rest.Config) *rest.Config {
	path := os.Getenv("BERTH_BENCH_AS_KUBECONFIG")
	if path == "" {
		return rest.CopyConfig(admin)
	}
	c, err := k8s.NewClient(k8s.Flags{Kubeconfig: path})
	if err != nil {
		b.Fatal(err)
	}
	return rest.CopyConfig(c.Config)
}

// berthUser names whom berth's client acts as.
func berthUser(cfg *rest.Config) string {
	if u := cfg.Impersonate.UserName; u != "" {
		return u + " (impersonated)"
	}
	if os.Getenv("BERTH_BENCH_AS_KUBECONFIG") != "" {
		if block, _ := pem.Decode(cfg.CertData); block != nil {
			if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
				return cert.Subject.CommonName + " (client certificate)"
			}
		}
		return "the user of " + os.Getenv("BERTH_BENCH_AS_KUBECONFIG")
	}
	return "the admin"
}

// scrapeWatches counts the apiserver's watches on berth's resources by scope.
func scrapeWatches(b *testing.B, ctx context.Context, cs kubernetes.Interface) map[string]float64 {
	m, err := apimetrics.Watches(ctx, cs.Discovery().RESTClient(), watchedResources())
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// scaleLoad opens the load BERTH_BENCH_RUN names, or creates one and
// removes it when the benchmark ends.
func scaleLoad(b *testing.B, ctx context.Context, admin kubernetes.Interface) *scaleload.Load {
	if run := os.Getenv("BERTH_BENCH_RUN"); run != "" {
		l, err := scaleload.Open(ctx, admin, run)
		if err != nil {
			b.Fatal(err)
		}
		return l
	}
	nsCount, podsPer := envInt("BERTH_BENCH_NAMESPACES", 500), envInt("BERTH_BENCH_PODS", 20)
	l, err := scaleload.Create(ctx, admin, testcluster.UniqueName("bench"), nsCount, podsPer)
	if l != nil {
		b.Cleanup(func() { _ = l.Delete(context.Background(), admin) })
	}
	if err != nil {
		b.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	if err := l.WaitRunning(wctx, admin); err != nil {
		b.Fatal(err)
	}
	return l
}

// bulkClient is an admin client with a rate limit fit for bulk changes.
func bulkClient(b *testing.B, base *rest.Config) kubernetes.Interface {
	cfg := rest.CopyConfig(base)
	cfg.QPS, cfg.Burst = 2000, 4000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return cs
}

// runningPods counts Running pods in a snapshot.
func runningPods(s *k8s.Snapshot) int {
	n := 0
	for _, ps := range s.Pods {
		for _, p := range ps {
			if p.Phase == "Running" {
				n++
			}
		}
	}
	return n
}

// frame is one drawn screen: the snapshot the model drew, whether the
// screen was full (scaleload.FullScreen), and when.
type frame struct {
	snap  *k8s.Snapshot
	shown bool
	at    time.Time
}

// drawHook wraps the model so every View (the renderer calls it after each
// update) is logged with the snapshot it drew.
type drawHook struct {
	m      *Model
	frames *frameLog
	shows  func(screen string) bool // nil: never full
	last   *k8s.Snapshot
	shown  bool
}

func (d *drawHook) Init() tea.Cmd { return d.m.Init() }

func (d *drawHook) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := d.m.Update(msg)
	return d, cmd
}

func (d *drawHook) View() string {
	v := d.m.View()
	if d.m.snap != d.last { // the screen is read once per snapshot, not kept
		d.last = d.m.snap
		d.shown = d.shows != nil && d.shows(v)
	}
	d.frames.add(frame{snap: d.m.snap, shown: d.shown, at: time.Now()})
	return v
}

// frameLog hands drawn frames to whoever waits for them, without ever
// blocking the program: it keeps the newest frame of each snapshot.
type frameLog struct {
	mu     sync.Mutex
	n      int
	last   *k8s.Snapshot
	queue  []frame
	notify chan struct{}
}

func newFrameLog() *frameLog { return &frameLog{notify: make(chan struct{}, 1)} }

func (l *frameLog) add(f frame) {
	l.mu.Lock()
	l.n++
	if f.snap != l.last { // a redraw of the same data tells nothing new
		l.last = f.snap
		l.queue = append(l.queue, f)
	}
	l.mu.Unlock()
	select {
	case l.notify <- struct{}{}:
	default:
	}
}

func (l *frameLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// take returns the frames of new snapshots drawn since the last take.
func (l *frameLog) take() []frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queue
	l.queue = nil
	return q
}

// waitFor returns the first frame (from now on) for which ok holds.
func (l *frameLog) waitFor(ctx context.Context, timeout time.Duration, ok func(frame) bool) (frame, error) {
	deadline := time.After(timeout)
	for {
		for _, f := range l.take() {
			if ok(f) {
				return f, nil
			}
		}
		select {
		case <-l.notify:
		case <-deadline:
			return frame{}, fmt.Errorf("not drawn within %s", timeout)
		case <-ctx.Done():
			return frame{}, ctx.Err()
		}
	}
}

// onlyWatch reports whether every counted request is a WATCH.
func onlyWatch(m map[string]float64) bool {
	for verb := range m {
		if verb != "WATCH" {
			return false
		}
	}
	return true
}

// watchedResources are the resources berth's watcher lists and watches.
func watchedResources() []string {
	return []string{"namespaces", "pods", "deployments", "statefulsets", "daemonsets", "jobs", "events", "nodes"}
}

// requestCounts is one scrape of apiserver_request_total by verb.
type requestCounts struct{ all, watched map[string]float64 }

func scrapeRequests(b *testing.B, ctx context.Context, cs kubernetes.Interface) requestCounts {
	ss, err := apimetrics.Scrape(ctx, cs.Discovery().RESTClient(), "apiserver_request_total")
	if err != nil {
		b.Fatal(err)
	}
	return requestCounts{
		all: ss.SumBy("apiserver_request_total", "verb", func(l map[string]string) bool { return l["resource"] != "" }),
		watched: ss.SumBy("apiserver_request_total", "verb", func(l map[string]string) bool {
			return slices.Contains(watchedResources(), l["resource"]) && l["subresource"] == ""
		}),
	}
}

// latencies are percentiles of one set of samples.
type latencies struct{ p50, p99 time.Duration }

func percentiles(ds []time.Duration) latencies {
	if len(ds) == 0 {
		return latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return latencies{p50: s[len(s)/2], p99: s[min(len(s)-1, len(s)*99/100)]}
}

// churnResult is the outcome of churnPods.
type churnResult struct {
	n          int
	rate       float64 // changes per second sent
	model, raw latencies
	over       latencies // berth's frame after the raw watch's event
}

// churnPods patches a label on n pods (spread over all namespaces), rate a
// second, and times each change from just before its request to (a) the first
// frame drawn from a snapshot holding it and (b) its event on a raw watch.
func churnPods(b *testing.B, ctx context.Context, admin kubernetes.Interface, load *scaleload.Load, frames *frameLog, n, rate int) churnResult {
	n = min(n, load.Pods())
	type change struct {
		ns, pod, val string
		sent         time.Time
	}
	changes := make([]change, n)
	seq := strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range changes {
		ns := load.Namespaces[i%len(load.Namespaces)]
		pod := scaleload.PodName((i / len(load.Namespaces)) % load.PodsPer)
		changes[i] = change{ns: ns, pod: pod, val: seq + "-" + strconv.Itoa(i)}
	}
	const seqLabel = "berth.dev/bench-seq"

	// The floor: a raw watch, from the current resource version.
	cur, err := admin.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: load.Selector(), Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	raw, err := admin.CoreV1().Pods("").Watch(wctx, metav1.ListOptions{LabelSelector: load.Selector(), ResourceVersion: cur.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Stop()

	var mu sync.Mutex
	sent := map[string]time.Time{} // val → when its request started
	rawAt, modelAt := map[string]time.Time{}, map[string]time.Time{}
	go func() {
		for ev := range raw.ResultChan() {
			obj, ok := ev.Object.(metav1.Object)
			if !ok {
				continue
			}
			at := time.Now()
			if v := obj.GetLabels()[seqLabel]; strings.HasPrefix(v, seq) {
				mu.Lock()
				if _, seen := rawAt[v]; !seen {
					rawAt[v] = at
				}
				mu.Unlock()
			}
		}
	}()
	frames.take() // only frames from now on
	allSeen := make(chan struct{})
	go func() {
		pending := slices.Clone(changes)
		for len(pending) > 0 {
			select {
			case <-frames.notify:
			case <-wctx.Done():
				return
			}
			for _, f := range frames.take() {
				kept := pending[:0]
				for _, c := range pending {
					i := slices.IndexFunc(f.snap.PodsIn(c.ns), func(p k8s.Pod) bool { return p.Name == c.pod })
					if i >= 0 && f.snap.PodsIn(c.ns)[i].Labels[seqLabel] == c.val {
						mu.Lock()
						modelAt[c.val] = f.at
						mu.Unlock()
						continue
					}
					kept = append(kept, c)
				}
				pending = kept
			}
		}
		close(allSeen)
	}()

	// Paced, as pods churn in real life (rollouts, crash loops): rate
	// changes per second, each its own request.
	every := time.Second / time.Duration(rate)
	t0 := time.Now()
	err = scaleload.Parallel(32, n, func(i int) error {
		c := changes[i]
		time.Sleep(time.Until(t0.Add(time.Duration(i) * every)))
		patch := []byte(`{"metadata":{"labels":{"` + seqLabel + `":"` + c.val + `"}}}`)
		mu.Lock()
		sent[c.val] = time.Now()
		mu.Unlock()
		_, err := admin.CoreV1().Pods(c.ns).Patch(ctx, c.pod, types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	})
	if err != nil {
		b.Fatalf("churn: %v", err)
	}
	achieved := float64(n) / time.Since(t0).Seconds()
	select {
	case <-allSeen:
	case <-time.After(2 * time.Minute):
		b.Fatalf("churn: not every change reached the screen within 2 minutes")
	}
	time.Sleep(500 * time.Millisecond) // the raw watch is never later than berth; be sure
	mu.Lock()
	defer mu.Unlock()
	var model, rawLat, over []time.Duration
	for _, c := range changes {
		model = append(model, modelAt[c.val].Sub(sent[c.val]))
		if at, ok := rawAt[c.val]; ok {
			rawLat = append(rawLat, at.Sub(sent[c.val]))
			over = append(over, modelAt[c.val].Sub(at))
		}
	}
	return churnResult{n: n, rate: achieved, model: percentiles(model), raw: percentiles(rawLat), over: percentiles(over)}
}

// idleParts is how many parts the idle window is measured in.
const idleParts = 3

// percentList formats fractions of a core as percentages: "0.61 0.70 0.66".
func percentList(xs []float64) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%.2f", x*100)
	}
	return strings.Join(out, " ")
}

// cpuTime is the CPU time (user+system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStatus reads a kB field (VmRSS, VmHWM) of /proc/self/status in bytes.
func procStatus(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ratioF(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}
