package envs

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// RenderBorrowing is RenderContext for changed mode: the services in
// borrowed (their SourcePrints equal to the baseline's) are rendered with
// their Services only, which changed mode points at the baseline's. Their
// other objects are returned by service in left, as the tree has them
// (not rendered: changed mode counts what borrowing them saves and never
// applies them). Rendering a 60-service app for a branch that changed one
// service then builds one service's objects, not sixty.
func (a *App) RenderBorrowing(ctx context.Context, env Env, borrowed map[string]bool) (objs []*unstructured.Unstructured, left map[string][]*unstructured.Unstructured, err error) {
	tree, cloned := a.Files, false
	left = map[string][]*unstructured.Unstructured{}
	for _, svc := range slices.Sorted(maps.Keys(borrowed)) {
		sf, ok := a.Services[svc]
		if !ok || sf.File == "" {
			return nil, nil, fmt.Errorf("borrowed service %s is not in the app's tree", svc)
		}
		services, others, err := splitServices(a.Files[sf.File], sf.Objects)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", sf.File, err)
		}
		if len(others) == 0 {
			continue
		}
		if !cloned {
			tree, cloned = maps.Clone(a.Files), true
		}
		tree[sf.File] = services
		left[svc] = others
	}
	var all []*unstructured.Unstructured
	for _, svc := range slices.Sorted(maps.Keys(left)) {
		all = append(all, left[svc]...)
	}
	objs, err = a.render(ctx, env, tree, all)
	return objs, left, err
}

// splitServices splits a converted service file into the YAML of its v1
// Services (a file of its own: kustomize builds it) and copies of its
// other objects, taken from objs (the file's objects, in its order, as
// the conversion made them: nothing is parsed).
func splitServices(file []byte, objs []*unstructured.Unstructured) ([]byte, []*unstructured.Unstructured, error) {
	docs := bytes.Split(file, []byte("\n---\n"))
	if len(docs) != len(objs) {
		return nil, nil, fmt.Errorf("%d YAML documents for %d objects: the file is not as converted", len(docs), len(objs))
	}
	var services []byte
	var others []*unstructured.Unstructured
	for i, doc := range docs {
		if u := objs[i]; u.GetKind() != "Service" || u.GetAPIVersion() != "v1" {
			others = append(others, u.DeepCopy())
			continue
		}
		services = append(append(append(services, "---\n"...), doc...), '\n')
	}
	return services, others, nil
}
