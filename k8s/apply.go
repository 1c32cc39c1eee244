package k8s

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// FieldManager is the server-side apply field manager berth uses.
const FieldManager = "berth"

// Describe names an object the way kubectl does: Kind namespace/name.
func Describe(obj *unstructured.Unstructured) string {
	if ns := obj.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", obj.GetKind(), ns, obj.GetName())
	}
	return fmt.Sprintf("%s %s", obj.GetKind(), obj.GetName())
}

// resourceFor maps a kind to its REST resource (the Mapper reads discovery
// again when the kind is unknown: a CRD installed since it last read).
func (c *Client) resourceFor(ctx context.Context, gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, error) {
	m, err := c.Mapper.Mapping(ctx, gvk)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", gvk, err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(m.Resource).Namespace(namespace), nil
	}
	return c.Dynamic.Resource(m.Resource), nil
}

// Apply server-side applies obj as FieldManager, taking ownership of fields
// another manager set (berth owns what it applies), and returns the result.
func (c *Client) Apply(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ri, err := c.resourceFor(ctx, obj.GroupVersionKind(), obj.GetNamespace())
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", Describe(obj), err)
	}
	out, err := ri.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", Describe(obj), err)
	}
	return out, nil
}

// ApplyAll applies objects concurrently (at most parallel at once; their
// order must not matter) and returns every error, each naming its object.
// done, when set, receives each object as the server returned it after
// applying (with its new generation), one call at a time.
func (c *Client) ApplyAll(ctx context.Context, objs []*unstructured.Unstructured, parallel int, done func(*unstructured.Unstructured)) error {
	if parallel < 1 {
		parallel = 1
	}
	sem := make(chan struct{}, parallel)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, obj := range objs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			applied, err := c.Apply(ctx, obj)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if done != nil {
				done(applied)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Get reads the object a reference names.
func (c *Client) Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	ri, err := c.resourceFor(ctx, gvk, namespace)
	if err != nil {
		return nil, err
	}
	return ri.Get(ctx, name, metav1.GetOptions{})
}

// Delete deletes the named object in the background (its dependents are
// garbage-collected).
func (c *Client) Delete(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) error {
	ri, err := c.resourceFor(ctx, gvk, namespace)
	if err != nil {
		return err
	}
	bg := metav1.DeletePropagationBackground
	return ri.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
}
