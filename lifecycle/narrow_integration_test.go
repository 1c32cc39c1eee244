package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// TestListAndGCUnderNarrowGrant runs `berth ls` and `berth gc`'s work as a
// developer with issue 20's narrow grant: envs are read namespace by
// namespace; one without the developers' RoleBinding is listed as
// NoAccess, not as empty; gc deletes and sleeps the envs the developer is
// bound in, and reports the refusal for one it is not.
func TestListAndGCUnderNarrowGrant(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	grant, dev := testcluster.Narrow(t, c)
	now := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	project := testcluster.UniqueName("p")

	ready := lcEnv(t, c, project, "ready", map[string]string{meta.AnnotationExpiresAt: at(7 * 24 * time.Hour)})
	lcWorkload(t, c, "Deployment", ready, "web", 2, lcLabels(project, ready))
	expired := lcEnv(t, c, project, "old", map[string]string{meta.AnnotationExpiresAt: at(-time.Minute)})
	idle := lcEnv(t, c, project, "idle", map[string]string{meta.AnnotationExpiresAt: at(24 * time.Hour), meta.AnnotationLastDeploy: at(-9 * time.Hour)})
	lcWorkload(t, c, "Deployment", idle, "web", 1, lcLabels(project, idle))
	unbound := lcEnv(t, c, project, "foreign", map[string]string{meta.AnnotationExpiresAt: at(-time.Minute)})
	lcWorkload(t, c, "Deployment", unbound, "web", 1, lcLabels(project, unbound))
	for _, ns := range []string{ready, expired, idle} {
		if err := grant.BindEnv(ctx, c.Typed, ns); err != nil {
			t.Fatal(err)
		}
	}

	// ls: what the developer may read, and NoAccess for the rest.
	var got []status.Env
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		var err error
		got, err = lifecycle.List(ctx, dev, project, false)
		for _, st := range got {
			if st.Namespace == ready {
				return err == nil && st.Phase == status.PhaseReady && st.Ready == 2, err
			}
		}
		return false, err
	})
	if err != nil {
		t.Fatalf("List as the developer: %v; last %+v", err, got)
	}
	byNS := map[string]status.Env{}
	for _, st := range got {
		byNS[st.Namespace] = st
	}
	if len(got) != 4 {
		t.Errorf("List as the developer: %d envs, want 4: %+v", len(got), got)
	}
	if st := byNS[ready]; st.Pods != 2 || st.Branch != "ready" {
		t.Errorf("env %s: %+v", ready, st)
	}
	if st := byNS[unbound]; st.Phase != status.PhaseNoAccess || !strings.Contains(st.Reason, "forbidden") || st.Branch != "foreign" {
		t.Errorf("env %s without the developers' binding: %+v, want NoAccess with the refusal (and its branch, from the namespace)", unbound, st)
	}

	// gc: deletes and sleeps where bound; the refused delete is reported.
	cfg := envs.DefaultConfig()
	cfg.Project = project
	cfg.IdleSleep = envs.Duration(8 * time.Hour)
	done, err := lifecycle.GC(ctx, dev, cfg, now, false)
	if err == nil || !strings.Contains(err.Error(), unbound) {
		t.Errorf("GC as the developer: error %v, want the refusal naming %s", err, unbound)
	}
	kinds := map[string]lifecycle.Action{}
	for _, a := range done {
		kinds[a.Namespace] = a
	}
	if a := kinds[expired]; a.Kind != lifecycle.ActionDelete || a.Err != "" {
		t.Errorf("gc of expired %s: %+v", expired, a)
	}
	if a := kinds[idle]; a.Kind != lifecycle.ActionSleep || a.Err != "" {
		t.Errorf("gc of idle %s: %+v", idle, a)
	}
	if a := kinds[unbound]; a.Kind != lifecycle.ActionDelete || !strings.Contains(a.Err, "forbidden") {
		t.Errorf("gc of %s without the binding: %+v, want a refused delete", unbound, a)
	}
	if n := lcNamespace(t, c, expired); n != nil && n.DeletionTimestamp == nil {
		t.Errorf("expired env %s not deleted", expired)
	}
	if n := lcNamespace(t, c, unbound); n == nil || n.DeletionTimestamp != nil {
		t.Errorf("env %s deleted by a developer not bound there", unbound)
	}
	if n := lcNamespace(t, c, idle); n == nil || n.Annotations[meta.AnnotationSleeping] != "true" {
		t.Errorf("idle env %s not asleep", idle)
	}
	if r := lcReplicas(t, c, idle); r["Deployment/web"] != "0|1" {
		t.Errorf("idle env's web after gc: %v, want scaled to 0, 1 remembered", r)
	}
}
