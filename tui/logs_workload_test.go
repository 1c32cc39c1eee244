package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/logs"
)

// mergedCluster is the fake cluster with a workload's merged logs
// (Config.Logs): canned lines, then (following) it waits for ctx.
type mergedCluster struct {
	*fakeCluster
	merged []logs.Line
	asked  []string // "ns kind/name container previous"
}

func (c *mergedCluster) WorkloadLogs(ctx context.Context, ns, kind, name string, o logs.Options, line func(logs.Line)) error {
	c.mu.Lock()
	c.asked = append(c.asked, fmt.Sprintf("%s %s/%s %q %v", ns, kind, name, o.Container, o.Previous))
	c.mu.Unlock()
	for _, l := range c.merged {
		line(l)
	}
	if o.Follow {
		<-ctx.Done()
	}
	return nil
}

// rolloutLines are the merged lines of web across a rollout: the old
// pod's stream ends, the new pods' begin.
func rolloutLines() []logs.Line {
	text := func(prefix, s string) logs.Line { return logs.Line{Kind: logs.Text, Prefix: prefix, Text: s} }
	ls := []logs.Line{
		{Kind: logs.Started, Prefix: "ccccc/web"},
		text("ccccc/web", `level=info msg="listening" addr=":8080"`),
		{Kind: logs.Started, Prefix: "aaaaa/web"},
		text("aaaaa/web", `level=info msg="listening" addr=":8080"`),
	}
	for i := range 6 {
		p := []string{"ccccc/web", "aaaaa/web"}[i%2]
		ls = append(ls, text(p, fmt.Sprintf(`level=info msg="request" method=GET path=/api/items/%d status=200 duration=%dms`, i, 3+i*7)))
	}
	ls = append(ls,
		logs.Line{Kind: logs.Started, Prefix: "bbbbb/web"},
		text("bbbbb/web", `level=info msg="starting" component=app`),
		logs.Line{Kind: logs.Ended, Prefix: "ccccc/web", Text: "pod deleted"},
		text("aaaaa/web", `level=warn msg="slow request" method=GET path=/api/items duration=1.2s`),
		text("bbbbb/web", `level=info msg="listening" addr=":8080"`),
	)
	return ls
}

func TestGoldenWorkloadLogs(t *testing.T) {
	c := &mergedCluster{fakeCluster: newFakeCluster(t, nil), merged: rolloutLines()}
	cfg := shopConfig(c)
	cfg.Logs = c
	s := startSession(t, cfg, 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("ROLLOUTS")
	s.keys("shift+tab", "shift+tab", "l")
	s.waitFor("Logs deployment/web", `[bbbbb/web] level=info msg="listening"`)
	s.golden()
	c.mu.Lock()
	defer c.mu.Unlock()
	if want := []string{`shop-feat-login Deployment/web "" false`}; strings.Join(c.asked, "\n") != strings.Join(want, "\n") {
		t.Errorf("asked for %q, want %q", c.asked, want)
	}
}

// On a rollout, p asks for the previous instances and c goes through every
// container, then each one; esc goes back to the detail view.
func TestWorkloadLogsPreviousAndContainers(t *testing.T) {
	c := &mergedCluster{fakeCluster: newFakeCluster(t, nil), merged: rolloutLines()}
	cfg := shopConfig(c)
	cfg.Logs = c
	s := startSession(t, cfg, 100, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("ROLLOUTS")
	s.keys("shift+tab", "shift+tab", "l")
	s.waitFor("Logs deployment/web")
	s.keys("p")
	s.waitFor("(previous)", "stream ended")
	s.keys("c")
	s.waitFor("Logs deployment/web -c web (previous)")
	s.keys("c", "esc")
	s.waitFor("ROLLOUTS")
	s.screen()
	c.mu.Lock()
	defer c.mu.Unlock()
	want := []string{
		`shop-feat-login Deployment/web "" false`,
		`shop-feat-login Deployment/web "" true`,
		`shop-feat-login Deployment/web "web" true`,
		`shop-feat-login Deployment/web "" true`,
	}
	if strings.Join(c.asked, "\n") != strings.Join(want, "\n") {
		t.Errorf("asked for\n%s\nwant\n%s", strings.Join(c.asked, "\n"), strings.Join(want, "\n"))
	}
}

// The view keeps at most maxLogLines lines, and as many that arrived while
// paused, however many come.
func TestWorkloadLogsBufferBounded(t *testing.T) {
	v := &logsView{ns: "ns", kind: "Deployment", workload: "web", follow: true}
	c := &viewCtx{}
	batch := make([]logLine, logBatch)
	for i := range batch {
		batch[i] = logLine{prefix: "abcde/web", text: fmt.Sprint(i)}
	}
	for i := range 3 * maxLogLines / logBatch {
		if i == maxLogLines/logBatch {
			v.update(c, keyMsg("space")) // pause: lines are held
		}
		v.update(c, logMsg{lines: batch})
		if len(v.lines) > maxLogLines || len(v.held) > maxLogLines {
			t.Fatalf("after %d batches: %d lines, %d held; bound %d", i+1, len(v.lines), len(v.held), maxLogLines)
		}
	}
	if len(v.held) != maxLogLines {
		t.Errorf("%d lines held while paused, want the last %d", len(v.held), maxLogLines)
	}
}

// Without Config.Logs, l on a rollout opens its first pod's log.
func TestWorkloadLogsFallBackToFirstPod(t *testing.T) {
	c := newFakeCluster(t, nil)
	c.logs = []string{"hello"}
	s := startSession(t, shopConfig(c), 100, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("ROLLOUTS")
	s.keys("shift+tab", "shift+tab", "l")
	s.waitFor("Logs web-", "hello")
	s.screen()
}
