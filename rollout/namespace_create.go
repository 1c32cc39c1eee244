package rollout

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	"k8s.io/client-go/util/retry"

	"github.com/berth-dev/berth/k8s"
)

// createNamespace creates the environment's namespace as rendered (labels
// and annotations: an up interrupted right after still leaves a namespace
// berth owns, with its expiry) when it does not exist yet, and reports
// whether it did. Server-side apply of a Namespace that does not exist is
// authorized as patch in that namespace, which a developer gets only from
// the RoleBinding made next (deploy/rbac grants create, not patch,
// cluster-wide). One created meanwhile by another up is left to the apply.
func (u *upRun) createNamespace(ctx context.Context) (bool, error) {
	obj := u.namespaceObject()
	if obj == nil {
		return false, nil
	}
	res := corev1.SchemeGroupVersion.WithResource("namespaces")
	_, err := u.c.Dynamic.Resource(res).Create(ctx, obj, metav1.CreateOptions{FieldManager: k8s.FieldManager})
	switch {
	case apierrors.IsAlreadyExists(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("create namespace %s: %w", u.ns, err)
	}
	return true, nil
}

// namespaceObject is the rendered Namespace of the environment, or nil.
func (u *upRun) namespaceObject() *unstructured.Unstructured {
	for _, obj := range u.o.Objects {
		if obj.GetKind() == "Namespace" && obj.GroupVersionKind().Group == "" && obj.GetName() == u.ns {
			return obj
		}
	}
	return nil
}

// adoptNamespace hands the fields createNamespace set over to berth's
// server-side apply (csaupgrade): a create owns them as an update, and
// without this a label or annotation a later up no longer applies would
// stay forever. Patched, once applied, through the developers' RoleBinding.
func (u *upRun) adoptNamespace(ctx context.Context) error {
	// The patch carries the resourceVersion it was computed from: another
	// up applying meanwhile is a conflict, computed again.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ns, err := u.c.Typed.CoreV1().Namespaces().Get(ctx, u.ns, metav1.GetOptions{})
		if err != nil {
			return err
		}
		patch, err := csaupgrade.UpgradeManagedFieldsPatch(ns, sets.New(k8s.FieldManager), k8s.FieldManager)
		if err != nil || patch == nil {
			return err
		}
		_, err = u.c.Typed.CoreV1().Namespaces().Patch(ctx, u.ns, types.JSONPatchType, patch, metav1.PatchOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("hand namespace %s's fields to server-side apply: %w", u.ns, err)
	}
	return nil
}
