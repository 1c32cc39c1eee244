package compose

import (
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/paths"
	"github.com/compose-spec/compose-go/v2/transform"
	"github.com/compose-spec/compose-go/v2/tree"
)

// compose-go walks the whole merged model to set default values
// (transform.SetDefaultValues) and again to make relative paths absolute
// (paths.ResolveRelativePaths), matching every node against each of its path
// patterns by splitting both paths into new slices (tree.Path.Matches). Its
// patterns reach a few keys of a service (build, volumes, env_file…) and a
// few top-level sections; in a big app most nodes are environment
// variables, commands, labels, healthchecks, depends_on entries and x-
// extensions, which none of them reaches: on the realistic 60-service app
// the two walks were an eighth of the whole convert. walks turns both off in
// the loader and runs the same two functions at the same point of the load
// — on the merged model, after validation and before normalization — over a
// view of the model holding only the keys their patterns reach
// (TestWalksViewHoldsEveryPattern reads them from compose-go's source).

// walks runs compose-go's defaults and path walks on a view of the model.
// Its option hooks into the load through compose-go's check of unsupported
// attributes, whose pattern for the root path sees the merged model once.
type walks struct {
	workingDir string          // the project directory, what compose-go resolves against
	opts       *loader.Options // the loader's options, for its remote resource loaders
	defaults   bool            // compose-go would set default values
	resolve    bool            // compose-go would resolve relative paths
	ran        bool            // the hook saw the model
	err        error           // the walks' error, as compose-go would have returned it
}

// option is the loader option; it leaves the loader as it is when the load
// already checks unsupported attributes (the hook's seat is taken).
func (w *walks) option(o *loader.Options) {
	if o.UnsupportedAttributesCheck != nil {
		w.ran = true // nothing to run: compose-go walks as usual
		return
	}
	w.opts = o
	w.defaults, w.resolve = !o.SkipDefaultValues, o.ResolvePaths
	o.SkipDefaultValues, o.ResolvePaths = true, false
	o.UnsupportedAttributesCheck = &loader.UnsupportedAttributesCheck{
		Patterns: []loader.UnsupportedAttributePattern{{Path: tree.NewPath(), Detect: w.run}},
		Report:   func([]loader.UnsupportedAttribute) {},
	}
}

// run is the hook: it walks the view of the merged model and reports
// nothing unsupported.
func (w *walks) run(model any) bool {
	if w.ran { // the model is shown once; never walk twice
		return false
	}
	w.ran = true
	dict, ok := model.(map[string]any)
	if !ok {
		return false
	}
	view := walkView(dict)
	if w.defaults {
		if _, err := transform.SetDefaultValues(view); err != nil {
			w.err = err
			return false
		}
	}
	if w.resolve {
		var remotes []paths.RemoteResource
		for _, l := range w.opts.RemoteResourceLoaders() {
			remotes = append(remotes, l.Accept)
		}
		if err := paths.ResolveRelativePaths(view, w.workingDir, remotes); err != nil {
			w.err = err
			return false
		}
	}
	mergeView(dict, view)
	return false
}

// walkSections are the top-level keys the walks' patterns reach.
var walkSections = map[string]bool{"services": true, "jobs": true, "volumes": true, "configs": true, "secrets": true, "include": true}

// walkKeys are the keys of a service (or job) the walks' patterns reach:
// the only ones holding a path or taking a default value.
var walkKeys = map[string]bool{
	"build": true, "volumes": true, "env_file": true, "label_file": true, "extends": true, "develop": true,
	"pre_start": true, "secrets": true, "ports": true, "gpus": true, "deploy": true,
}

// walkView is the model with only walkSections, and every service and job
// with only its walkKeys; every value kept is shared.
func walkView(dict map[string]any) map[string]any {
	view := make(map[string]any, len(walkSections))
	for k, v := range dict {
		if !walkSections[k] {
			continue
		}
		if containers, ok := v.(map[string]any); ok && (k == "services" || k == "jobs") {
			cv := make(map[string]any, len(containers))
			for name, c := range containers {
				spec, ok := c.(map[string]any)
				if !ok {
					cv[name] = c
					continue
				}
				sv := make(map[string]any, len(walkKeys))
				for key, val := range spec {
					if walkKeys[key] {
						sv[key] = val
					}
				}
				cv[name] = sv
			}
			v = cv
		}
		view[k] = v
	}
	return view
}

// mergeView writes what the walks set in the view back into the model.
func mergeView(dict, view map[string]any) {
	for k, v := range view {
		cv, ok := v.(map[string]any)
		containers, isMap := dict[k].(map[string]any)
		if !ok || !isMap || (k != "services" && k != "jobs") {
			dict[k] = v
			continue
		}
		for name, c := range cv {
			sv, ok := c.(map[string]any)
			spec, isMap := containers[name].(map[string]any)
			if !ok || !isMap {
				containers[name] = c
				continue
			}
			for key, val := range sv {
				spec[key] = val
			}
		}
	}
}
