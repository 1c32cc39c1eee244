package compose

import (
	_ "unsafe" // go:linkname, for compose-go's registries of transformers and checks

	"github.com/compose-spec/compose-go/v2/transform"
	"github.com/compose-spec/compose-go/v2/tree"
)

// Three of compose-go's walks of the merged model — canonical syntax
// (transform.Canonical, as each file loads), default values
// (transform.SetDefaultValues) and semantic checks (validation.Validate) —
// visit every node and match its path against each pattern of a registry,
// splitting both paths anew (tree.Path.Matches), to find the function of
// the pattern that matches. In a real app most nodes are environment
// variables, commands, labels, healthchecks and x- extensions, under which
// no pattern reaches: on the realistic 60-service app the three walks
// split a hundred thousand paths per load. Each walk starts by matching
// the root, whose path matches the pattern "*" alone; berth registers
// there a registryWalk of the same registry: the same walk, over patterns
// split once, that does not descend where no pattern can match, and that
// hands every path a pattern matches to compose-go's own function for it.
// The models and errors are the same (TestRegistryWalksKeepTheModel
// compares both walks on the corpus, the generated apps and invalid ones;
// TestRegistryPatternsAreApart checks that no path matches two patterns,
// so the registry's random order never chose between them).
//
// compose-go keeps its transformers and checks in unexported maps with no
// way to add one, hence the linknames; its default values are exported.
// The checks' map holds an unexported function type, declared here as the
// same signature: a map of either type is laid out alike.

//go:linkname canonicalTransformers github.com/compose-spec/compose-go/v2/transform.transformers
var canonicalTransformers map[tree.Path]transform.Func

//go:linkname validationChecks github.com/compose-spec/compose-go/v2/validation.checks
var validationChecks map[tree.Path]func(value any, p tree.Path) error

// rootPattern is the pattern whose function the walks' root matches.
const rootPattern tree.Path = tree.PathMatchAll

// serviceHooks are the transformers' patterns of a service and a job,
// whose transformer (compose-go's transformService) only walks the
// service's keys: the walk of the transformers walks them itself.
var serviceHooks = []tree.Path{"services.*", "jobs.*"}

// init installs the walks in compose-go's registries before any load can
// read them (compose-go fills its registries in its own init, which runs
// first: this package imports it).
func init() { installRegistryWalks() }

// installRegistryWalks builds the three walks from the registries as
// compose-go filled them and registers each at the root pattern.
func installRegistryWalks() {
	checks := map[tree.Path]transform.Func{}
	for p, fn := range validationChecks {
		checks[p] = func(data any, p tree.Path, _ bool) (any, error) { return data, fn(data, p) }
	}
	canonical := newRegistryWalk(canonicalTransformers, true)
	defaults := newRegistryWalk(transform.DefaultValues, true)
	checking := newRegistryWalk(checks, false)
	for _, p := range serviceHooks {
		canonical.set(p, canonical.service)
	}
	canonicalTransformers[rootPattern] = canonical.root
	transform.DefaultValues[rootPattern] = defaults.root
	validationChecks[rootPattern] = func(value any, p tree.Path) error {
		_, err := checking.root(value, p, false)
		return err
	}
}

// registryWalk is one of compose-go's registries as it was at start, each
// pattern split once.
type registryWalk struct {
	patterns []splitPattern
	replace  bool // the walk puts what the functions return in place
}

// splitPattern is one pattern of a registry and its function.
type splitPattern struct {
	path  tree.Path
	parts []string
	fn    transform.Func
}

// newRegistryWalk splits registry's patterns (but the root's); replace
// tells a walk that rewrites the model from one that only checks it.
func newRegistryWalk(registry map[tree.Path]transform.Func, replace bool) *registryWalk {
	w := &registryWalk{replace: replace}
	for p, fn := range registry {
		if p != rootPattern {
			w.patterns = append(w.patterns, splitPattern{p, p.Parts(), fn})
		}
	}
	return w
}

// set makes fn the function of pattern p, if the registry has it.
func (w *registryWalk) set(p tree.Path, fn transform.Func) {
	for i := range w.patterns {
		if w.patterns[i].path == p {
			w.patterns[i].fn = fn
		}
	}
}

// root is the function registered at the root pattern: the walk of the
// model's top-level keys (the root matches no other pattern).
func (w *registryWalk) root(data any, p tree.Path, ignoreParseError bool) (any, error) {
	m, ok := data.(map[string]any)
	if p != "" || !ok {
		return w.walk(data, p, ignoreParseError)
	}
	return w.mapping(m, p, ignoreParseError)
}

// service is the transformer of a service or job: compose-go's
// transformService (the walk of its keys), pruned.
func (w *registryWalk) service(data any, p tree.Path, ignoreParseError bool) (any, error) {
	m, ok := data.(map[string]any)
	if !ok {
		return data, nil
	}
	return w.mapping(m, p, ignoreParseError)
}

// walk is compose-go's walk at path p: the function of the pattern p
// matches, else the walk of a mapping's or sequence's children — unless no
// pattern matches anything below p, where the walk would do nothing.
func (w *registryWalk) walk(data any, p tree.Path, ignoreParseError bool) (any, error) {
	fn, below := w.match(p.Parts())
	if fn != nil {
		return fn(data, p, ignoreParseError)
	}
	if !below {
		return data, nil
	}
	switch v := data.(type) {
	case map[string]any:
		return w.mapping(v, p, ignoreParseError)
	case []any:
		for i, e := range v {
			t, err := w.walk(e, p.Next(tree.PathMatchList), ignoreParseError)
			if err != nil {
				return nil, err
			}
			if w.replace {
				v[i] = t
			}
		}
		return v, nil
	default:
		return data, nil
	}
}

// mapping walks a mapping's values, in place when the walk replaces, as
// compose-go's transformMapping does.
func (w *registryWalk) mapping(v map[string]any, p tree.Path, ignoreParseError bool) (map[string]any, error) {
	for k, e := range v {
		t, err := w.walk(e, p.Next(k), ignoreParseError)
		if err != nil {
			return nil, err
		}
		if w.replace {
			v[k] = t
		}
	}
	return v, nil
}

// match returns the function of the pattern matching a path of parts (as
// tree.Path.Matches: "*" matches any part), and whether a pattern could
// match a path below it.
func (w *registryWalk) match(parts []string) (fn transform.Func, below bool) {
	for _, pat := range w.patterns {
		if len(pat.parts) < len(parts) || !prefixMatches(pat.parts, parts) {
			continue
		}
		if len(pat.parts) == len(parts) {
			return pat.fn, false
		}
		below = true
	}
	return nil, below
}

// prefixMatches reports whether pattern's first len(parts) parts match
// parts.
func prefixMatches(pattern, parts []string) bool {
	for i, part := range parts {
		if pattern[i] != tree.PathMatchAll && pattern[i] != part {
			return false
		}
	}
	return true
}
