package testcluster_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// TestNarrowKubeconfigIsTheUser: the kubeconfig a narrow grant writes for
// the local cluster authenticates as the grant's user in its groups, with
// a certificate of its own rather than the admin's impersonation.
func TestNarrowKubeconfigIsTheUser(t *testing.T) {
	g := testcluster.NewNarrowGrant("whoami")
	g.PriorityGroup = "berth:developers"
	out := filepath.Join(t.TempDir(), "kubeconfig")
	if err := g.WriteKubeconfig(testcluster.Kubeconfig(t), out); err != nil {
		t.Fatal(err)
	}
	c, err := k8s.NewClient(k8s.Flags{Kubeconfig: out})
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Impersonate.UserName != "" || len(c.Config.CertData) == 0 {
		t.Errorf("kubeconfig impersonates %q (client certificate: %d bytes); want a certificate of its own", c.Config.Impersonate.UserName, len(c.Config.CertData))
	}
	r, err := c.Typed.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u := r.Status.UserInfo
	if u.Username != g.User || !slices.Contains(u.Groups, g.Group) || !slices.Contains(u.Groups, "berth:developers") {
		t.Errorf("authenticated as %s in %v; want %s in %s and berth:developers", u.Username, u.Groups, g.User, g.Group)
	}
}
