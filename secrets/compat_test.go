package secrets_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/version"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/internal/sopscompat"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// These tests hold berth to the sops library (linked by tests only), with
// real age keys: files sops encrypts decrypt with berth, files berth
// writes decrypt with sops, and the keys berth cannot use (pgp, GCP KMS,
// Azure Key Vault, Vault, other people's age keys) survive berth's edits.

func upstreamStore(f secrets.Format) sops.Store { return sopscompat.Store(string(f)) }

// otherKeys are master keys of the types berth does not support, with
// stand-in encrypted data keys: they are only carried.
func otherKeys(t *testing.T) []sops.KeyGroup {
	t.Helper()
	return []sops.KeyGroup{sopscompat.NewStandIns().Group()}
}

// sopsEncrypt encrypts plain as the sops CLI does, the data key encrypted
// for real for the age recipients, the other keys carried as they are.
func sopsEncrypt(t *testing.T, f secrets.Format, plain string, others []sops.KeyGroup, ageRecipients ...string) []byte {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	group := sops.KeyGroup{}
	for _, r := range ageRecipients {
		k, err := sopsage.MasterKeyFromRecipient(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Encrypt(key); err != nil {
			t.Fatal(err)
		}
		group = append(group, k)
	}
	for _, g := range others {
		group = append(group, g...)
	}
	return sopsEncryptKey(t, f, plain, key, group)
}

// sopsEncryptKey encrypts plain with the sops library, with the data key
// already encrypted for the keys of group.
func sopsEncryptKey(t *testing.T, f secrets.Format, plain string, key []byte, group sops.KeyGroup) []byte {
	t.Helper()
	md := sops.Metadata{KeyGroups: []sops.KeyGroup{group}, Version: version.Version}
	if f != secrets.Binary {
		md.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	out, err := sopscompat.Encrypt(string(f), plain, md, key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sopsDecrypt decrypts as `sops -d` does, MAC verified, trying age keys
// first (sops's decrypt package tries the group's keys in file order, and
// would wait for the GCP, Azure and Vault stand-ins to time out).
func sopsDecrypt(t *testing.T, f secrets.Format, data []byte) ([]byte, error) {
	t.Helper()
	tree, err := upstreamStore(f).LoadEncryptedFile(data)
	if err != nil {
		return nil, err
	}
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{keyservice.NewLocalClient()}, []string{"age"})
	if err != nil {
		return nil, err
	}
	return sopscompat.Decrypt(string(f), data, key)
}

// encryptByRule writes conf as .sops.yaml of a new directory and
// encrypts plain as berth does into name there, for the rule conf picks;
// it returns the file's path and the encrypted bytes.
func encryptByRule(t *testing.T, conf, name, plain string, f secrets.Format) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	r, err := secrets.RuleFor(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := secrets.Encrypt(t.Context(), path, []byte(plain), f, r)
	if err != nil {
		t.Fatal(err)
	}
	return path, enc
}

// keyMaps is the key groups of a file as sops reads them.
func keyMaps(t *testing.T, f secrets.Format, data []byte) [][]map[string]any {
	t.Helper()
	tree, err := upstreamStore(f).LoadEncryptedFile(data)
	if err != nil {
		t.Fatalf("sops reads:\n%s\n%v", data, err)
	}
	var out [][]map[string]any
	for _, g := range tree.Metadata.KeyGroups {
		var keys []map[string]any
		for _, k := range g {
			m := k.ToMap()
			m["type"] = k.TypeToIdentifier()
			keys = append(keys, m)
		}
		out = append(out, keys)
	}
	return out
}

// TestSopsFilesDecrypt: files the sops library encrypts for an age key
// (next to keys of types berth does not use) decrypt with berth, MAC
// verified, to what sops decrypts them to; changed ciphertext is refused.
func TestSopsFilesDecrypt(t *testing.T) {
	ctx := t.Context()
	recipient := secretstest.Key(t)
	for _, s := range samples {
		t.Run(string(s.format), func(t *testing.T) {
			enc := sopsEncrypt(t, s.format, s.plain, otherKeys(t), recipient)
			if f, ok := secrets.Detect(s.name, enc); !ok || f != s.format {
				t.Errorf("Detect = %s, %v", f, ok)
			}
			got, err := secrets.Decrypt(ctx, s.name, enc, s.format)
			if err != nil {
				t.Fatal(err)
			}
			want, err := sopsDecrypt(t, s.format, enc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) || !strings.Contains(string(got), s.secret) {
				t.Errorf("berth decrypts %q, sops %q", got, want)
			}
			rs, err := secrets.Recipients(s.format, enc)
			want2 := []string{"gcp_kms:projects/p/locations/global/keyRings/r/cryptoKeys/k", "azure_kv:https://v.vault.azure.net/keys/k/0123",
				"hc_vault:https://vault.example:8200/v1/transit/keys/k", "pgp:FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4", "age:" + recipient}
			if err != nil || !reflect.DeepEqual(rs, want2) {
				t.Errorf("Recipients = %v, %v; want %v", rs, err, want2)
			}
			// One byte of the secret's ciphertext changed: the MAC (or
			// AES-GCM) refuses it.
			i := bytes.Index(enc, []byte("data:")) + len("data:")
			bad := bytes.Clone(enc)
			bad[i] ^= 'A' ^ 'B'
			if _, err := secrets.Decrypt(ctx, s.name, bad, s.format); err == nil {
				t.Errorf("a tampered file decrypts")
			}
		})
	}
}

// TestEditKeepsOtherKeys: berth edits a sops file holding keys it cannot
// use; the file keeps every key as it was, still decrypts with sops (MAC
// verified) to the new content, is what sops itself writes for that tree,
// and keeps the ciphertext of the values that did not change.
func TestEditKeepsOtherKeys(t *testing.T) {
	mine := secretstest.Key(t)
	theirs := secretstest.Identity(t).Recipient().String()
	plain := "user: shop\npassword: old-s3cret\n"
	path := filepath.Join(t.TempDir(), "creds.yaml")
	app := "shop"
	k := kms.NewMasterKeyFromArn("arn:aws:kms:eu-west-1:111122223333:key/abc", map[string]*string{"app": &app}, "")
	k.EncryptedKey = "AQICAHkms"
	before := sopsEncrypt(t, secrets.YAML, plain, append(otherKeys(t), sops.KeyGroup{k}), mine, theirs)
	if err := os.WriteFile(path, before, 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := secrets.Edit(t.Context(), path, secrets.EditOptions{Editor: editor(t, `sed -i 's/old-s3cret/new-s3cret/' "$1"`)})
	if err != nil || !changed {
		t.Fatalf("Edit = %v, %v", changed, err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keyMaps(t, secrets.YAML, after), keyMaps(t, secrets.YAML, before); !reflect.DeepEqual(got, want) {
		t.Errorf("keys after the edit:\n%v\nbefore:\n%v", got, want)
	}
	got, err := sopsDecrypt(t, secrets.YAML, after)
	if err != nil || string(got) != "user: shop\npassword: new-s3cret\n" {
		t.Errorf("sops decrypts the edited file to %q, %v", got, err)
	}
	sameAsSops(t, secrets.YAML, after)
	if user := firstLine(before); user != firstLine(after) {
		t.Errorf("the unchanged value was re-encrypted: %q, then %q", user, firstLine(after))
	}
}

// sameAsSops fails unless the sops library, reading data, writes it back
// byte for byte: berth writes what sops writes.
func sameAsSops(t *testing.T, f secrets.Format, data []byte) {
	t.Helper()
	tree, err := upstreamStore(f).LoadEncryptedFile(data)
	if err != nil {
		t.Fatalf("sops reads:\n%s\n%v", data, err)
	}
	if rewritten, err := upstreamStore(f).EmitEncryptedFile(tree); err != nil || !bytes.Equal(rewritten, data) {
		t.Errorf("sops writes this tree as\n%s\nberth wrote\n%s", rewritten, data)
	}
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

// TestOnlyUnsupportedKeys: a file berth holds no usable key type for
// fails clearly, naming the file and the key types it has.
func TestOnlyUnsupportedKeys(t *testing.T) {
	secretstest.Use(t, "")
	enc := sopsEncrypt(t, secrets.YAML, "a: b\n", otherKeys(t))
	_, err := secrets.Decrypt(t.Context(), "secrets/team.yaml", enc, secrets.YAML)
	var de *secrets.DecryptError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DecryptError", err)
	}
	for _, want := range []string{"secrets/team.yaml", "gcp_kms, azure_kv, hc_vault, pgp", "age and AWS KMS", "sops CLI"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "SOPS_AGE_KEY") {
		t.Errorf("error %q points to age identities for a file without age keys", err)
	}
}

// TestShamirAndRulesWithSops: a .sops.yaml rule with two age key groups
// (Shamir, both needed) and encrypted_regex gives files sops decrypts,
// with only the selected values encrypted.
func TestShamirAndRulesWithSops(t *testing.T) {
	a, b := secretstest.Identity(t), secretstest.Identity(t)
	secretstest.Use(t, a.String()+"\n"+b.String())
	conf := "creation_rules:\n  - encrypted_regex: ^password$\n    key_groups:\n      - age: [" + a.Recipient().String() + "]\n      - age: [" + b.Recipient().String() + "]\n"
	plain := "user: shop\npassword: shamir-s3cret\n"
	path, enc := encryptByRule(t, conf, "creds.yaml", plain, secrets.YAML)
	if !strings.Contains(string(enc), "user: shop\n") || strings.Contains(string(enc), "shamir-s3cret") || !strings.Contains(string(enc), "shamir_threshold: 2") {
		t.Errorf("encrypted file:\n%s", enc)
	}
	got, err := sopsDecrypt(t, secrets.YAML, enc)
	if err != nil || string(got) != plain {
		t.Errorf("sops decrypts %q, %v", got, err)
	}
	sameAsSops(t, secrets.YAML, enc)
	secretstest.Use(t, a.String())
	if _, err := secrets.Decrypt(t.Context(), path, enc, secrets.YAML); err == nil || !strings.Contains(err.Error(), "2 of 2 key groups needed") {
		t.Errorf("one of two groups' keys: %v", err)
	}
}

// TestRuleWithUnsupportedKeys: berth refuses to encrypt for a rule with
// keys it cannot encrypt for, naming them.
func TestRuleWithUnsupportedKeys(t *testing.T) {
	dir := t.TempDir()
	conf := "creation_rules:\n  - age: " + secretstest.Identity(t).Recipient().String() + "\n    pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n"
	if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := secrets.RuleFor(filepath.Join(dir, "x.yaml"), nil)
	if err == nil || !strings.Contains(err.Error(), "pgp keys") || !strings.Contains(err.Error(), ".sops.yaml") {
		t.Errorf("rule with pgp keys: %v", err)
	}
}
