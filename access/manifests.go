package access

import (
	"fmt"
	"io/fs"
	"path"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/berth-dev/berth/deploy"
)

// Manifests are deploy/rbac built with kustomize, split in the order they
// are installed.
type Manifests struct {
	// Policies are the ValidatingAdmissionPolicies and their bindings:
	// applied first.
	Policies []*unstructured.Unstructured
	// Priority is the developers' API priority and fairness: the
	// PriorityLevelConfigurations, then the FlowSchemas that send
	// requests to them (a FlowSchema naming a level not there yet sends
	// nothing to it). Applied once the policies are active, before the
	// grants, so a developer's first requests already use it.
	Priority []*unstructured.Unstructured
	// Grants are everything else (ClusterRoles, the ClusterRoleBinding):
	// applied last.
	Grants []*unstructured.Unstructured
	// Group is the developers' group, the ClusterRoleBinding's subject.
	Group string
}

// Embedded builds the copy of deploy/rbac built into the binary.
func Embedded() (*Manifests, error) {
	return BuildFS(deploy.RBAC(), "embedded deploy/rbac")
}

// BuildDir builds the kustomization in dir (deploy/rbac or an overlay of it).
func BuildDir(dir string) (*Manifests, error) {
	return build(filesys.MakeFsOnDisk(), dir)
}

// BuildFS builds the kustomization at the root of fsys; name says which
// in errors.
func BuildFS(fsys fs.FS, name string) (*Manifests, error) {
	mem := filesys.MakeFsInMemory()
	const root = "/rbac"
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return mem.WriteFile(path.Join(root, p), data)
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	m, err := build(mem, root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func build(fsys filesys.FileSystem, dir string) (*Manifests, error) {
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	m := &Manifests{}
	for _, r := range res.Resources() {
		obj, err := r.Map()
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %w", dir, err)
		}
		u := &unstructured.Unstructured{Object: obj}
		switch u.GroupVersionKind().GroupKind() {
		case policyKind, policyBindingKind:
			m.Policies = append(m.Policies, u)
		case priorityLevelKind:
			m.Priority = append([]*unstructured.Unstructured{u}, m.Priority...)
		case flowSchemaKind:
			m.Priority = append(m.Priority, u)
		default:
			m.Grants = append(m.Grants, u)
		}
		if u.GetKind() == "ClusterRoleBinding" && m.Group == "" {
			m.Group = groupSubject(u)
		}
	}
	if len(m.Policies) == 0 {
		return nil, fmt.Errorf("%s holds no ValidatingAdmissionPolicy: nothing would guard the grants", dir)
	}
	if m.Group == "" {
		return nil, fmt.Errorf("%s holds no ClusterRoleBinding to a group: cannot tell the developers' group", dir)
	}
	return m, nil
}

// groupSubject is the first Group subject of a ClusterRoleBinding, or "".
func groupSubject(b *unstructured.Unstructured) string {
	subjects, _, _ := unstructured.NestedSlice(b.Object, "subjects")
	for _, s := range subjects {
		if m, ok := s.(map[string]any); ok && m["kind"] == "Group" {
			name, _ := m["name"].(string)
			return name
		}
	}
	return ""
}

// PolicyNames are the names of the ValidatingAdmissionPolicies in m.
func (m *Manifests) PolicyNames() []string {
	var names []string
	for _, p := range m.Policies {
		if p.GroupVersionKind().GroupKind() == policyKind {
			names = append(names, p.GetName())
		}
	}
	return names
}
