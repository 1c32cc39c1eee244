package secrets_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

const (
	testKMS     = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	testKMSProd = "arn:aws:kms:eu-west-1:444455556666:key/prod"
)

// sopsConfig writes .sops.yaml at the root of a temp repo: an age rule for
// dev secrets, a KMS rule (with a role and an AWS profile) for prod, and
// key groups with Shamir for everything else.
func sopsConfig(t *testing.T, ageRecipient string) string {
	t.Helper()
	dir := t.TempDir()
	conf := `creation_rules:
  - path_regex: ^secrets/dev/.*
    age: ` + ageRecipient + `
  - path_regex: ^secrets/prod/.*\.yaml$
    kms: ` + testKMSProd + `+arn:aws:iam::444455556666:role/deploy
    aws_profile: prod
    encrypted_regex: ^(password|token)$
  - shamir_threshold: 2
    key_groups:
      - kms:
          - arn: ` + testKMS + `
            context: {app: shop}
        age: [` + ageRecipient + `]
      - age: [` + ageRecipient + `]
`
	if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "secrets", "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRuleFor picks creation rules the way the sops CLI does: the first
// whose path_regex matches the path relative to .sops.yaml, found from the
// file's directory upwards; --age overrides the file.
func TestRuleFor(t *testing.T) {
	recipient := secretstest.Identity(t).Recipient().String()
	dir := sopsConfig(t, recipient)
	conf := filepath.Join(dir, ".sops.yaml")

	r, err := secrets.RuleFor(filepath.Join(dir, "secrets", "dev", "db-password.txt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Recipients(); !reflect.DeepEqual(got, []string{"age:" + recipient}) || r.Source != conf {
		t.Errorf("dev rule: %v from %s", got, r.Source)
	}

	r, err = secrets.LoadRule(conf, filepath.Join(dir, "secrets", "prod", "api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.KeyGroups) != 1 || len(r.KeyGroups[0]) != 1 {
		t.Fatalf("prod rule groups: %v", r.Recipients())
	}
	k := r.KeyGroups[0][0]
	if k.Type != "kms" {
		t.Fatalf("prod key is a %s key, want a KMS key", k.Type)
	}
	if k.Field("arn") != testKMSProd || k.Field("role") != "arn:aws:iam::444455556666:role/deploy" || k.Field("aws_profile") != "prod" {
		t.Errorf("prod KMS key: arn %s role %s profile %s", k.Field("arn"), k.Field("role"), k.Field("aws_profile"))
	}
	if r.EncryptedRegex != "^(password|token)$" {
		t.Errorf("encrypted_regex %q", r.EncryptedRegex)
	}

	// The catch-all: two key groups (KMS with context + age; age), 2 needed.
	r, err = secrets.LoadRule(conf, filepath.Join(dir, "other.env"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"age:" + recipient, "kms:" + testKMS + "|app:shop", "age:" + recipient}
	if got := r.Recipients(); !reflect.DeepEqual(got, want) || r.ShamirThreshold != 2 {
		t.Errorf("key groups %v threshold %d, want %v and 2", got, r.ShamirThreshold, want)
	}
	if k := r.KeyGroups[0][1]; k.Type != "kms" || fmt.Sprint(k.Value("context")) != "[{app shop}]" {
		t.Errorf("KMS encryption context not parsed: %#v", r.KeyGroups[0][1])
	}

	// --age wins over the file.
	other := secretstest.Identity(t).Recipient().String()
	r, err = secrets.RuleFor(filepath.Join(dir, "secrets", "prod", "api.yaml"), []string{other + "," + recipient})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Recipients(); !reflect.DeepEqual(got, []string{"age:" + other, "age:" + recipient}) || r.Source != "--age" {
		t.Errorf("--age rule: %v from %s", got, r.Source)
	}

	// No .sops.yaml anywhere above: a clear error.
	if _, err := secrets.RuleFor(filepath.Join(t.TempDir(), "x.txt"), nil); err == nil || !strings.Contains(err.Error(), "--age") {
		t.Errorf("no config: %v", err)
	}
}

// TestRuleNoMatch: a config whose rules match nothing says so.
func TestRuleNoMatch(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, ".sops.yaml")
	if err := os.WriteFile(conf, []byte("creation_rules:\n  - path_regex: ^only/this$\n    age: "+secretstest.Identity(t).Recipient().String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.RuleFor(filepath.Join(dir, "x.txt"), nil); err == nil || !strings.Contains(err.Error(), "no matching creation rules") {
		t.Errorf("no matching rule: %v", err)
	}
}

// TestEncryptWithRule encrypts with the .sops.yaml age rule and decrypts
// with that key (the KMS rules are only configured: AWS is not reachable
// from the tests).
func TestEncryptWithRule(t *testing.T) {
	recipient := secretstest.Key(t)
	dir := sopsConfig(t, recipient)
	path := filepath.Join(dir, "secrets", "dev", "db-password.txt")
	r, err := secrets.RuleFor(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := secrets.Encrypt(t.Context(), path, []byte("rule-s3cret"), secrets.Binary, r)
	if err != nil {
		t.Fatal(err)
	}
	if rs, _ := secrets.Recipients(secrets.Binary, enc); !reflect.DeepEqual(rs, []string{"age:" + recipient}) {
		t.Errorf("recipients %v", rs)
	}
	if got, err := secrets.Decrypt(t.Context(), path, enc, secrets.Binary); err != nil || string(got) != "rule-s3cret" {
		t.Errorf("decrypt: %q, %v", got, err)
	}
}
