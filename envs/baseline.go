package envs

import "strings"

// Baseline is berth.yaml's baseline: the environment a branch borrows
// unchanged services from in changed mode (see rollout.PlanChanged and
// docs/baseline.md). Give a namespace or the branch of a berth env.
type Baseline struct {
	// Namespace of the baseline, e.g. dev-shop-main or staging.
	Namespace string `yaml:"namespace,omitempty"`
	// Branch whose env is the baseline (<prefix>-<project>-<branch>).
	Branch string `yaml:"branch,omitempty"`
	// Mode is full (default: every service deployed) or changed (only the
	// services that differ from the baseline's; `berth up --changed`).
	Mode string `yaml:"mode,omitempty"`
	// Dependents also deploys the services that depend on a changed one
	// (`berth up --with-dependents`).
	Dependents bool `yaml:"dependents,omitempty"`
	// Routing, when httproute, adds a Gateway API HTTPRoute per deployed
	// service for a mesh: requests to the baseline's service with header
	// RouteHeader: <this env's namespace> go to this env's.
	Routing string `yaml:"routing,omitempty"`
}

// Baseline modes and routings.
const (
	ModeFull         = "full"
	ModeChanged      = "changed"
	RoutingHTTPRoute = "httproute"
	// RouteHeader is the request header a mesh routes on (see Routing).
	RouteHeader = "x-berth-env"
)

// Changed reports whether up deploys only the changed services by default.
func (b Baseline) Changed() bool { return b.Mode == ModeChanged }

// NamespaceOf is the baseline's namespace in cfg: Namespace, else the
// env of Branch; "" when berth.yaml names none.
func (b Baseline) NamespaceOf(cfg Config) string {
	switch {
	case b.Namespace != "":
		return b.Namespace
	case b.Branch != "":
		return Namespace(cfg.Prefix, cfg.Project, b.Branch)
	}
	return ""
}

func (b Baseline) validate() error {
	switch b.Mode {
	case "", ModeFull, ModeChanged:
	default:
		return fieldErr("baseline.mode", "%q must be full or changed", b.Mode)
	}
	switch b.Routing {
	case "", "none", RoutingHTTPRoute:
	default:
		return fieldErr("baseline.routing", "%q must be none or httproute", b.Routing)
	}
	if b.Namespace != "" && b.Branch != "" {
		return fieldErr("baseline.branch", "give namespace or branch, not both")
	}
	if b.Namespace != "" && (Slug(b.Namespace) != b.Namespace || len(b.Namespace) > maxLabel) {
		return fieldErr("baseline.namespace", "%q is not a namespace name", b.Namespace)
	}
	if strings.TrimSpace(b.Branch) != b.Branch {
		return fieldErr("baseline.branch", "%q has surrounding spaces", b.Branch)
	}
	if b.Changed() && b.Namespace == "" && b.Branch == "" {
		return fieldErr("baseline.mode", "changed needs baseline.namespace or baseline.branch")
	}
	return nil
}
