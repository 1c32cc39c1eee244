package main

import (
	"context"
	"log/slog"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/status"
)

// changedFlags are up's flags of changed mode (berth.yaml baseline).
type changedFlags struct {
	changed, dependents, allowSharedState bool
}

func (f *changedFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.changed, "changed", false, "deploy only the services that differ from berth.yaml's baseline; borrow the others (see docs/baseline.md)")
	fl.BoolVar(&f.dependents, "with-dependents", false, "with --changed: also deploy the services that depend on a changed one")
	fl.BoolVar(&f.allowSharedState, "allow-shared-state", false, "with --changed: run a changed migration Job against a database borrowed from the baseline")
}

// options are the changed mode of this up (the flags over berth.yaml's
// baseline), nil for a full deploy; a usage error when changed mode has no
// baseline to borrow from.
func (f changedFlags) options(cfg envs.Config) (*rollout.ChangedOptions, error) {
	return changedOptions(cfg, f.changed, f.dependents, f.allowSharedState)
}

// changedOptions is changed mode as berth.yaml and the flags ask for it.
func changedOptions(cfg envs.Config, changed, dependents, allowShared bool) (*rollout.ChangedOptions, error) {
	b := cfg.Baseline
	if !changed && !b.Changed() {
		if dependents || allowShared {
			return nil, usageError("--with-dependents and --allow-shared-state need changed mode (--changed, or baseline.mode: changed)")
		}
		return nil, nil
	}
	ns := b.NamespaceOf(cfg)
	if ns == "" {
		return nil, usageError("changed mode needs a baseline: set baseline.branch or baseline.namespace in %s", envs.ConfigFile)
	}
	return &rollout.ChangedOptions{Baseline: ns, Dependents: dependents || b.Dependents, AllowSharedState: allowShared, Routing: b.Routing}, nil
}

// renderChanged renders env for changed mode: the baseline is read first
// and the services whose sources it runs (rollout.Unchanged) are left out
// of the render, on mode.Left. A baseline that cannot be read gets the
// full render: up's baseline step reports why.
func renderChanged(ctx context.Context, log *slog.Logger, c *k8s.Client, app *envs.App, env envs.Env, mode *rollout.ChangedOptions) ([]*unstructured.Unstructured, error) {
	prints, err := app.SourcePrints()
	if err != nil || len(prints) == 0 {
		log.Debug("changed mode: rendering every service", "reason", "no source prints (not converted from compose)", "err", err)
		return app.RenderContext(ctx, env)
	}
	base, err := rollout.ReadBaseline(ctx, c.Typed, mode.Baseline)
	if err != nil {
		log.Debug("changed mode: rendering every service", "reason", "baseline not read", "err", err)
		return app.RenderContext(ctx, env)
	}
	same := rollout.Unchanged(prints, base)
	log.Debug("changed mode: rendering the services whose sources differ from the baseline's", "rendered", len(prints)-len(same), "services", len(prints))
	objs, left, err := app.RenderBorrowing(ctx, env, same)
	if err != nil {
		return nil, err
	}
	mode.Read, mode.Left = &base, left
	return objs, nil
}

// borrowView is what an env deployed in changed mode borrows, in `ls` and
// `status` JSON/YAML.
type borrowView struct {
	Baseline     string   `json:"baseline"`
	Deployed     []string `json:"deployed"`
	Borrowed     []string `json:"borrowed"`
	Unreachable  []string `json:"unreachable,omitempty"`
	Changed      []string `json:"changedInBaseline,omitempty"` // redeployed in the baseline since up compared
	SavedObjects int      `json:"savedObjects"`
	SavedPods    int      `json:"savedPods"`
	// SavedPerDay is what the borrowed services' pods cost in the baseline
	// a day: what a full copy would pay again (USD); absent when unknown.
	SavedPerDay *float64 `json:"savedPerDay,omitempty"`
}

func borrowViewOf(st status.Env) *borrowView {
	b := st.Borrow
	if b == nil {
		return nil
	}
	v := &borrowView{Baseline: b.Baseline, Deployed: b.Deployed, Borrowed: b.BorrowedServices(), Unreachable: b.Unreachable,
		Changed: b.Changed, SavedObjects: b.SavedObjects, SavedPods: b.SavedPods}
	if v.Deployed == nil {
		v.Deployed = []string{}
	}
	if b.Cost.Priced {
		d := round4(b.Cost.PerDay())
		v.SavedPerDay = &d
	}
	return v
}

// baseline is the baseline namespace the env of `berth status` borrows
// from (meta.AnnotationBorrowed on its namespace), "" when none or unknown.
func (o *statusOptions) baseline(ctx context.Context) string {
	n, err := o.client.Typed.CoreV1().Namespaces().Get(ctx, o.namespace, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	b, _ := status.BorrowingOf(n.Annotations)
	return b.Baseline
}

// deployedURLs passes events on to progress and, in changed mode, keeps in
// *urls the deployed services' URLs only once up says what it borrows:
// the borrowed ones have no Ingress in the env.
func deployedURLs(progress func(rollout.Event), urls *[]status.URL) func(rollout.Event) {
	return func(e rollout.Event) {
		if e.Borrowing != nil {
			*urls = e.Borrowing.DeployedURLs(*urls)
		}
		progress(e)
	}
}
