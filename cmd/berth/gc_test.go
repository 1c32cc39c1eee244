package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

func TestGCCommand(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	project := testcluster.UniqueName("p")
	now := time.Now().UTC()
	expired := cliEnv(t, c, project, "old", map[string]string{meta.AnnotationExpiresAt: now.Add(-time.Hour).Format(time.RFC3339)})
	fresh := cliEnv(t, c, project, "new", map[string]string{
		meta.AnnotationExpiresAt:  now.Add(time.Hour).Format(time.RFC3339),
		meta.AnnotationLastDeploy: now.Add(-2 * time.Hour).Format(time.RFC3339),
	})
	hook := newWebhook(t)
	t.Setenv(envWebhook, hook.srv.URL+"/s3cr3t")
	dir := t.TempDir()

	code, stdout, stderr := berthAt(t, ctx, nil, "gc", "--dry-run", "-o", "json", "--project", project, "--dir", dir)
	if code != exitOK {
		t.Fatalf("gc --dry-run: exit %d %s", code, stderr)
	}
	var actions []lifecycle.Action
	if err := json.Unmarshal([]byte(stdout), &actions); err != nil {
		t.Fatalf("gc -o json: %v\n%s", err, stdout)
	}
	if len(actions) != 1 || actions[0].Namespace != expired || actions[0].Kind != lifecycle.ActionDelete || !actions[0].DryRun {
		t.Fatalf("dry run actions %+v", actions)
	}
	if n, err := c.Typed.CoreV1().Namespaces().Get(ctx, expired, metav1.GetOptions{}); err != nil || n.DeletionTimestamp != nil {
		t.Fatalf("dry run deleted %s", expired)
	}
	if len(hook.all()) != 0 {
		t.Errorf("dry run notified: %q", hook.all())
	}

	// --idle-sleep 1h also puts the fresh env (last deploy 2h ago) to sleep.
	code, stdout, stderr = berthAt(t, ctx, nil, "gc", "--idle-sleep", "1h", "--project", project, "--dir", dir)
	if code != exitOK || !regexpLine(stdout, `^delete\s+`+expired+`\s+`+project+`\s+old\s+.*expired 1h0m ago.*done$`) ||
		!regexpLine(stdout, `^sleep\s+`+fresh+`\s+.*no deploy for 2h0m.*done$`) {
		t.Fatalf("gc: exit %d\n%s%s", code, stdout, stderr)
	}
	if n, err := c.Typed.CoreV1().Namespaces().Get(ctx, expired, metav1.GetOptions{}); err == nil && n.DeletionTimestamp == nil {
		t.Errorf("expired env %s not deleted", expired)
	}
	n, err := c.Typed.CoreV1().Namespaces().Get(ctx, fresh, metav1.GetOptions{})
	if err != nil || n.DeletionTimestamp != nil || n.Annotations[meta.AnnotationSleeping] != "true" {
		t.Errorf("fresh env %s after gc: %v %+v", fresh, err, n)
	}
	texts := hook.all()
	if len(texts) != 1 || !strings.Contains(texts[0], expired+" deleted") || !strings.Contains(texts[0], fresh+" put to sleep") || strings.Contains(texts[0], "s3cr3t") {
		t.Errorf("webhook after gc: %q", texts)
	}
}

// gc's table comes from tui/render's gc rows; the text is what gc printed
// before it did.
func TestGCTable(t *testing.T) {
	actions := []lifecycle.Action{
		{Kind: lifecycle.ActionDelete, Namespace: "dev-shop-old", Project: "shop", Branch: "old", Owner: "a@example.com", Reason: "expired 2d ago (2026-01-01T00:00:00Z)"},
		{Kind: lifecycle.ActionSleep, Namespace: "dev-shop-idle", Project: "shop", Reason: "no deploy for 9h (idle sleep after 8h)", Err: "scale web: forbidden"},
		{Kind: lifecycle.ActionSkip, Namespace: "dev-shop-bad", Project: "shop", Branch: "bad", Reason: "unreadable " + meta.AnnotationExpiresAt + ` "x"`},
	}
	const head = "ACTION  NAMESPACE      PROJECT  BRANCH  OWNER          REASON                                  RESULT\n"
	rest := func(result string) string {
		return "delete  dev-shop-old   shop     old     a@example.com  expired 2d ago (2026-01-01T00:00:00Z)   " + result + "\n" +
			"sleep   dev-shop-idle  shop     -       -              no deploy for 9h (idle sleep after 8h)  failed: scale web: forbidden\n" +
			"skip    dev-shop-bad   shop     bad     -              unreadable " + meta.AnnotationExpiresAt + " \"x\"     -\n"
	}
	for _, dry := range []bool{false, true} {
		var out, errOut strings.Builder
		if err := writeGCTable(&out, &errOut, actions, dry); err != nil {
			t.Fatal(err)
		}
		want := head + rest("done")
		if dry {
			want = head + rest("dry run")
		}
		if out.String() != want || errOut.Len() != 0 {
			t.Errorf("dry run %v:\n%s\nwant:\n%s%s", dry, out.String(), want, errOut.String())
		}
	}
	var out, errOut strings.Builder
	if err := writeGCTable(&out, &errOut, nil, false); err != nil || out.Len() != 0 || errOut.String() != "Nothing to clean up.\n" {
		t.Errorf("no actions: %v %q %q", err, out.String(), errOut.String())
	}
}
