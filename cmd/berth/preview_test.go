package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/githubtest"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/preview"
)

// rawHook records the raw bodies posted to it.
type rawHook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newRawHook(t *testing.T) *rawHook {
	h := &rawHook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(raw))
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *rawHook) messages(t *testing.T) []lifecycle.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []lifecycle.Message
	for _, b := range h.bodies {
		var m lifecycle.Message
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			t.Errorf("webhook body %q: %v", b, err)
		}
		out = append(out, m)
	}
	return out
}

// pullRequestRun sets the variables GitHub Actions sets for a
// pull_request run of acme/shop's PR 7 from branch, reporting to srv.
func pullRequestRun(t *testing.T, srv *githubtest.Server, branch, action, token string) {
	event := filepath.Join(t.TempDir(), "event.json")
	payload := `{"action":"` + action + `","number":7,"pull_request":{"number":7,"head":{"ref":"` + branch + `","sha":"1111111111111111111111111111111111111111"}}}`
	if err := os.WriteFile(event, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_EVENT_PATH": event, "GITHUB_REF": "refs/pull/7/merge", "GITHUB_HEAD_REF": branch,
		"GITHUB_SHA": "2222222222222222222222222222222222222222", "GITHUB_RUN_ID": "4242", "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_API_URL": srv.URL, "GITHUB_TOKEN": token,
	} {
		t.Setenv(k, v)
	}
}

// A pull request's preview, end to end on the local cluster with GitHub
// served locally: in GitHub Actions, up deploys the PR's branch (not the
// checked-out one), records PR 7 on the env (ls shows it), creates a
// deployment (in_progress → success, the env's URL, the run's log) and
// one comment; a re-deploy edits that comment; a failing up reports the
// failure with its reason and log tail and exits 3; a GitHub outage is a
// warning on a successful up (exit 0); closing the PR deletes the env,
// marks every deployment inactive and says so in the comment. The token
// shows nowhere: stdout, stderr (text and -o json), webhook payloads,
// the texts sent to GitHub.
func TestPreviewPullRequestLifecycle(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	token := "ghs_" + testcluster.UniqueName("pr-token")
	srv := githubtest.New(t, "acme", "shop", token)
	hook := newRawHook(t)
	project := testcluster.UniqueName("pr")
	dir := urlsRepo(t, project, hook.srv.URL+"/hooks/x", "")
	branch := "feature/pr-seven"
	ns := envs.Namespace("dev", project, branch)
	t.Cleanup(func() { _ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	pullRequestRun(t, srv, branch, "opened", token)

	var seen []string // every text berth printed
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		code, out, errOut := berthAt(t, ctx, nil, args...)
		seen = append(seen, out, errOut)
		if code != want {
			t.Fatalf("berth %s: exit %d, want %d\n%s\n%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out, errOut
	}
	previewComments := func() []githubtest.Comment {
		var out []githubtest.Comment
		for _, cm := range srv.Comments(7) {
			if strings.Contains(cm.Body, preview.Marker(ns)) {
				out = append(out, cm)
			}
		}
		return out
	}

	// First deploy, -o json: stdout stays JSON events.
	out, _ := run(exitOK, "up", "--dir", dir, "-o", "json", "--timeout", "3m")
	urls := doneURLs(t, out)
	n, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("up did not deploy the PR's branch %s: %v", branch, err)
	}
	if got := n.Annotations[meta.AnnotationPullRequest]; got != "7" {
		t.Errorf("namespace annotation %s = %q, want 7", meta.AnnotationPullRequest, got)
	}
	ds := srv.Deployments()
	if len(ds) != 1 || ds[0].Environment != ns || !ds[0].Transient || ds[0].Production || states(ds[0]) != "in_progress,success" {
		t.Fatalf("deployments after up: %+v", ds)
	}
	if st := ds[0].Statuses[1]; len(urls) == 0 || st.EnvironmentURL != urls[0].URL || st.LogURL != "https://github.com/acme/shop/actions/runs/4242" {
		t.Errorf("success status %+v, want environment_url %v and the run's log", st, urls)
	}
	comments := previewComments()
	if len(comments) != 1 {
		t.Fatalf("%d preview comments after up", len(comments))
	}
	for _, want := range []string{"Preview ready", "| web | ✅ 1/1 | Complete |", "| migrate | ✅ 1/1 | Complete |", urls[0].URL, "berth up --branch feature/pr-seven"} {
		if !strings.Contains(comments[0].Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, comments[0].Body)
		}
	}

	// ls shows the pull request, in the table and in JSON.
	out, _ = run(exitOK, "ls", "--dir", dir)
	if !strings.Contains(out, " PR ") || !strings.Contains(out, " #7 ") {
		t.Errorf("ls has no PR column with #7:\n%s", out)
	}
	out, _ = run(exitOK, "ls", "--dir", dir, "-o", "json")
	if !strings.Contains(out, `"pullRequest": 7`) {
		t.Errorf("ls -o json lacks pullRequest 7:\n%s", out)
	}

	// Re-deploy: the same comment, edited; the first deployment inactive.
	out, _ = run(exitOK, "up", "--dir", dir, "--timeout", "3m")
	if !strings.Contains(out, "reported on acme/shop#7") {
		t.Errorf("up does not say it reported:\n%s", out)
	}
	if again := previewComments(); len(again) != 1 || again[0].ID != comments[0].ID || len(srv.Comments(7)) != 1 {
		t.Errorf("re-deploy: %d preview comments, %d in all; want the first one edited", len(again), len(srv.Comments(7)))
	}
	if ds = srv.Deployments(); len(ds) != 2 || states(ds[0]) != "in_progress,success,inactive" || states(ds[1]) != "in_progress,success" {
		t.Errorf("deployments after re-deploy: %+v", ds)
	}

	// A failing migration: failure status and comment with the reason and
	// the log tail; exit 3 as without GitHub.
	run(exitOK, "convert", "-f", filepath.Join(dir, "compose.yaml"), "-o", filepath.Join(dir, "deploy"))
	migrate := filepath.Join(dir, "deploy", "base", "migrate.yaml")
	raw, err := os.ReadFile(migrate)
	if err != nil {
		t.Fatal(err)
	}
	anchor := "        berth.dev/service: migrate\n    spec:"
	failing := strings.Replace(string(raw), anchor, "        berth.dev/service: migrate\n        berth.dev/simulate: fail\n    spec:", 1)
	if failing == string(raw) {
		t.Fatalf("deploy/base/migrate.yaml has no pod template labels:\n%s", raw)
	}
	writeFile(t, migrate, failing)
	cfgFile := filepath.Join(dir, envs.ConfigFile)
	cfg, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfgFile, string(cfg)+"base: deploy\n")
	run(exitNotReady, "up", "--dir", dir, "-o", "json", "--timeout", "1m")
	ds = srv.Deployments()
	last := ds[len(ds)-1].Statuses
	if len(ds) != 3 || last[len(last)-1].State != "failure" || !strings.Contains(last[len(last)-1].Description, "migrate") {
		t.Errorf("failed up: deployments %+v", ds)
	}
	body := previewComments()[0].Body
	for _, want := range []string{"Preview failed", "**Reason:** step", "| migrate (Job/migrate-", "| ❌ 0/1 | Failed: BackoffLimitExceeded", "Details and log tail", "simulated failure"} {
		if !strings.Contains(body, want) {
			t.Errorf("failure comment lacks %q:\n%s", want, body)
		}
	}

	// GitHub down (503 on every call) while the deploy succeeds: a
	// warning, exit 0.
	writeFile(t, migrate, string(raw))
	srv.Fail(githubtest.Fault{Status: http.StatusServiceUnavailable, Error: "unavailable", Times: 1000})
	_, errOut := run(exitOK, "up", "--dir", dir, "--timeout", "3m")
	if !strings.Contains(errOut, "warning: github: create deployment") || !strings.Contains(errOut, "503") || !strings.Contains(errOut, "rest of this report is skipped") {
		t.Errorf("outage: no warning on stderr:\n%s", errOut)
	}
	srv.Heal()

	// The PR is closed: down deletes the PR branch's env (no argument),
	// marks every deployment inactive and updates the comment.
	pullRequestRun(t, srv, branch, "closed", token)
	out, _ = run(exitOK, "down", "--dir", dir, "--yes", "--wait")
	if _, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
		t.Errorf("namespace %s still exists after down", ns)
	}
	for _, d := range srv.Deployments() {
		if s := d.Statuses; len(s) > 0 && s[len(s)-1].State != "inactive" {
			t.Errorf("deployment %d after close: %s", d.ID, states(d))
		}
	}
	if got := previewComments(); len(got) != 1 || !strings.Contains(got[0].Body, "Preview deleted") {
		t.Errorf("after close: %d comments %v", len(got), got)
	}
	if !strings.Contains(out, "deployments inactive") {
		t.Errorf("down does not say it reported:\n%s", out)
	}
	// Closed again (a re-run): the env is gone, which is no error.
	out, _ = run(exitOK, "down", "--dir", dir, "--yes")
	if !strings.Contains(out, "does not exist") {
		t.Errorf("second down:\n%s", out)
	}

	// The webhook told every state, with the re-deploy command.
	var got []string
	for _, m := range hook.messages(t) {
		got = append(got, string(m.State))
		if m.Namespace != ns || m.PR != 7 || m.State != lifecycle.StateDeleted && m.Redeploy != "berth up --branch feature/pr-seven" {
			t.Errorf("webhook message %+v", m)
		}
		if m.State == lifecycle.StateFailed && !strings.Contains(m.Reason, "migrate") {
			t.Errorf("failure message without its reason: %+v", m)
		}
	}
	if strings.Join(got, ",") != "ready,ready,failed,ready,deleted" {
		t.Errorf("webhook states %v", got)
	}

	// The leak hunt.
	for _, r := range srv.Requests() {
		seen = append(seen, r.Body, r.Query)
	}
	seen = append(seen, hook.bodies...)
	for i, s := range seen {
		if strings.Contains(s, token) {
			t.Errorf("output %d holds the GitHub token: %.300s", i, s)
		}
	}
}

// Flags without GITHUB_TOKEN are a usage error before anything is
// deployed; a bad --github-repo names itself.
func TestPreviewFlagsNeedAToken(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GITHUB_ACTIONS", "")
	code, _, errOut := berthAt(t, context.Background(), nil, "up", "--dir", t.TempDir(), "--github-repo", "acme/shop", "--pr", "3")
	if code != exitUsage || !strings.Contains(errOut, "GITHUB_TOKEN") {
		t.Errorf("--pr without a token: exit %d: %s", code, errOut)
	}
	code, _, errOut = berthAt(t, context.Background(), nil, "down", "--dir", t.TempDir(), "--github-repo", "acme", "--pr", "3", "--yes")
	if code != exitUsage || !strings.Contains(errOut, `--github-repo "acme"`) {
		t.Errorf("bad --github-repo: exit %d: %s", code, errOut)
	}
}

func states(d githubtest.Deployment) string {
	var s []string
	for _, st := range d.Statuses {
		s = append(s, st.State)
	}
	return strings.Join(s, ",")
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
