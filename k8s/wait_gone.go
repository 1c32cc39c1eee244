package k8s

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// WaitGone is the one wait for a deleted object: it polls gone every
// interval until it reports true, gone fails, or ctx ends.
func WaitGone(ctx context.Context, interval time.Duration, gone func(context.Context) (bool, error)) error {
	return wait.PollUntilContextCancel(ctx, interval, true, gone)
}
