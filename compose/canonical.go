package compose

import (
	_ "unsafe" // go:linkname, for compose-go's registry of transformers

	"github.com/compose-spec/compose-go/v2/transform"
	"github.com/compose-spec/compose-go/v2/tree"
)

// compose-go's transform.Canonical, run on the merged model as each file
// loads, visits every node and matches its path against each of its ~64
// patterns, splitting both anew (tree.Path.Matches), to find a transformer.
// Environment blocks hold most nodes of a real app — the realistic
// 60-service app's ~2,100 variables made a quarter of its load; commands,
// healthchecks and labels most of the rest — and no pattern reaches into
// them. berth registers, at those paths, a transformer that returns the
// block as it is: the walk stops there and the model is the same (TestCanonicalStopsReachNoPattern checks, on the compose-go
// linked, that no other pattern matches a stop or anything below it, which
// is what makes the walk below one a no-op). compose-go keeps its
// transformers in an unexported map with no way to add one, hence the
// linkname.

//go:linkname canonicalTransformers github.com/compose-spec/compose-go/v2/transform.transformers
var canonicalTransformers map[tree.Path]transform.Func

// canonicalStops are the paths where Canonical's walk stops: the
// environment of services, jobs and services' pre_start containers, and
// services' command, entrypoint, healthcheck and labels.
var canonicalStops = []tree.Path{
	"services.*.environment",
	"jobs.*.environment",
	"services.*.pre_start.*.environment",
	"services.*.command",
	"services.*.entrypoint",
	"services.*.healthcheck",
	"services.*.labels",
}

// init adds the stops before any load can read the registry (compose-go
// fills it in its own init, which runs first: this package imports it).
// A path compose-go already transforms is left to it.
func init() {
	for _, p := range canonicalStops {
		if _, ok := canonicalTransformers[p]; !ok {
			canonicalTransformers[p] = keepAsIs
		}
	}
}

// keepAsIs is the transformer of a stop: the value unchanged.
func keepAsIs(data any, _ tree.Path, _ bool) (any, error) { return data, nil }
