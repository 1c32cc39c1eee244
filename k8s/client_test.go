package k8s

import (
	"os"
	"path/filepath"
	"testing"
)

const kubeconfigA = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: https://a.example:6443}
users:
- name: a
  user: {token: token-a}
contexts:
- name: ctx-a
  context: {cluster: a, user: a, namespace: team-a}
current-context: ctx-a
`

const kubeconfigB = `apiVersion: v1
kind: Config
clusters:
- name: b
  cluster: {server: https://b.example:6443}
users:
- name: b
  user: {token: token-b}
contexts:
- name: ctx-b
  context: {cluster: b, user: b}
current-context: ctx-b
`

func writeKubeconfigs(t *testing.T) (a, b string) {
	t.Helper()
	dir := t.TempDir()
	a, b = filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(a, []byte(kubeconfigA), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(kubeconfigB), 0o600); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestFlagsMergeKubeconfigs: KUBECONFIG with several files merges like
// kubectl (first file's current-context wins; every context is usable),
// --context and -n override, --kubeconfig replaces KUBECONFIG.
func TestFlagsMergeKubeconfigs(t *testing.T) {
	a, b := writeKubeconfigs(t)
	t.Setenv("KUBECONFIG", a+string(os.PathListSeparator)+b)

	cases := []struct {
		name       string
		flags      Flags
		wantHost   string
		wantNS     string
		wantCtx    string
		wantBearer string
	}{
		{"merged default", Flags{}, "https://a.example:6443", "team-a", "ctx-a", "token-a"},
		{"context from the second file", Flags{Context: "ctx-b"}, "https://b.example:6443", "default", "ctx-b", "token-b"},
		{"namespace flag", Flags{Context: "ctx-b", Namespace: "mine"}, "https://b.example:6443", "mine", "ctx-b", "token-b"},
		{"explicit kubeconfig replaces KUBECONFIG", Flags{Kubeconfig: b}, "https://b.example:6443", "default", "ctx-b", "token-b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.flags)
			if err != nil {
				t.Fatal(err)
			}
			if c.Config.Host != tc.wantHost || c.Namespace != tc.wantNS || c.Context != tc.wantCtx || c.Config.BearerToken != tc.wantBearer {
				t.Fatalf("got host %s ns %s ctx %s token %s", c.Config.Host, c.Namespace, c.Context, c.Config.BearerToken)
			}
		})
	}
}

func TestFlagsUnknownContext(t *testing.T) {
	a, _ := writeKubeconfigs(t)
	if _, err := NewClient(Flags{Kubeconfig: a, Context: "nope"}); err == nil {
		t.Fatal("want an error for an unknown context")
	}
}

// TestNewMetadataClientFollowsTheFlags: the one-request client resolves
// the kubeconfig as NewClient does.
func TestNewMetadataClientFollowsTheFlags(t *testing.T) {
	a, b := writeKubeconfigs(t)
	t.Setenv("KUBECONFIG", a+string(os.PathListSeparator)+b)
	for flags, want := range map[Flags]string{{}: "a.example:6443", {Context: "ctx-b"}: "b.example:6443", {Kubeconfig: b}: "b.example:6443"} {
		c, err := NewMetadataClient(flags)
		if err != nil {
			t.Fatal(err)
		}
		if u := c.RESTClient().Get().Resource("namespaces").URL(); u.Host != want || u.Path != "/api/v1/namespaces" {
			t.Errorf("%+v: requests go to %s, want https://%s/api/v1/namespaces", flags, u, want)
		}
	}
	if _, err := NewMetadataClient(Flags{Kubeconfig: a, Context: "nope"}); err == nil {
		t.Error("want an error for an unknown context")
	}
}
