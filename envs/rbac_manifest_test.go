package envs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// buildRBAC builds deploy/rbac, or an overlay of it that renames the group.
func buildRBAC(t *testing.T, group string) string {
	t.Helper()
	dir, err := filepath.Abs("../deploy/rbac")
	if err != nil {
		t.Fatal(err)
	}
	if group != "" {
		// kustomize takes relative bases only: copy deploy/rbac beside the overlay.
		tmp := t.TempDir()
		if err := os.CopyFS(filepath.Join(tmp, "rbac"), os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		overlay := filepath.Join(tmp, "overlay")
		if err := os.Mkdir(overlay, 0o755); err != nil {
			t.Fatal(err)
		}
		// The overlay renames the group in a component of its own, listed
		// before deploy/rbac's group component, which copies it.
		setGroup := filepath.Join(tmp, "overlay", "set-group")
		if err := os.MkdirAll(setGroup, 0o755); err != nil {
			t.Fatal(err)
		}
		c := "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - patch: |\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: berth-rbac-settings}\n      data: {developerGroup: \"" + group + "\"}\n"
		if err := os.WriteFile(filepath.Join(setGroup, "kustomization.yaml"), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		k := "resources: [../rbac]\ncomponents: [set-group, ../rbac/group]\n"
		if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o644); err != nil {
			t.Fatal(err)
		}
		dir = overlay
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// deploy/rbac names the developers' group in one place (policies/settings.yaml),
// berth.yaml's default; an overlay renames it in the binding, the
// priority-and-fairness FlowSchema and both admission policies, and the
// settings ConfigMap is never applied.
func TestRBACManifestGroup(t *testing.T) {
	for _, group := range []string{"", "eng:platform-devs"} {
		out := buildRBAC(t, group)
		want := group
		if want == "" {
			want = DefaultDeveloperGroup
		}
		if strings.Contains(out, "berth-rbac-settings") {
			t.Errorf("group %q: the settings ConfigMap is in the output", want)
		}
		if n := strings.Count(out, "name: "+want+"\n"); n != 2 {
			t.Errorf("group %q: %d subjects name it, want 2 (the binding's, the FlowSchema's):\n%s", want, n, out)
		}
		if n := strings.Count(out, "g == '"+want+"'"); n != 2 {
			t.Errorf("group %q: %d policy conditions match it, want 2:\n%s", want, n, out)
		}
		if group != "" && strings.Contains(out, DefaultDeveloperGroup) {
			t.Errorf("renamed to %q, but %s is left:\n%s", group, DefaultDeveloperGroup, out)
		}
	}
}
