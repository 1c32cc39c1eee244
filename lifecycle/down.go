package lifecycle

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/k8s"
)

// downPoll is how often Down checks whether a deleted namespace is gone.
const downPoll = 250 * time.Millisecond

// Down deletes the environment in namespace, after checking that berth owns
// it for project; a namespace it does not own is refused with a
// *envs.NotOwnedError and left unchanged. Deleting an environment that is
// already terminating is not an error. With wait, Down returns once the
// namespace is gone (bounded by ctx).
func Down(ctx context.Context, c *k8s.Client, namespace, project string, wait bool) error {
	nsAPI := c.Typed.CoreV1().Namespaces()
	ns, err := OwnedNamespace(ctx, c, namespace, project)
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp == nil {
		// The UID precondition makes sure the namespace deleted is the one
		// whose ownership was just checked, not one recreated meanwhile.
		uid := ns.UID
		err := nsAPI.Delete(ctx, namespace, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete namespace %s: %w", namespace, err)
		}
	}
	if !wait {
		return nil
	}
	return waitNamespaceGone(ctx, c, namespace, ns.UID)
}

// waitNamespaceGone polls until the namespace with this uid no longer
// exists.
func waitNamespaceGone(ctx context.Context, c *k8s.Client, namespace string, uid types.UID) error {
	err := k8s.WaitGone(ctx, downPoll, func(ctx context.Context) (bool, error) {
		ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return true, nil
		case err != nil:
			return false, err
		}
		return ns.UID != uid, nil // recreated by someone else: ours is gone
	})
	if err != nil {
		return fmt.Errorf("wait for namespace %s to be deleted: %w", namespace, err)
	}
	return nil
}
