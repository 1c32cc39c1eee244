package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui"
)

// recoverWithin bounds the wait for every view to show the truth again
// after the API server is back. It is not a speed target (those live in
// make bench): berth retries an unanswered list or watch every
// retryInterval rather than client-go's backoff of up to 30 s
// (k8s TestUntilAnsweredRetries); the time taken is logged.
const recoverWithin = 2 * time.Minute

// minOutage is how long the API server stays down at least.
const minOutage = 20 * time.Second

// driver runs a bubbletea model without a terminal: it executes the
// model's commands in goroutines and feeds their messages to Update on one
// goroutine, keeping the latest View for the test to read.
type driver struct {
	msgs chan tea.Msg
	mu   sync.Mutex
	view string
}

func drive(ctx context.Context, m tea.Model, width, height int) *driver {
	d := &driver{msgs: make(chan tea.Msg, 64)}
	d.exec(ctx, m.Init())
	d.msgs <- tea.WindowSizeMsg{Width: width, Height: height}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case msg := <-d.msgs:
				var cmd tea.Cmd
				m, cmd = m.Update(msg)
				d.exec(ctx, cmd)
				v := m.View()
				d.mu.Lock()
				d.view = v
				d.mu.Unlock()
			}
		}
	}()
	return d
}

func (d *driver) exec(ctx context.Context, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				d.exec(ctx, c)
			}
			return
		}
		if msg == nil {
			return
		}
		select {
		case d.msgs <- msg:
		case <-ctx.Done():
		}
	}()
}

// View is the screen the model drew last.
func (d *driver) View() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.view
}

// statusLines decodes the JSON objects `berth status --watch -o json`
// printed so far.
func statusLines(out string) []map[string]any {
	var vs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var v map[string]any
		if json.Unmarshal([]byte(l), &v) == nil {
			vs = append(vs, v)
		}
	}
	return vs
}

func lastStatus(out string) map[string]any {
	vs := statusLines(out)
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// envRow returns the TUI's row of namespace ns, "" if absent.
func envRow(view, ns string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, ns) {
			return l
		}
	}
	return ""
}

// TestAPIServerRestart stops kube-apiserver while `berth status --watch`
// (the real binary), a Watcher and the TUI model run on an environment;
// while it is down, all three say the connection is lost and none says
// Ready; after it is back, a change made right away shows in all three
// without a restart, and the status process is still alive.
func TestAPIServerRestart(t *testing.T) {
	p, c := private(t)
	branch := "apiserver-restart"
	ns := namespaceOf(t, branch)
	dir := testcluster.ExampleRepo(t, "shop", branch, nil)
	deleteNamespace(t, c, ns)
	mustUp(t, dir)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// berth status --watch, the real binary.
	var out, errOut syncBuffer
	statusCmd := berthCmd(ctx, dir, "status", "--watch", "-o", "json")
	statusCmd.Stdout, statusCmd.Stderr = &out, &errOut
	if err := statusCmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- statusCmd.Wait() }()
	defer func() {
		cancel()
		<-exited
	}()

	// The TUI over its own watcher, as `berth` (no arguments) runs it.
	w := k8s.NewWatcher(c.Typed, k8s.WatchOptions{
		NamespaceSelector: meta.LabelManagedBy + "=" + meta.ManagedByBerth,
		ObjectSelector:    meta.LabelManagedBy + "=" + meta.ManagedByBerth,
	})
	w.Start(ctx)
	ui := drive(ctx, tui.New(tui.Config{Cluster: w, Project: "shop", Context: "private"}), 200, 40)

	total := func(v map[string]any) int {
		f, _ := v["total"].(float64)
		return int(f)
	}
	var want int
	poll(t, time.Minute, "every view shows the env Ready", func(context.Context) (bool, error) {
		v := lastStatus(out.String())
		if v == nil || v["status"] != string(status.PhaseReady) {
			return false, nil
		}
		want = total(v)
		st := status.Of(w.Snapshot(), ns)
		row := envRow(ui.View(), ns)
		return st.Phase == status.PhaseReady && st.Total == want && strings.Contains(row, fmt.Sprintf("Ready %d/%d", want, want)), nil
	})

	stopped := time.Now()
	if err := p.StopComponent(ctx, "kube-apiserver"); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = p.Up(context.Background())
		}
	}()
	poll(t, 30*time.Second, "every view says the connection is lost", func(context.Context) (bool, error) {
		v := lastStatus(out.String())
		s := w.Snapshot()
		view := ui.View()
		return v != nil && v["status"] == "Unknown" &&
			!s.Connection.Connected && s.Connection.Err != "" &&
			strings.Contains(view, "disconnected") && strings.Contains(view, "connection lost"), nil
	})
	t.Logf("all views disconnected %s after the stop", time.Since(stopped).Round(time.Millisecond))
	if v := lastStatus(out.String()); v["status"] == string(status.PhaseReady) {
		t.Errorf("status --watch shows Ready while disconnected: %v", v)
	}
	if strings.Contains(ui.View(), "● live") {
		t.Errorf("TUI says live while disconnected:\n%s", ui.View())
	}

	// Keep the API server down for a while: client-go's reflectors back
	// off exponentially (0.8 s doubling), so after minOutage a watcher
	// relying on them alone would wait 6 s or more before re-listing.
	if rest := minOutage - time.Since(stopped); rest > 0 {
		select {
		case <-time.After(rest):
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	upStart := time.Now()
	if err := p.Up(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	restarted = true
	back := time.Now()
	t.Logf("API server down %s; restart took %s", back.Sub(stopped).Round(time.Millisecond), back.Sub(upStart).Round(time.Millisecond))

	// A change made right after the restart: one more worker replica.
	patch := []byte(`{"spec":{"replicas":3}}`)
	if _, err := c.Typed.AppsV1().Deployments(ns).Patch(ctx, "worker", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("scale worker: %v", err)
	}
	want++
	var seen [3]time.Duration
	poll(t, recoverWithin, fmt.Sprintf("every view shows the new total %d and a live connection", want), func(context.Context) (bool, error) {
		since := time.Since(back)
		if v := lastStatus(out.String()); seen[0] == 0 && v != nil && total(v) == want && v["status"] != "Unknown" {
			seen[0] = since
		}
		if s := w.Snapshot(); seen[1] == 0 && s.Connection.Connected && status.Of(s, ns).Total == want {
			seen[1] = since
		}
		view := ui.View()
		if row := envRow(view, ns); seen[2] == 0 && strings.Contains(row, fmt.Sprintf("/%d", want)) && strings.Contains(view, "● live") && !strings.Contains(view, "connection lost") {
			seen[2] = since
		}
		return seen[0] > 0 && seen[1] > 0 && seen[2] > 0, nil
	})
	t.Logf("after the API server was back: status --watch %s, watcher %s, TUI %s", seen[0].Round(time.Millisecond), seen[1].Round(time.Millisecond), seen[2].Round(time.Millisecond))

	// And the rollout finishes: Ready again everywhere.
	poll(t, time.Minute, "Ready again", func(context.Context) (bool, error) {
		v := lastStatus(out.String())
		return v != nil && v["status"] == string(status.PhaseReady) && total(v) == want &&
			strings.Contains(envRow(ui.View(), ns), fmt.Sprintf("Ready %d/%d", want, want)), nil
	})
	select {
	case err := <-exited:
		t.Fatalf("status --watch exited during the outage: %v\nstderr: %s", err, errOut.String())
	default:
	}
}
