package compose

import (
	_ "unsafe" // go:linkname, for compose-go's registry of transformers

	"github.com/compose-spec/compose-go/v2/transform"
	"github.com/compose-spec/compose-go/v2/tree"
)

// compose-go's transform.Canonical, run on the merged model as each file
// loads, visits every node and matches its path against each of its ~64
// patterns, splitting both anew (tree.Path.Matches), to find a
// transformer. In a real app most nodes are environment variables,
// commands, labels, healthchecks and the like, under which no pattern
// reaches: on the realistic 60-service app the walk was a quarter of the
// load. berth replaces the transformer of a service (and of a job) — the
// patterns "services.*" and "jobs.*", whose transformer only walks the
// service's keys — with canonicalWalk.service: the same walk, over patterns split
// once, that does not descend where no pattern can match, and that hands
// every path a pattern matches to compose-go's own transformer for it.
// The model is the same (TestCanonicalWalkKeepsTheModel compares both
// walks on the corpus and the generated apps; TestCanonicalPatternsAreApart
// checks that no path matches two patterns, so the registry's random order
// never chose between them). compose-go keeps its transformers in an
// unexported map with no way to add one, hence the linkname.

//go:linkname canonicalTransformers github.com/compose-spec/compose-go/v2/transform.transformers
var canonicalTransformers map[tree.Path]transform.Func

// canonicalHooks are the patterns whose transformer canonicalWalk.service
// replaces.
var canonicalHooks = []tree.Path{"services.*", "jobs.*"}

// canonical is the walk installed in compose-go's registry, set before any
// load can read the registry (compose-go fills it in its own init, which
// runs before this package's variables: this package imports it).
var canonical = installCanonicalWalk()

// installCanonicalWalk replaces the hooks' transformers with the walk's.
func installCanonicalWalk() *canonicalWalk {
	w := newCanonicalWalk(canonicalTransformers)
	for _, p := range canonicalHooks {
		if _, ok := canonicalTransformers[p]; ok {
			canonicalTransformers[p] = w.service
		}
	}
	return w
}

// canonicalWalk is compose-go's registry as it was at start, each pattern
// split once.
type canonicalWalk struct {
	patterns []splitPattern
	original map[tree.Path]transform.Func // the hooks' own transformers
}

// splitPattern is one pattern of the registry and its transformer.
type splitPattern struct {
	parts []string
	fn    transform.Func
}

func newCanonicalWalk(registry map[tree.Path]transform.Func) *canonicalWalk {
	w := &canonicalWalk{original: map[tree.Path]transform.Func{}}
	for p, fn := range registry {
		w.patterns = append(w.patterns, splitPattern{p.Parts(), fn})
	}
	for _, p := range canonicalHooks {
		w.original[p] = registry[p]
	}
	return w
}

// service is the transformer of a service or job: compose-go's
// transformService (the walk of its keys), pruned.
func (w *canonicalWalk) service(data any, p tree.Path, ignoreParseError bool) (any, error) {
	m, ok := data.(map[string]any)
	if !ok {
		return data, nil
	}
	return w.mapping(m, p, ignoreParseError)
}

// walk is compose-go's transform at path p: the transformer of the
// pattern p matches, else the walk of a mapping's or sequence's
// children — unless no pattern matches anything below p, where the walk
// would change nothing.
func (w *canonicalWalk) walk(data any, p tree.Path, ignoreParseError bool) (any, error) {
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
			v[i] = t
		}
		return v, nil
	default:
		return data, nil
	}
}

// mapping walks a mapping's values in place, as compose-go's
// transformMapping does.
func (w *canonicalWalk) mapping(v map[string]any, p tree.Path, ignoreParseError bool) (map[string]any, error) {
	for k, e := range v {
		t, err := w.walk(e, p.Next(k), ignoreParseError)
		if err != nil {
			return nil, err
		}
		v[k] = t
	}
	return v, nil
}

// match returns the transformer of the pattern matching a path of parts
// (as tree.Path.Matches: "*" matches any part), and whether a pattern
// could match a path below it.
func (w *canonicalWalk) match(parts []string) (fn transform.Func, below bool) {
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
