package preview_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/githubtest"
	"github.com/berth-dev/berth/preview"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/status"
)

const token = "ghs_T0kenThatMustNeverShow"

// fast retries: the waits GitHub asks for (Retry-After, X-RateLimit-Reset)
// are still honoured.
var fast = preview.ClientOptions{Retry: preview.Retry{Backoff: 10 * time.Millisecond}}

// newReporter reports on acme/shop#42 at srv, as a GitHub Actions run.
func newReporter(t *testing.T, srv *githubtest.Server, o preview.ClientOptions) (*preview.Reporter, *preview.Target) {
	t.Helper()
	v := vars{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "555", "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_API_URL": srv.URL, "GITHUB_TOKEN": token, "GITHUB_SHA": "abcdef0123456789abcdef0123456789abcdef01"}
	tg, err := preview.Detect(v.lookup, preview.Flags{PR: 42})
	if err != nil {
		t.Fatal(err)
	}
	r, err := preview.NewReporter(tg, o)
	if err != nil {
		t.Fatal(err)
	}
	return r, tg
}

func shopEnv() envs.Env {
	return envs.Env{Namespace: "dev-shop-feature-login", Project: "shop", Branch: "feature/login", Slug: "feature-login", Tag: "feature-login",
		Commit: "abcdef0123456789abcdef0123456789abcdef01", PR: 42, ExpiresAt: time.Date(2026, 8, 8, 12, 0, 0, 0, time.UTC)}
}

var shopURLs = []status.URL{{Service: "web", URL: "https://web-feature-login.dev.example.com"}}

func ready(at time.Time) preview.Report {
	services := []preview.Service{
		{Name: "db", Kind: "StatefulSet", Ready: "1/1", Status: "Complete", OK: true, Images: []string{"postgres:16"}},
		{Name: "web", Kind: "Deployment", Ready: "2/2", Status: "Complete", OK: true, Images: []string{"registry.example.com/shop-web:feature-login"},
			Digests: map[string]string{"registry.example.com/shop-web:feature-login": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
	}
	return preview.NewReport(shopEnv(), shopURLs, services, nil, at)
}

func deploying(at time.Time) preview.Report {
	return preview.Report{Env: shopEnv(), State: preview.StateDeploying, URLs: shopURLs, At: at}
}

// markerComments returns the comments of PR 42 carrying the env's marker.
func markerComments(srv *githubtest.Server) []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range srv.Comments(42) {
		if strings.Contains(c.Body, preview.Marker("dev-shop-feature-login")) {
			out = append(out, c)
		}
	}
	return out
}

func states(d githubtest.Deployment) string {
	var s []string
	for _, st := range d.Statuses {
		s = append(s, st.State)
	}
	return strings.Join(s, ",")
}

// A first up creates a transient, non-production deployment with statuses
// in_progress then success (env URL, CI run log) and one comment; a
// re-deploy creates the next deployment, edits the same comment (found on
// the second page of 130 others) and marks the first deployment inactive;
// a failed up says why; close marks all inactive and updates the comment.
func TestReporterLifecycle(t *testing.T) {
	srv := githubtest.New(t, "acme", "shop", token)
	for i := range 130 {
		srv.AddComment(42, "LGTM "+strconv.Itoa(i))
	}
	ctx := context.Background()
	at := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)

	r, _ := newReporter(t, srv, fast)
	if err := r.Started(ctx, deploying(at)); err != nil {
		t.Fatal(err)
	}
	if got := markerComments(srv); len(got) != 1 || !strings.Contains(got[0].Body, "Deploying preview") {
		t.Fatalf("after start: %d preview comments %v", len(got), got)
	}
	if err := r.Finished(ctx, ready(at)); err != nil {
		t.Fatal(err)
	}
	ds := srv.Deployments()
	if len(ds) != 1 {
		t.Fatalf("deployments %+v", ds)
	}
	d := ds[0]
	if d.Environment != "dev-shop-feature-login" || !d.Transient || d.Production || d.AutoMerge || len(d.RequiredContexts) != 0 ||
		d.Ref != "abcdef0123456789abcdef0123456789abcdef01" || d.Task != "deploy" {
		t.Errorf("deployment %+v", d)
	}
	if states(d) != "in_progress,success" {
		t.Errorf("statuses %s", states(d))
	}
	last := d.Statuses[len(d.Statuses)-1]
	if last.EnvironmentURL != shopURLs[0].URL || last.LogURL != "https://github.com/acme/shop/actions/runs/555" {
		t.Errorf("success status %+v", last)
	}
	first := markerComments(srv)
	if len(first) != 1 {
		t.Fatalf("%d preview comments", len(first))
	}
	for _, want := range []string{"Preview ready", "| web | ✅ 2/2 | Complete | `registry.example.com/shop-web:feature-login` `sha256:0123456789ab` | https://web-feature-login.dev.example.com |",
		"**Expires** in 7d (2026-08-08 12:00 UTC)", "`berth up --branch feature/login`", "[CI run](https://github.com/acme/shop/actions/runs/555)"} {
		if !strings.Contains(first[0].Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, first[0].Body)
		}
	}
	if strings.Contains(first[0].Body, "Cost") {
		t.Errorf("comment shows a cost nobody estimated:\n%s", first[0].Body)
	}

	// Re-deploy: a new process, a new deployment, the same comment.
	r2, _ := newReporter(t, srv, fast)
	rep := ready(at.Add(time.Hour))
	rep.Cost = "$1.20/day"
	if err := errors.Join(r2.Started(ctx, deploying(at)), r2.Finished(ctx, rep)); err != nil {
		t.Fatal(err)
	}
	again := markerComments(srv)
	if len(again) != 1 || again[0].ID != first[0].ID || len(srv.Comments(42)) != 131 {
		t.Fatalf("re-deploy: %d preview comments (first %d), %d in all", len(again), first[0].ID, len(srv.Comments(42)))
	}
	if !strings.Contains(again[0].Body, "**Cost** $1.20/day") || !strings.Contains(again[0].Body, "13:00 UTC") {
		t.Errorf("re-deploy comment not rewritten:\n%s", again[0].Body)
	}
	ds = srv.Deployments()
	if len(ds) != 2 || states(ds[0]) != "in_progress,success,inactive" || states(ds[1]) != "in_progress,success" {
		t.Fatalf("after re-deploy: %s | %s", states(ds[0]), states(ds[len(ds)-1]))
	}

	// A failed up: failure status with the reason, the comment says why
	// and shows the log tail.
	r3, _ := newReporter(t, srv, fast)
	upErr := &rollout.UpError{Step: "workloads", Object: "Deployment/web", Reason: "CrashLoopBackOff",
		Details: []string{"pod web-1: CrashLoopBackOff", "log: panic: no DATABASE_URL", "log: ```escape attempt"}}
	failed := preview.NewReport(shopEnv(), shopURLs, nil, upErr, at.Add(2*time.Hour))
	if err := r3.Finished(ctx, failed); err != nil {
		t.Fatal(err)
	}
	ds = srv.Deployments()
	if st := ds[2].Statuses; len(st) != 1 || st[0].State != "failure" || st[0].Description != "Failed: step workloads: Deployment/web: CrashLoopBackOff" {
		t.Errorf("failure status %+v", st)
	}
	body := markerComments(srv)[0].Body
	for _, want := range []string{"Preview failed", "**Reason:** step workloads: Deployment/web: CrashLoopBackOff", "<details>", "````text\n", "log: panic: no DATABASE_URL"} {
		if !strings.Contains(body, want) {
			t.Errorf("failure comment lacks %q:\n%s", want, body)
		}
	}

	// Close: every deployment inactive (no duplicates), the comment says deleted.
	r4, _ := newReporter(t, srv, fast)
	if err := r4.Closed(ctx, preview.Report{Env: shopEnv(), State: preview.StateDeleted, At: at.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, d := range srv.Deployments() {
		if s := d.Statuses; s[len(s)-1].State != "inactive" || strings.Count(states(d), "inactive") != 1 {
			t.Errorf("deployment %d after close: %s", d.ID, states(d))
		}
	}
	if got := markerComments(srv); len(got) != 1 || !strings.Contains(got[0].Body, "Preview deleted") || len(srv.Comments(42)) != 131 {
		t.Errorf("after close: %d preview comments, %d in all", len(got), len(srv.Comments(42)))
	}
	// Closing an env that never had a comment creates none.
	other := preview.Report{Env: envs.Env{Namespace: "dev-shop-other", Branch: "other"}, State: preview.StateDeleted, At: at}
	if err := r4.Closed(ctx, other); err != nil || len(srv.Comments(42)) != 131 {
		t.Errorf("close without a comment: %v, %d comments", err, len(srv.Comments(42)))
	}
	for _, req := range srv.Requests() {
		if !req.Authorized || strings.Contains(req.Body, token) || strings.Contains(req.Query, token) {
			t.Errorf("request %s %s: authorized %v, or the token in its body/query", req.Method, req.Path, req.Authorized)
		}
	}
}

// count is how many requests matched method and path suffix, and their
// statuses.
func count(srv *githubtest.Server, method, suffix string) []int {
	var out []int
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			out = append(out, r.Status)
		}
	}
	return out
}

func equal(a []int, b ...int) bool { return slices.Equal(a, b) }

// A primary rate limit (403, X-RateLimit-Remaining 0) is waited out until
// X-RateLimit-Reset, a secondary one (403 with Retry-After) and a 429 for
// Retry-After; a 403 that is no rate limit is not retried.
func TestReporterRetriesRateLimits(t *testing.T) {
	srv := githubtest.New(t, "acme", "shop", token)
	reset := strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10)
	srv.Fail(githubtest.Fault{Method: "POST", PathSuffix: "/deployments", Status: http.StatusForbidden, Error: "primary_rate_limit", Times: 1,
		Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}})
	srv.Fail(githubtest.Fault{Method: "POST", PathSuffix: "/statuses", Status: http.StatusTooManyRequests, Times: 1, Header: map[string]string{"Retry-After": "1"}})
	srv.Fail(githubtest.Fault{Method: "GET", PathSuffix: "/issues/42/comments", Status: http.StatusForbidden, Error: "secondary_rate_limit", Times: 1,
		Header: map[string]string{"Retry-After": "1"}})
	r, _ := newReporter(t, srv, fast)
	if err := r.Started(context.Background(), deploying(time.Now())); err != nil {
		t.Fatalf("rate limits not retried: %v", err)
	}
	if got := count(srv, "POST", "/deployments"); !equal(got, 403, 201) {
		t.Errorf("create deployment answers %v, want 403 then 201", got)
	}
	if got := count(srv, "POST", "/statuses"); !equal(got, 429, 201) {
		t.Errorf("create status answers %v, want 429 then 201", got)
	}
	if got := count(srv, "GET", "/issues/42/comments"); !equal(got, 403, 200) {
		t.Errorf("list comments answers %v, want 403 then 200", got)
	}

	// A 403 without rate-limit headers (no permission) is final, and
	// does not stop the other calls.
	srv.Fail(githubtest.Fault{Method: "POST", PathSuffix: "/statuses", Status: http.StatusForbidden, Times: 1})
	err := r.Finished(context.Background(), ready(time.Now()))
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("403 without rate limit: %v", err)
	}
	if got := count(srv, "POST", "/statuses"); !equal(got, 429, 201, 403) {
		t.Errorf("statuses answers %v: the 403 was retried", got)
	}
	if got := count(srv, "PATCH", "/comments/"+strconv.FormatInt(markerComments(srv)[0].ID, 10)); len(got) != 1 {
		t.Errorf("comment not updated after a refused status: %v", got)
	}
}

// A rate limit longer than MaxWait is not waited for, and a wait ends
// with the context.
func TestReporterDoesNotWaitOutLongLimits(t *testing.T) {
	srv := githubtest.New(t, "acme", "shop", token)
	srv.Fail(githubtest.Fault{Status: http.StatusTooManyRequests, Times: 1, Header: map[string]string{"Retry-After": "3600"}})
	r, _ := newReporter(t, srv, fast)
	err := r.Started(context.Background(), deploying(time.Now()))
	if err == nil || !strings.Contains(err.Error(), "429") || len(srv.Requests()) != 1 {
		t.Errorf("an hour's Retry-After: %v after %d requests; want the 429 at once and nothing more", err, len(srv.Requests()))
	}

	srv2 := githubtest.New(t, "acme", "shop", token)
	srv2.Fail(githubtest.Fault{Status: http.StatusTooManyRequests, Times: 1, Header: map[string]string{"Retry-After": "30"}})
	r2, _ := newReporter(t, srv2, fast)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = r2.Started(ctx, deploying(time.Now()))
	if err == nil || time.Since(start) >= 30*time.Second || len(srv2.Requests()) != 1 {
		t.Errorf("cancelled during a 30s Retry-After: %v after %s and %d requests", err, time.Since(start), len(srv2.Requests()))
	}
}

// An outage (503 on every call, or no server at all) is retried a bounded
// number of times, then reported once; the remaining calls are skipped.
func TestReporterOutage(t *testing.T) {
	srv := githubtest.New(t, "acme", "shop", token)
	srv.Fail(githubtest.Fault{Status: http.StatusServiceUnavailable, Error: "unavailable", Times: 1000})
	r, _ := newReporter(t, srv, fast)
	err := r.Started(context.Background(), deploying(time.Now()))
	if err == nil || !strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), token) {
		t.Fatalf("outage: %v", err)
	}
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("%d requests in an outage, want 4 (one call, its retries)", n)
	}
	if err := r.Finished(context.Background(), ready(time.Now())); err != nil || len(srv.Requests()) != 4 {
		t.Errorf("after the outage: %v, %d requests", err, len(srv.Requests()))
	}

	down := githubtest.New(t, "acme", "shop", token)
	down.Close()
	r2, _ := newReporter(t, down, fast)
	if err := r2.Finished(context.Background(), ready(time.Now())); err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("no server: %v", err)
	}
}

// A rejected token's error names the status, never the token; nor does
// any text the reporter sends, even when the log tail holds it.
func TestReporterNeverLeaksTheToken(t *testing.T) {
	srv := githubtest.New(t, "acme", "shop", "another-token")
	r, _ := newReporter(t, srv, fast)
	err := r.Finished(context.Background(), ready(time.Now()))
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), token) {
		t.Errorf("rejected token: %v", err)
	}

	ok := githubtest.New(t, "acme", "shop", token)
	r2, _ := newReporter(t, ok, fast)
	leaky := preview.NewReport(shopEnv(), nil, nil, &rollout.UpError{Step: "s", Reason: "r", Details: []string{"log: GITHUB_TOKEN=" + token}}, time.Now())
	if err := r2.Finished(context.Background(), leaky); err != nil {
		t.Fatal(err)
	}
	for _, req := range ok.Requests() {
		if strings.Contains(req.Body, token) {
			t.Errorf("%s %s sends the token: %s", req.Method, req.Path, req.Body)
		}
	}
	if !strings.Contains(markerComments(ok)[0].Body, "GITHUB_TOKEN=***") {
		t.Errorf("log tail not scrubbed:\n%s", markerComments(ok)[0].Body)
	}
}
