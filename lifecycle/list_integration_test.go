package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

func TestListEnvironments(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	project, other := testcluster.UniqueName("p"), testcluster.UniqueName("q")
	exp := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	a := lcEnv(t, c, project, "Feature/List", map[string]string{meta.AnnotationExpiresAt: exp.Format(time.RFC3339), meta.AnnotationCommit: "abc1234"})
	lcWorkload(t, c, "Deployment", a, "web", 2, lcLabels(project, a))
	lcWorkload(t, c, "StatefulSet", a, "db", 1, lcLabels(project, a))
	b := lcEnv(t, c, project, "main", map[string]string{meta.AnnotationSleeping: "true"})
	o := lcEnv(t, c, other, "main", nil)
	testcluster.Namespace(t, c, "lc-plain") // not berth's: never listed

	var got []status.Env
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		var err error
		got, err = lifecycle.List(ctx, c, project, false)
		ready := 0
		for _, st := range got {
			if st.Namespace == a {
				ready = st.Ready
			}
		}
		return err == nil && len(got) == 2 && ready == 3, err
	})
	if err != nil {
		t.Fatalf("List: %v; last %+v", err, got)
	}
	byNS := map[string]status.Env{}
	for _, st := range got {
		byNS[st.Namespace] = st
	}
	sa, sb := byNS[a], byNS[b]
	if sa.Phase != status.PhaseReady || sa.Total != 3 || sa.Branch != "Feature/List" || sa.Owner != "dev@example.com" ||
		sa.Commit != "abc1234" || !sa.ExpiresAt.Equal(exp) || sa.Pods != 3 || sa.Spot+sa.OnDemand != 3 || sa.Project != project {
		t.Errorf("env %s: %+v", a, sa)
	}
	if sb.Phase != status.PhaseSleeping || sb.Total != 0 {
		t.Errorf("env %s: %+v, want Sleeping", b, sb)
	}

	all, err := lifecycle.List(ctx, c, project, true)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, st := range all {
		seen[st.Namespace] = true
	}
	if !seen[a] || !seen[b] || !seen[o] {
		t.Errorf("List of all projects misses one of %s %s %s", a, b, o)
	}
	for ns := range seen {
		if len(ns) > 9 && ns[:9] == "lc-plain-" {
			t.Errorf("List shows the unlabelled namespace %s", ns)
		}
	}
}
