package secrets_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// TestSOPSConfig: $SOPS_CONFIG names the config file instead of the
// nearest .sops.yaml, as for the sops CLI; a missing one is an error.
func TestSOPSConfig(t *testing.T) {
	recipient := secretstest.Key(t)
	dir := sopsConfig(t, recipient)
	file := filepath.Join(dir, "secrets", "dev", "db-password.txt")
	if conf, err := secrets.ConfigFor(file); err != nil || conf != filepath.Join(dir, ".sops.yaml") {
		t.Errorf("ConfigFor = %q, %v", conf, err)
	}
	other := filepath.Join(t.TempDir(), "team.sops.yaml")
	if err := os.WriteFile(other, []byte("creation_rules:\n  - age: "+recipient+"\n    encrypted_regex: ^token$\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_CONFIG", other)
	r, err := secrets.RuleFor(file, nil)
	if err != nil || r.Source != other || r.EncryptedRegex != "^token$" {
		t.Errorf("RuleFor with $SOPS_CONFIG: %+v, %v", r, err)
	}
	t.Setenv("SOPS_CONFIG", filepath.Join(dir, "missing.yaml"))
	if _, err := secrets.RuleFor(file, nil); err == nil {
		t.Error("a missing $SOPS_CONFIG is not an error")
	}
}
