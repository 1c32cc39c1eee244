package lifecycle

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/meta"
)

func gcNS(project string, ann map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:        "dev-" + project + "-x",
		Labels:      map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project},
		Annotations: ann,
	}}
}

func TestGCPlan(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	cfg := envs.DefaultConfig()
	cfg.Project = "shop"
	all := cfg
	all.Project = ""
	never := cfg
	never.IdleSleep = 0

	tests := []struct {
		name string
		ns   *corev1.Namespace
		cfg  envs.Config
		want ActionKind // "" for none
		in   string     // in the reason
	}{
		{"expired", gcNS("shop", map[string]string{meta.AnnotationExpiresAt: at(-time.Hour), meta.AnnotationLastDeploy: at(-9 * time.Hour)}), cfg, ActionDelete, "expired 1h0m ago"},
		{"expires exactly now", gcNS("shop", map[string]string{meta.AnnotationExpiresAt: at(0)}), cfg, ActionDelete, "expired 0s ago"},
		{"expired long ago", gcNS("shop", map[string]string{meta.AnnotationExpiresAt: at(-50 * time.Hour)}), cfg, ActionDelete, "2d2h"},
		{"expired, sleeping", gcNS("shop", map[string]string{meta.AnnotationExpiresAt: at(-time.Second), meta.AnnotationSleeping: "true"}), cfg, ActionDelete, ""},
		{"not yet expired, fresh", gcNS("shop", map[string]string{meta.AnnotationExpiresAt: at(time.Second), meta.AnnotationLastDeploy: at(-time.Hour)}), cfg, "", ""},
		{"idle", gcNS("shop", map[string]string{meta.AnnotationExpiresAt: at(time.Hour), meta.AnnotationLastDeploy: at(-8 * time.Hour)}), cfg, ActionSleep, "no deploy for 8h0m"},
		{"idle, no expiry", gcNS("shop", map[string]string{meta.AnnotationLastDeploy: at(-9 * time.Hour)}), cfg, ActionSleep, ""},
		{"idle, already sleeping", gcNS("shop", map[string]string{meta.AnnotationLastDeploy: at(-9 * time.Hour), meta.AnnotationSleeping: "true"}), cfg, "", ""},
		{"idle, idle sleep off", gcNS("shop", map[string]string{meta.AnnotationLastDeploy: at(-900 * time.Hour)}), never, "", ""},
		{"no annotations", gcNS("shop", nil), cfg, "", ""},
		{"bad expiry", gcNS("shop", map[string]string{meta.AnnotationExpiresAt: "tomorrow"}), cfg, ActionSkip, "tomorrow"},
		{"bad last deploy", gcNS("shop", map[string]string{meta.AnnotationLastDeploy: "yesterday"}), cfg, ActionSkip, "yesterday"},
		{"other project", gcNS("blog", map[string]string{meta.AnnotationExpiresAt: at(-time.Hour)}), cfg, "", ""},
		{"other project, all projects", gcNS("blog", map[string]string{meta.AnnotationExpiresAt: at(-time.Hour)}), all, ActionDelete, ""},
		{"not berth's", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod", Labels: map[string]string{meta.LabelProject: "shop"}, Annotations: map[string]string{meta.AnnotationExpiresAt: at(-time.Hour)}}}, all, "", ""},
		{"terminating", func() *corev1.Namespace {
			n := gcNS("shop", map[string]string{meta.AnnotationExpiresAt: at(-time.Hour)})
			n.DeletionTimestamp = &metav1.Time{Time: now}
			return n
		}(), cfg, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := gcPlan(tt.ns, tt.cfg, now)
			if !ok {
				a.Kind = ""
			}
			if a.Kind != tt.want {
				t.Fatalf("action = %q (%s), want %q", a.Kind, a.Reason, tt.want)
			}
			if !strings.Contains(a.Reason, tt.in) {
				t.Errorf("reason %q does not contain %q", a.Reason, tt.in)
			}
		})
	}
}
