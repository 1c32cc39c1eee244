package secrets_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	sopsdecrypt "github.com/getsops/sops/v3/decrypt"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

func ageRule(t *testing.T, recipients ...string) *secrets.Rule {
	t.Helper()
	r, err := secrets.AgeRule(recipients)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var samples = []struct {
	name   string
	format secrets.Format
	plain  string
	secret string // what must not appear in the ciphertext
}{
	{"db-password.txt", secrets.Binary, "hunter2-binary-s3cret\n", "hunter2-binary-s3cret"},
	{"creds.yaml", secrets.YAML, "user: shop\npassword: yaml-s3cret-value\n", "yaml-s3cret-value"},
	{"creds.json", secrets.JSON, "{\n\t\"password\": \"json-s3cret-value\"\n}", "json-s3cret-value"},
	{"app.env", secrets.Dotenv, "PASSWORD=dotenv-s3cret-value\n", "dotenv-s3cret-value"},
	{"app.ini", secrets.INI, "[db]\npassword = ini-s3cret-value\n", "ini-s3cret-value"},
}

// TestRoundTrip encrypts each format for a test age key, detects it,
// decrypts it with berth and with sops's own decrypt API (what the sops
// CLI runs), and finds no plaintext in the ciphertext.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	rule := ageRule(t, secretstest.Key(t))
	for _, s := range samples {
		t.Run(string(s.format), func(t *testing.T) {
			if f := secrets.FormatForPath(s.name); f != s.format {
				t.Fatalf("FormatForPath(%s) = %s", s.name, f)
			}
			enc, err := secrets.Encrypt(ctx, s.name, []byte(s.plain), s.format, rule)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(enc), s.secret) {
				t.Fatalf("ciphertext holds the plaintext:\n%s", enc)
			}
			if f, ok := secrets.Detect(s.name, enc); !ok || f != s.format {
				t.Errorf("Detect = %s, %v; want %s", f, ok, s.format)
			}
			if _, ok := secrets.Detect(s.name, []byte(s.plain)); ok {
				t.Errorf("plaintext detected as encrypted")
			}
			got, err := secrets.Decrypt(ctx, s.name, enc, s.format)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), s.secret) {
				t.Errorf("decrypted %q, want it to hold %q", got, s.secret)
			}
			if s.format == secrets.Binary && string(got) != s.plain {
				t.Errorf("binary decrypted %q, want %q", got, s.plain)
			}
			viaSops, err := sopsdecrypt.DataWithFormat(enc, formats.FormatForPath(s.name))
			if err != nil {
				t.Fatalf("sops's decrypt API: %v", err)
			}
			if string(viaSops) != string(got) {
				t.Errorf("sops decrypts %q, berth %q", viaSops, got)
			}
			if s.format == secrets.Binary {
				// `sops -e` sets no default unencrypted_suffix for a
				// binary file (sops adds it when it rewrites one).
				if strings.Contains(string(enc), "unencrypted_suffix") {
					t.Errorf("binary file with an unencrypted_suffix:\n%s", enc)
				}
			} else {
				sameAsSops(t, s.format, enc)
			}
			rs, err := secrets.Recipients(s.format, enc)
			if err != nil || len(rs) != 1 || rs[0] != "age:"+rule.KeyGroups[0][0].ID() {
				t.Errorf("Recipients = %v, %v", rs, err)
			}
		})
	}
}

// TestDetect: binary files whose name says nothing, JSON named .json, and
// things that are not sops files.
func TestDetect(t *testing.T) {
	ctx := context.Background()
	rule := ageRule(t, secretstest.Key(t))
	bin, err := secrets.Encrypt(ctx, "x.txt", []byte("v"), secrets.Binary, rule)
	if err != nil {
		t.Fatal(err)
	}
	yml, err := secrets.Encrypt(ctx, "x.yaml", []byte("a: b\n"), secrets.YAML, rule)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		data string
		want secrets.Format
	}{
		{"secrets/db-password", string(bin), secrets.Binary},
		{"secrets/db-password.sops", string(bin), secrets.Binary},
		{"secrets/db.json", string(bin), secrets.JSON}, // as sops reads it
		{"secrets/db.enc.yaml", string(bin), secrets.Binary},
		{"secrets/db.txt", string(yml), secrets.YAML}, // content wins over the name
		{"secrets/db.yaml", string(yml), secrets.YAML},
	} {
		if f, ok := secrets.Detect(c.path, []byte(c.data)); !ok || f != c.want {
			t.Errorf("Detect(%s) = %q, %v; want %q", c.path, f, ok, c.want)
		}
	}
	for _, plain := range []string{
		"", "hunter2", "\x00\xff\xfe", "a: b\n", `{"data": "x"}`, `{"data": "x", "sops": {}}`,
		"sops:\n  version: 3.9.0\n", "sops_version=3.9.0\n", "[sops]\nversion = 3\n", "- [}", `{"sops": 1}`,
		"sops:\n  mac: x\n  lastmodified: nope\n",
	} {
		if f, ok := secrets.Detect("f.yaml", []byte(plain)); ok {
			t.Errorf("Detect(%q) = %s, want not encrypted", plain, f)
		}
		if f, ok := secrets.Detect("f", []byte(plain)); ok {
			t.Errorf("Detect(%q) = %s, want not encrypted", plain, f)
		}
	}
}

// TestDecryptWrongKey: another key, and no key at all, fail naming the file
// and the recipient, never the value.
func TestDecryptWrongKey(t *testing.T) {
	ctx := context.Background()
	owner := secretstest.Identity(t)
	rule := ageRule(t, owner.Recipient().String())
	enc, err := secrets.Encrypt(ctx, "db-password.txt", []byte("wrong-key-s3cret"), secrets.Binary, rule)
	if err != nil {
		t.Fatal(err)
	}
	for name, identity := range map[string]string{"other key": secretstest.Identity(t).String(), "no key": ""} {
		t.Run(name, func(t *testing.T) {
			secretstest.Use(t, identity)
			_, err := secrets.Decrypt(ctx, "secrets/db-password.txt", enc, secrets.Binary)
			var de *secrets.DecryptError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DecryptError", err)
			}
			msg := err.Error()
			for _, want := range []string{"secrets/db-password.txt", owner.Recipient().String(), "SOPS_AGE_KEY_FILE"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			if strings.Contains(msg, "wrong-key-s3cret") || strings.Contains(msg, owner.String()) {
				t.Errorf("error leaks a secret: %s", msg)
			}
		})
	}
	secretstest.Use(t, owner.String())
	if got, err := secrets.Decrypt(ctx, "db-password.txt", enc, secrets.Binary); err != nil || string(got) != "wrong-key-s3cret" {
		t.Errorf("with the right key: %q, %v", got, err)
	}
}

// TestTamperedFile: a changed ciphertext fails its MAC.
func TestTamperedFile(t *testing.T) {
	ctx := context.Background()
	rule := ageRule(t, secretstest.Key(t))
	enc, err := secrets.Encrypt(ctx, "c.yaml", []byte("a: one\nb: two\n"), secrets.YAML, rule)
	if err != nil {
		t.Fatal(err)
	}
	// Swap the two encrypted values.
	lines := strings.Split(string(enc), "\n")
	if !strings.HasPrefix(lines[0], "a: ENC[") || !strings.HasPrefix(lines[1], "b: ENC[") {
		t.Fatalf("unexpected layout:\n%s", enc)
	}
	lines[0], lines[1] = "a: "+lines[1][3:], "b: "+lines[0][3:]
	if _, err := secrets.Decrypt(ctx, "c.yaml", []byte(strings.Join(lines, "\n")), secrets.YAML); err == nil {
		t.Fatal("tampered file decrypted")
	}
}

// TestEncryptErrors: nothing to encrypt, already encrypted, unparsable
// plaintext (without quoting it).
func TestEncryptErrors(t *testing.T) {
	ctx := context.Background()
	rule := ageRule(t, secretstest.Key(t))
	enc, err := secrets.Encrypt(ctx, "a.yaml", []byte("k: v\n"), secrets.YAML, rule)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Encrypt(ctx, "a.yaml", enc, secrets.YAML, rule); err == nil || !strings.Contains(err.Error(), "already encrypted") {
		t.Errorf("encrypting twice: %v", err)
	}
	if _, err := secrets.Encrypt(ctx, "a.yaml", []byte("k: v\n"), secrets.YAML, nil); err == nil {
		t.Error("no recipients: no error")
	}
	_, err = secrets.Encrypt(ctx, "a.yaml", []byte("ok: 1\nbad-s3cret: [unclosed\n"), secrets.YAML, rule)
	if err == nil || strings.Contains(err.Error(), "bad-s3cret") || !strings.Contains(err.Error(), "not valid yaml") {
		t.Errorf("invalid yaml: %v", err)
	}
	if _, err := secrets.AgeRule([]string{"age1nope"}); err == nil {
		t.Error("bad recipient accepted")
	}
}

// TestIdentitySources: identities are found in $SOPS_AGE_KEY_FILE and in
// the default keys file under the user config directory, as sops finds
// them.
func TestIdentitySources(t *testing.T) {
	ctx := context.Background()
	id := secretstest.Identity(t)
	enc, err := secrets.Encrypt(ctx, "x.txt", []byte("id-s3cret"), secrets.Binary, ageRule(t, id.Recipient().String()))
	if err != nil {
		t.Fatal(err)
	}
	keys := "# created: test\n# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"

	secretstest.Use(t, "")
	file := filepath.Join(t.TempDir(), "keys.txt")
	if err := os.WriteFile(file, []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", file)
	if got, err := secrets.Decrypt(ctx, "x.txt", enc, secrets.Binary); err != nil || string(got) != "id-s3cret" {
		t.Errorf("SOPS_AGE_KEY_FILE: %q, %v", got, err)
	}

	secretstest.Use(t, "")
	def := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sops", "age", "keys.txt")
	if err := os.MkdirAll(filepath.Dir(def), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(def, []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := secrets.Decrypt(ctx, "x.txt", enc, secrets.Binary); err != nil || string(got) != "id-s3cret" {
		t.Errorf("default keys file %s: %q, %v", def, got, err)
	}
}
