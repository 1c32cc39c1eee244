package lifecycle_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/status"
)

// hook records the JSON bodies posted to it and answers with status.
func hook(t *testing.T, status int) (*httptest.Server, *[]map[string]any) {
	t.Helper()
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Errorf("body %q: %v", raw, err)
		}
		got = append(got, m)
		w.WriteHeader(status)
		_, _ = w.Write([]byte("invalid_payload"))
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestNotifySendsSlackJSON(t *testing.T) {
	srv, got := hook(t, http.StatusOK)
	env := envs.Env{Namespace: "dev-shop-main", Branch: "main", Owner: "dev@example.com", Commit: "0123456789abcdef"}
	if err := (lifecycle.Notifier{URL: srv.URL}).Post(context.Background(), lifecycle.UpMessage(env, nil, nil)); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 1 {
		t.Fatalf("bodies %v, want one", *got)
	}
	body := (*got)[0]
	if _, ok := body["blocks"]; ok {
		t.Errorf("blocks sent to a webhook that is not Slack's: %v", body)
	}
	for k, want := range map[string]any{"state": "ready", "namespace": "dev-shop-main", "branch": "main", "redeploy": "berth up --branch main"} {
		if body[k] != want {
			t.Errorf("%s = %v, want %v", k, body[k], want)
		}
	}
	text, _ := body["text"].(string)
	for _, want := range []string{"dev-shop-main", "ready", "branch main", "dev@example.com", "0123456"} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
	if strings.Contains(text, "0123456789") {
		t.Errorf("text %q has the full commit", text)
	}
}

func TestNotifyUpFailureOmitsDetails(t *testing.T) {
	err := &rollout.UpError{
		Step: "pre-deploy", Object: "Job/migrate", Reason: "job failed: BackoffLimitExceeded",
		Details: []string{"log: connecting with password=hunter2"},
	}
	text := lifecycle.UpMessage(envs.Env{Namespace: "dev-shop-x", Branch: "x"}, nil, err).Text
	for _, want := range []string{"dev-shop-x", "failed", "Job/migrate", "BackoffLimitExceeded"} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
	if strings.Contains(text, "hunter2") {
		t.Errorf("text %q leaks a log line", text)
	}
	long := lifecycle.UpMessage(envs.Env{Namespace: "n"}, nil, errors.New(strings.Repeat("é", 400)+"\nsecret line")).Text
	if strings.Contains(long, "secret") || len(long) > 400 || !strings.HasSuffix(long, "…") {
		t.Errorf("long error not clipped to its first line: %d bytes %q", len(long), long[len(long)-20:])
	}
}

func TestNotifyGCMessage(t *testing.T) {
	if lifecycle.GCMessage(nil) != "" {
		t.Error("message for no actions")
	}
	text := lifecycle.GCMessage([]lifecycle.Action{
		{Kind: lifecycle.ActionDelete, Namespace: "dev-shop-old", Branch: "old", Reason: "expired 2h0m ago"},
		{Kind: lifecycle.ActionSleep, Namespace: "dev-shop-idle", Branch: "idle", Owner: "a@b.c", Reason: "no deploy for 9h0m", Err: "forbidden\nmore"},
		{Kind: lifecycle.ActionDelete, Namespace: "dev-shop-dry", Branch: "dry", DryRun: true},
	})
	for _, want := range []string{"dev-shop-old deleted", "expired 2h0m ago", "dev-shop-idle put to sleep", "a@b.c", "failed: forbidden", "dev-shop-dry would be deleted"} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
	if strings.Contains(text, "more") {
		t.Errorf("text %q has more than the error's first line", text)
	}
}

func TestNotifyErrorsHideURL(t *testing.T) {
	srv, _ := hook(t, http.StatusForbidden)
	secretURL := srv.URL + "/services/T000/B000/s3cr3t-token"
	err := (lifecycle.Notifier{URL: secretURL}).Send(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error for a 403 = %v; want the status without the URL", err)
	}
	srv.Close()
	err = (lifecycle.Notifier{URL: secretURL}).Send(context.Background(), "x")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error for a closed server = %v; want one without the URL", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (lifecycle.Notifier{URL: "https://hooks.example.invalid/s3cr3t"}).Send(ctx, "x"); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error for a cancelled context = %v", err)
	}
}

// A ready env's message links to its first URL, and the payload lists them all.
func TestNotifyUpCarriesURLs(t *testing.T) {
	srv, got := hook(t, http.StatusOK)
	env := envs.Env{Namespace: "dev-shop-main", Branch: "main"}
	urls := []status.URL{{Service: "api", URL: "https://api-main.dev.example.com"}, {Service: "web", URL: "https://web-main.dev.example.com/app"}}
	if err := (lifecycle.Notifier{URL: srv.URL}).Post(context.Background(), lifecycle.UpMessage(env, urls, nil)); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 1 {
		t.Fatalf("bodies %v", *got)
	}
	body := (*got)[0]
	if text, _ := body["text"].(string); !strings.HasSuffix(text, ": https://api-main.dev.example.com") {
		t.Errorf("text %q does not link to the first URL", text)
	}
	raw, _ := json.Marshal(body["urls"])
	var sent []status.URL
	if err := json.Unmarshal(raw, &sent); err != nil || len(sent) != 2 || sent[0] != urls[0] || sent[1] != urls[1] {
		t.Errorf("urls %s, want %v", raw, urls)
	}
	failed := lifecycle.UpMessage(env, urls, errors.New("boom"))
	if strings.Contains(failed.Text, "https://") || len(failed.URLs) != 2 {
		t.Errorf("failure %+v: text without link, urls kept", failed)
	}
}

// The failure message carries the state, the reason (never the details)
// and the command that deploys the env again, its arguments quoted.
func TestNotifyUpFailureCarriesReasonAndRedeploy(t *testing.T) {
	env := envs.Env{Namespace: "dev-shop-x", Branch: "fix/it's", Slug: "fix-it-s", Tag: "abc123", PR: 7}
	err := &rollout.UpError{Step: "workloads", Object: "Deployment/web", Reason: "CrashLoopBackOff", Details: []string{"log: token=hunter2"}}
	m := lifecycle.UpMessage(env, nil, err)
	if m.State != lifecycle.StateFailed || m.Reason != "step workloads: Deployment/web: CrashLoopBackOff" || m.PR != 7 {
		t.Errorf("message %+v", m)
	}
	if want := `berth up --branch 'fix/it'"'"'s' --tag abc123`; m.Redeploy != want {
		t.Errorf("redeploy %q, want %q", m.Redeploy, want)
	}
	if strings.Contains(fmt.Sprintf("%+v", m), "hunter2") {
		t.Errorf("message leaks a log line: %+v", m)
	}
	if got := lifecycle.RedeployCommand(envs.Env{Branch: "feature/login", Slug: "feature-login", Tag: "feature-login"}); got != "berth up --branch feature/login" {
		t.Errorf("default tag: %q", got)
	}
	d := lifecycle.DownMessage("dev-shop-x", "x", "a@b.c", 7)
	if d.State != lifecycle.StateDeleted || !strings.Contains(d.Text, "dev-shop-x deleted") || !strings.Contains(d.Text, "a@b.c") {
		t.Errorf("down message %+v", d)
	}
}

// toServer sends every request to srv, whatever its URL says (a Slack
// webhook URL reaches the test's server).
type toServer struct{ srv *httptest.Server }

func (s toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	u, _ := url.Parse(s.srv.URL)
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = u.Scheme, u.Host
	return http.DefaultTransport.RoundTrip(r)
}

// To a Slack webhook (hooks.slack.com) the message goes as text plus
// blocks: the header, a field per URL, the reason, the re-deploy command;
// mrkdwn's reserved characters escaped.
func TestNotifySlackBlocks(t *testing.T) {
	srv, got := hook(t, http.StatusOK)
	n := lifecycle.Notifier{URL: "https://hooks.slack.com/services/T0/B0/secret", Client: &http.Client{Transport: toServer{srv}}}
	env := envs.Env{Namespace: "dev-shop-x", Branch: "a<b>&c", Slug: "a-b-c", Tag: "a-b-c"}
	urls := []status.URL{{Service: "web", URL: "https://web-x.dev.example.com"}}
	if err := n.Post(context.Background(), lifecycle.UpMessage(env, urls, errors.New("boom"))); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 1 {
		t.Fatalf("bodies %v", *got)
	}
	body := (*got)[0]
	if _, ok := body["state"]; ok || body["text"] == "" {
		t.Errorf("Slack got fields it does not know, or no text: %v", body)
	}
	var texts []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				texts = append(texts, v["type"].(string)+": "+s)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(body["blocks"])
	all := strings.Join(texts, "\n")
	for _, want := range []string{
		"mrkdwn: berth: ❌ up of dev-shop-x failed (branch a&lt;b&gt;&amp;c): boom",
		"mrkdwn: *web*\n<https://web-x.dev.example.com>",
		"mrkdwn: *Reason:* boom",
		"mrkdwn: Re-deploy: `berth up --branch 'a&lt;b&gt;&amp;c'`",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("blocks lack %q:\n%s", want, all)
		}
	}
	if !lifecycle.IsSlackWebhook("https://HOOKS.slack.com/x") || lifecycle.IsSlackWebhook("https://hooks.slack.com.evil.example/x") || lifecycle.IsSlackWebhook("https://example.com/hooks.slack.com") {
		t.Error("IsSlackWebhook misjudges a host")
	}
	// gc's plain text stays plain text.
	if err := n.Send(context.Background(), "berth gc: nothing"); err != nil || len(*got) != 2 || (*got)[1]["blocks"] != nil {
		t.Errorf("plain text to Slack: %v %v", err, *got)
	}
}
