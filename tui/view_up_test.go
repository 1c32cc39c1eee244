package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/secrets"
)

// decryptFailure is the error berth up returns when the identity cannot
// decrypt two of the app's secret files (cmd/berth's renderError over
// envs.DecryptSecrets), built from the secrets package's own types.
func decryptFailure() error {
	const payments = "arn:aws:kms:eu-west-1:111122223333:key/6f1c2a4e-payments"
	const search = "arn:aws:kms:eu-west-1:444455556666:key/0b9d7e21-search"
	disabled := &secrets.DecryptError{
		File:       "base/secrets/payments-db.sops.env (from secrets/payments/db.env)",
		Recipients: []string{"kms:" + payments + "|team:payments"},
		Err:        &secrets.KMSError{Class: secrets.KMSKeyDisabled, Code: "DisabledException", Message: payments + " is disabled."},
	}
	denied := &secrets.DecryptError{
		File:       "base/secrets/search-token.sops (from secrets/search/token.txt)",
		Recipients: []string{"kms:" + search + "|team:search", "kms:" + payments + "|team:search"},
		Err: errors.Join(
			fmt.Errorf("kms key %s|team:search: %w", search, &secrets.KMSError{Class: secrets.KMSAccessDenied, Code: "AccessDeniedException", Message: "User: arn:aws:sts::111122223333:assumed-role/payments-dev/alice is not authorized to perform: kms:Decrypt"}),
			fmt.Errorf("kms key %s|team:search: %w", payments, &secrets.KMSError{Class: secrets.KMSNoCredentials, Message: `the key's aws_profile "search" is not in the shared AWS config or credentials files`}),
		),
	}
	return fmt.Errorf("render shop-feat-login: %w", errors.Join(
		fmt.Errorf("secret payments-db: %w", disabled),
		fmt.Errorf("secret search-token: %w", denied),
	))
}

// failingActions fails every up with err, having applied nothing.
type failingActions struct {
	fakeActions
	err error
}

func (a *failingActions) Up(context.Context, func(UpEvent)) (string, error) {
	return "shop-feat-login", a.err
}

// TestGoldenUpDecryptFailed: an up that cannot decrypt the app's secrets
// shows berth up's error in full, wrapped: each file, the keys that could
// open it and why each did not.
func TestGoldenUpDecryptFailed(t *testing.T) {
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Actions = &failingActions{err: decryptFailure()}
	s := startSession(t, cfg, 80, 30)
	s.waitFor("shop-feat-login")
	s.keys("u")
	s.waitFor("up failed")
	s.golden()
}

// TestUpErrorInFull: every word of the error is on screen, at any width.
func TestUpErrorInFull(t *testing.T) {
	err := decryptFailure()
	for _, w := range []int{40, 80, 200} {
		lines := wrapLines("up failed: "+err.Error(), w)
		joined := strings.Join(lines, " ")
		for _, word := range strings.Fields(err.Error()) {
			if len(word) < w/2 && !strings.Contains(joined, word) {
				t.Errorf("width %d: %q is missing:\n%s", w, word, strings.Join(lines, "\n"))
			}
		}
		for _, l := range lines {
			if len([]rune(l)) > w {
				t.Errorf("width %d: line %q is too wide", w, l)
			}
		}
	}
}
