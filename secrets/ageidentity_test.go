package secrets_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// TestAgeKeyCmd: identities printed by $SOPS_AGE_KEY_CMD, which is told
// the recipient in $SOPS_AGE_RECIPIENT, as sops runs it.
func TestAgeKeyCmd(t *testing.T) {
	id := secretstest.Identity(t)
	enc, err := secrets.Encrypt(t.Context(), "x.txt", []byte("cmd-s3cret"), secrets.Binary, ageRule(t, id.Recipient().String()))
	if err != nil {
		t.Fatal(err)
	}
	secretstest.Use(t, "")
	dir := t.TempDir()
	seen := filepath.Join(dir, "recipient")
	script := filepath.Join(dir, "keys.sh")
	body := "#!/bin/sh\necho \"$SOPS_AGE_RECIPIENT\" > '" + seen + "'\necho '" + id.String() + "'\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_AGE_KEY_CMD", "'"+script+"' --quiet")
	if got, err := secrets.Decrypt(t.Context(), "x.txt", enc, secrets.Binary); err != nil || string(got) != "cmd-s3cret" {
		t.Fatalf("SOPS_AGE_KEY_CMD: %q, %v", got, err)
	}
	if r, _ := os.ReadFile(seen); strings.TrimSpace(string(r)) != id.Recipient().String() {
		t.Errorf("the command was told recipient %q, want %s", r, id.Recipient())
	}
}

// TestSSHRecipient: a file encrypted for an SSH public key decrypts with
// the private key in ~/.ssh/id_ed25519, for berth and for sops.
func TestSSHRecipient(t *testing.T) {
	secretstest.Use(t, "")
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	recipient := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	enc, err := secrets.Encrypt(t.Context(), "x.yaml", []byte("token: ssh-s3cret\n"), secrets.YAML, ageRule(t, recipient))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Decrypt(t.Context(), "x.yaml", enc, secrets.YAML); err == nil {
		t.Fatal("decrypted without the SSH key")
	}
	dir := filepath.Join(os.Getenv("HOME"), ".ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "id_ed25519"), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := secrets.Decrypt(t.Context(), "x.yaml", enc, secrets.YAML); err != nil || string(got) != "token: ssh-s3cret\n" {
		t.Errorf("with ~/.ssh/id_ed25519: %q, %v", got, err)
	}
	if got, err := sopsDecrypt(t, secrets.YAML, enc); err != nil || string(got) != "token: ssh-s3cret\n" {
		t.Errorf("sops decrypts %q, %v", got, err)
	}
}
