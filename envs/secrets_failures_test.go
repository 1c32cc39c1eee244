package envs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// TestDecryptSecretsNamesEveryFailure: two secrets the identity cannot
// decrypt both fail the call, each named with its file and recipient,
// so a developer asks for every missing key at once.
func TestDecryptSecretsNamesEveryFailure(t *testing.T) {
	owner := secretstest.Identity(t).Recipient().String()
	secretstest.Key(t) // another key
	files := sopsTree(t, owner, "first-s3cret")
	second := sopsTree(t, owner, "second-s3cret")
	files["base/secrets/api-token.sops"] = second["base/secrets/db-password.sops"]
	files["base/kustomization.yaml"] = []byte(strings.Replace(string(files["base/kustomization.yaml"]), "  - name: plain\n", `  - name: api-token
    type: Opaque
    files:
      - api-token=secrets/api-token.sops
    options:
      annotations:
        berth.dev/sops: binary
        berth.dev/sops-source: secrets/api-token.txt
  - name: plain
`, 1))
	_, err := DecryptSecrets(context.Background(), files, "")
	var de *secrets.DecryptError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *secrets.DecryptError", err)
	}
	msg := err.Error()
	for _, want := range []string{"secret db-password: cannot decrypt base/secrets/db-password.sops (from secrets/db-password.txt)", "secret api-token: cannot decrypt base/secrets/api-token.sops (from secrets/api-token.txt)", owner} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error leaks a value:\n%s", msg)
	}
}
