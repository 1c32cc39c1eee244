package envs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/meta"
)

func TestResolve(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Project = "shop"
	now := time.Date(2026, 11, 25, 10, 30, 15, 999, time.FixedZone("CET", 3600))
	nowUTC := now.UTC().Truncate(time.Second)
	git := GitInfo{Branch: "Feature/ÜBER_x", Commit: "0123456789abcdef0123456789abcdef01234567", ShortCommit: "0123456", UserEmail: "dev@example.com"}

	e, err := Resolve(cfg, git, Overrides{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if e.Namespace != Namespace("dev", "shop", git.Branch) || e.Branch != git.Branch || e.Slug != BranchSlug(git.Branch) ||
		e.Tag != e.Slug || e.Owner != git.UserEmail || e.Commit != git.Commit || e.Project != "shop" {
		t.Errorf("resolved %+v", e)
	}
	if !e.CreatedAt.Equal(nowUTC) || !e.LastDeploy.Equal(nowUTC) || !e.ExpiresAt.Equal(nowUTC.Add(7*24*time.Hour)) {
		t.Errorf("times: %v %v %v", e.CreatedAt, e.LastDeploy, e.ExpiresAt)
	}

	o := Overrides{Branch: "main", Tag: "v1.2.3", Owner: "kube-admin"}
	if e, err = Resolve(cfg, git, o, now); err != nil {
		t.Fatal(err)
	}
	if e.Namespace != "dev-shop-main" || e.Tag != "v1.2.3" || e.Owner != "kube-admin" || e.Branch != "main" {
		t.Errorf("overrides: %+v", e)
	}

	cfg.TTL = 0
	if e, _ = Resolve(cfg, git, Overrides{}, now); !e.ExpiresAt.IsZero() {
		t.Errorf("ttl 0 expires at %v", e.ExpiresAt)
	}
	if _, ok := e.Annotations()[meta.AnnotationExpiresAt]; ok {
		t.Error("ttl 0 still annotated with expires-at")
	}
}

func TestResolveErrors(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Project = "shop"
	now := time.Now()
	if _, err := Resolve(cfg, GitInfo{}, Overrides{}, now); err == nil {
		t.Error("no branch accepted")
	}
	for _, tag := range []string{"-x", ".x", "a b", "ü", strings.Repeat("a", 129)} {
		if _, err := Resolve(cfg, GitInfo{Branch: "main"}, Overrides{Tag: tag}, now); err == nil {
			t.Errorf("tag %q accepted", tag)
		}
	}
	cfg.Project = ""
	if _, err := Resolve(cfg, GitInfo{Branch: "main"}, Overrides{}, now); err == nil {
		t.Error("empty project accepted")
	}
}

func TestNamespaceObject(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Project = "shop"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e, err := Resolve(cfg, GitInfo{Branch: "feat/Login", Commit: "abc", UserEmail: "a@b.c"}, Overrides{}, now)
	if err != nil {
		t.Fatal(err)
	}
	ns := e.NamespaceObject()
	if ns.Name != e.Namespace || ns.Kind != "Namespace" || ns.APIVersion != "v1" {
		t.Fatalf("namespace %+v", ns)
	}
	wantLabels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: "shop", meta.LabelEnv: e.Namespace, meta.LabelBranch: e.Slug}
	for k, v := range wantLabels {
		if ns.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, ns.Labels[k], v)
		}
	}
	for k, v := range ns.Labels {
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("label %s=%q invalid: %v", k, v, errs)
		}
	}
	wantAnn := map[string]string{
		meta.AnnotationBranch: "feat/Login", meta.AnnotationOwner: "a@b.c", meta.AnnotationCommit: "abc",
		meta.AnnotationCreatedAt: "2026-01-02T03:04:05Z", meta.AnnotationLastDeploy: "2026-01-02T03:04:05Z",
		meta.AnnotationExpiresAt: "2026-01-09T03:04:05Z",
	}
	if len(ns.Annotations) != len(wantAnn) {
		t.Errorf("annotations %v", ns.Annotations)
	}
	for k, v := range wantAnn {
		if ns.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, ns.Annotations[k], v)
		}
	}
	if err := CheckOwned("namespace "+ns.Name, ns.Labels, "shop"); err != nil {
		t.Errorf("own namespace not owned: %v", err)
	}
}

func TestWithExisting(t *testing.T) {
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	e := Env{CreatedAt: now, LastDeploy: now}
	got := e.WithExisting(map[string]string{meta.AnnotationCreatedAt: "2026-01-02T03:04:05Z"})
	if want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC); !got.CreatedAt.Equal(want) || !got.LastDeploy.Equal(now) {
		t.Errorf("kept %v / %v", got.CreatedAt, got.LastDeploy)
	}
	for _, bad := range []string{"", "yesterday", "2027-01-01T00:00:00Z"} {
		if got := e.WithExisting(map[string]string{meta.AnnotationCreatedAt: bad}); !got.CreatedAt.Equal(now) {
			t.Errorf("created-at %q taken: %v", bad, got.CreatedAt)
		}
	}
}

func TestCheckOwned(t *testing.T) {
	tests := []struct {
		labels map[string]string
		ok     bool
		reason string
	}{
		{map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: "shop"}, true, ""},
		{nil, false, meta.LabelManagedBy},
		{map[string]string{meta.LabelManagedBy: "helm", meta.LabelProject: "shop"}, false, "helm"},
		{map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: "blog"}, false, "blog"},
		{map[string]string{meta.LabelManagedBy: meta.ManagedByBerth}, false, meta.LabelProject},
	}
	for _, tt := range tests {
		err := CheckOwned("namespace x", tt.labels, "shop")
		if (err == nil) != tt.ok {
			t.Errorf("%v: err %v, want ok=%v", tt.labels, err, tt.ok)
			continue
		}
		var noe *NotOwnedError
		if err != nil && (!errors.As(err, &noe) || !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), "namespace x")) {
			t.Errorf("%v: error %q lacks %q or is not a NotOwnedError", tt.labels, err, tt.reason)
		}
	}
}
