package access

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/berth-dev/berth/envs"
)

// The copy built into the binary is deploy/rbac as it is in the tree, and
// it splits into the policies (installed first) and the grants.
func TestEmbeddedIsDeployRBAC(t *testing.T) {
	emb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	disk, err := BuildDir("../deploy/rbac")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(emb, disk) {
		t.Errorf("embedded deploy/rbac differs from the tree's")
	}
	if emb.Group != envs.DefaultDeveloperGroup {
		t.Errorf("group %q, want %q", emb.Group, envs.DefaultDeveloperGroup)
	}
	names := emb.PolicyNames()
	sort.Strings(names)
	if want := []string{PolicyRoleBindings, PolicyNamespaces}; !slices.Equal(names, want) {
		t.Errorf("policies %v, want %v", names, want)
	}
	if kinds := kindsOf(emb.Policies); !slices.Equal(kinds, []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}) {
		t.Errorf("policies step holds %v", kinds)
	}
	if kinds := kindsOf(emb.Grants); !slices.Equal(kinds, []string{"ClusterRole", "ClusterRoleBinding"}) {
		t.Errorf("grants step holds %v", kinds)
	}
	// The priority level before the FlowSchema that names it, and the
	// FlowSchema for the developers' group.
	var order []string
	for _, o := range emb.Priority {
		order = append(order, o.GetKind()+"/"+o.GetName())
		if o.GetKind() != "FlowSchema" {
			continue
		}
		rules, _, _ := unstructured.NestedSlice(o.Object, "spec", "rules")
		if len(rules) != 1 {
			t.Fatalf("FlowSchema %s: %d rules, want 1", o.GetName(), len(rules))
		}
		subjects, _, _ := unstructured.NestedSlice(rules[0].(map[string]any), "subjects")
		group, _, _ := unstructured.NestedString(subjects[0].(map[string]any), "group", "name")
		if len(subjects) != 1 || group != emb.Group {
			t.Errorf("FlowSchema %s subjects %v, want the group %s", o.GetName(), subjects, emb.Group)
		}
	}
	if want := []string{"PriorityLevelConfiguration/berth-developers", "FlowSchema/berth-developers"}; !slices.Equal(order, want) {
		t.Errorf("priority step applies %v, want %v", order, want)
	}
}

func kindsOf(objs []*unstructured.Unstructured) []string {
	var kinds []string
	for _, o := range objs {
		if !slices.Contains(kinds, o.GetKind()) {
			kinds = append(kinds, o.GetKind())
		}
	}
	sort.Strings(kinds)
	return kinds
}

// berth-developer grants exactly what berth needs outside the
// environments: no workloads, pods, events or secrets anywhere, and no
// patch or delete of namespaces (the env's RoleBinding covers its own).
func TestDeveloperRoleIsNarrow(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range m.Grants {
		if o.GetKind() != "ClusterRole" || o.GetName() != "berth-developer" {
			continue
		}
		rules, _, _ := unstructured.NestedSlice(o.Object, "rules")
		for _, r := range rules {
			rule := r.(map[string]any)
			for _, g := range strs(rule["apiGroups"]) {
				for _, res := range strs(rule["resources"]) {
					for _, v := range strs(rule["verbs"]) {
						s := fmt.Sprintf("%s/%s %s", g, res, v)
						if names := strs(rule["resourceNames"]); len(names) > 0 {
							s += " " + strings.Join(names, ",")
						}
						got = append(got, s)
					}
				}
			}
		}
	}
	sort.Strings(got)
	want := []string{
		"/namespaces create", "/namespaces get", "/namespaces list", "/namespaces watch",
		"/nodes get", "/nodes list", "/nodes watch",
		"authorization.k8s.io/selfsubjectaccessreviews create", "authorization.k8s.io/selfsubjectrulesreviews create",
		"flowcontrol.apiserver.k8s.io/flowschemas get " + FlowSchema,
		"rbac.authorization.k8s.io/clusterroles bind " + envs.DeveloperEnvRole,
		"rbac.authorization.k8s.io/rolebindings create", "rbac.authorization.k8s.io/rolebindings get",
		"rbac.authorization.k8s.io/rolebindings patch", "rbac.authorization.k8s.io/rolebindings update",
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("berth-developer grants\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _ = s.(string)
	}
	return out
}

// deploy/rbac/policies builds on its own (the first of the two kubectl
// steps), with the group of the same settings.yaml.
func TestPoliciesBuildAlone(t *testing.T) {
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), "../deploy/rbac/policies")
	if err != nil {
		t.Fatal(err)
	}
	out, err := res.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "g == '"+envs.DefaultDeveloperGroup+"'"); n != 2 {
		t.Errorf("%d policy conditions name %s, want 2:\n%s", n, envs.DefaultDeveloperGroup, out)
	}
	for _, r := range res.Resources() {
		if k := r.GetKind(); k != "ValidatingAdmissionPolicy" && k != "ValidatingAdmissionPolicyBinding" {
			t.Errorf("deploy/rbac/policies holds a %s %s", k, r.GetName())
		}
	}
}

// classify tells the policy's denial from RBAC's and from other answers,
// by the API server's own words.
func TestClassify(t *testing.T) {
	gr := schema.GroupResource{Resource: "namespaces"}
	for _, tc := range []struct {
		name string
		err  error
		want Answer
	}{
		{"allowed", nil, Allowed},
		{"policy", apierrors.NewForbidden(gr, "x", errors.New("ValidatingAdmissionPolicy '"+PolicyNamespaces+"' with binding '"+PolicyNamespaces+"' denied request: berth: namespace x is not managed by berth")), DeniedByPolicy},
		{"another policy", apierrors.NewForbidden(gr, "x", errors.New("ValidatingAdmissionPolicy 'other' with binding 'other' denied request: no")), DeniedOtherwise},
		{"rbac", apierrors.NewForbidden(gr, "x", errors.New(`User "dev@example.com" cannot delete resource "namespaces" in API group "" in the namespace "x"`)), DeniedByRBAC},
		{"escalation", apierrors.NewForbidden(gr, "x", errors.New(`user "dev" (groups=["g"]) is attempting to grant RBAC permissions not currently held`)), DeniedByRBAC},
		{"not found", apierrors.NewNotFound(gr, "x"), Failed},
		{"network", errors.New("connection refused"), Failed},
	} {
		if got := classify(tc.err, PolicyNamespaces); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
