package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

// Mapper maps a kind to its REST resource from the server's discovery
// document of the kind's group version (`/api/v1`, `/apis/<group>/<version>`),
// read on first use and read again when it does not name the kind (a CRD
// installed since). It is what berth used client-go's deferred discovery
// REST mapper for, without client-go's discovery client (which imports
// every API group's scheme).
type Mapper struct {
	rc    rest.Interface // any REST client of the server: paths are absolute
	mu    sync.Mutex
	lists map[schema.GroupVersion][]metav1.APIResource
}

// NewMapper returns a Mapper reading discovery through rc.
func NewMapper(rc rest.Interface) *Mapper {
	return &Mapper{rc: rc, lists: map[schema.GroupVersion][]metav1.APIResource{}}
}

// Mapping returns the resource and scope of gvk.
func (m *Mapper) Mapping(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	gv := gvk.GroupVersion()
	for fresh := false; ; fresh = true {
		list, err := m.resources(ctx, gv, fresh)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			if r.Kind != gvk.Kind || strings.Contains(r.Name, "/") {
				continue
			}
			scope := meta.RESTScopeRoot
			if r.Namespaced {
				scope = meta.RESTScopeNamespace
			}
			return &meta.RESTMapping{Resource: gv.WithResource(r.Name), GroupVersionKind: gvk, Scope: scope}, nil
		}
		if fresh {
			return nil, &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
		}
	}
}

// resources returns gv's resources, cached unless fresh. A group version
// the server does not serve has none. It reads one document at a time, so
// an apply of many objects at once asks for each document once.
func (m *Mapper) resources(ctx context.Context, gv schema.GroupVersion, fresh bool) ([]metav1.APIResource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list, ok := m.lists[gv]
	if ok && !fresh {
		return list, nil
	}
	path := "/apis/" + gv.Group + "/" + gv.Version
	if gv.Group == "" {
		path = "/api/" + gv.Version
	}
	raw, err := m.rc.Get().AbsPath(path).Do(ctx).Raw()
	switch {
	case apierrors.IsNotFound(err):
		list = nil
	case err != nil:
		return nil, fmt.Errorf("discover %s: %w", gv, err)
	default:
		var doc metav1.APIResourceList
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("discover %s: %w", gv, err)
		}
		list = doc.APIResources
	}
	m.lists[gv] = list
	return list, nil
}
