package lifecycle

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
)

// checkNamespace refuses a missing, foreign or terminating namespace.
func checkNamespace(ctx context.Context, c *k8s.Client, namespace, project string) error {
	ns, err := OwnedNamespace(ctx, c, namespace, project)
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp != nil {
		return fmt.Errorf("namespace %s is being deleted", namespace)
	}
	return nil
}

// OwnedNamespace is the ownership gate every destructive path goes
// through: it reads the env's namespace and refuses one that is missing (an
// error for which apierrors.IsNotFound is true) or that berth's project does
// not own (a *envs.NotOwnedError).
func OwnedNamespace(ctx context.Context, c *k8s.Client, namespace, project string) (*corev1.Namespace, error) {
	ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("environment %s: no such namespace: %w", namespace, err)
		}
		return nil, fmt.Errorf("get namespace %s: %w", namespace, err)
	}
	if err := envs.CheckOwned("namespace "+namespace, ns.Labels, project); err != nil {
		return nil, err
	}
	return ns, nil
}
