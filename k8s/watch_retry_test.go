package k8s

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestUntilAnsweredRetries: a list or watch that gets no answer (refused
// connection, a server starting up or overloaded) is retried by berth
// itself, each outcome observed, until a real answer — which, success or
// refusal, goes to the caller at once.
func TestUntilAnsweredRetries(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no"))
	for _, tc := range []struct {
		name    string
		answers []error // one per call; the last repeats
		calls   int
		want    error
	}{
		{"refused then answered", []error{refused, refused, apierrors.NewServiceUnavailable("starting"), nil}, 4, nil},
		{"too many requests then answered", []error{apierrors.NewTooManyRequests("busy", 1), nil}, 2, nil},
		{"forbidden at once", []error{forbidden}, 1, forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, observed := 0, 0
			v, err := untilAnswered(context.Background(), func(context.Context, error) { observed++ }, func() (int, error) {
				err := tc.answers[min(calls, len(tc.answers)-1)]
				calls++
				return calls, err
			})
			if calls != tc.calls || observed != tc.calls || !errors.Is(err, tc.want) || v != tc.calls {
				t.Errorf("calls %d observed %d value %d err %v; want %d calls, err %v", calls, observed, v, err, tc.calls, tc.want)
			}
		})
	}

	t.Run("cancelled while unanswered", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		_, err := untilAnswered(ctx, func(context.Context, error) {}, func() (int, error) {
			if calls++; calls == 2 {
				cancel()
			}
			return 0, refused
		})
		if calls != 2 || err == nil {
			t.Errorf("calls %d, err %v: want 2 calls and the last error", calls, err)
		}
	})
}
