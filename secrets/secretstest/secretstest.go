// Package secretstest makes age keys for tests and isolates the test
// process from the developer's own sops keys.
package secretstest

import (
	"os"
	"testing"

	"filippo.io/age"
)

// Identity generates an age identity.
func Identity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Use makes identity the only age identity sops finds, through
// $SOPS_AGE_KEY; "" leaves none. $HOME and $XDG_CONFIG_HOME point to empty
// temporary directories (no keys.txt, no ~/.ssh keys) and the other
// SOPS_AGE_* variables and $SOPS_CONFIG are unset, until the test ends. Not for parallel
// tests.
func Use(t testing.TB, identity string) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, k := range []string{"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_CMD", "SOPS_CONFIG"} {
		t.Setenv(k, "") // restored when the test ends
		os.Unsetenv(k)
	}
	if identity != "" {
		t.Setenv("SOPS_AGE_KEY", identity)
	}
}

// Key generates an age identity, makes it the only one sops finds (see
// Use) and returns its recipient.
func Key(t testing.TB) string {
	t.Helper()
	id := Identity(t)
	Use(t, id.String())
	return id.Recipient().String()
}
