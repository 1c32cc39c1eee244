package compose

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// TestSOPSSecrets: a secret whose file is sops-encrypted, and one with an
// x-berth sops pointer, stay encrypted in the tree with a generator marked
// for `berth up`; a plain one is copied with its warning; no plaintext of
// the encrypted ones lands in the tree.
func TestSOPSSecrets(t *testing.T) {
	rule, err := secrets.AgeRule([]string{secretstest.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enc := func(name, plain string) string {
		b, err := secrets.Encrypt(ctx, name, []byte(plain), secrets.FormatForPath(name), rule)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	files := map[string]string{
		"secrets/db-password.txt":    enc("db-password.txt", "db-s3cret-value"),
		"secrets/api.local.yaml":     "token: local-only-plaintext\n",
		"secrets/api.enc.yaml":       enc("api.enc.yaml", "token: api-s3cret-value\n"),
		"secrets/plain.txt":          "plain-local-value",
		"secrets/not-encrypted.yaml": "a: b\n",
	}
	b := convertYAML(t, `
services:
  web:
    image: nginx
    secrets: [db-password, api, plain]
secrets:
  db-password:
    file: ./secrets/db-password.txt
  api:
    file: ./secrets/api.local.yaml
    x-berth:
      sops: secrets/api.enc.yaml
  plain:
    file: ./secrets/plain.txt
`, files)

	if got := string(b.Files["base/secrets/db-password.sops"]); got != files["secrets/db-password.txt"] {
		t.Errorf("base/secrets/db-password.sops is not the encrypted file:\n%s", got)
	}
	if got := string(b.Files["base/secrets/api.sops.yaml"]); got != files["secrets/api.enc.yaml"] {
		t.Errorf("base/secrets/api.sops.yaml is not the encrypted file:\n%s", got)
	}
	if got := string(b.Files["base/secrets/plain"]); got != "plain-local-value" {
		t.Errorf("plain secret: %q", got)
	}
	for name, data := range b.Files {
		for _, secret := range []string{"db-s3cret-value", "api-s3cret-value", "local-only-plaintext"} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds plaintext %q", name, secret)
			}
		}
	}
	k := string(b.Files["base/kustomization.yaml"])
	for _, want := range []string{
		"- db-password=secrets/db-password.sops\n",
		"berth.dev/sops: binary\n", "berth.dev/sops-source: secrets/db-password.txt\n",
		"- api=secrets/api.sops.yaml\n",
		"berth.dev/sops: yaml\n", "berth.dev/sops-source: secrets/api.enc.yaml\n",
		"- plain=secrets/plain\n",
	} {
		if !strings.Contains(k, want) {
			t.Errorf("base/kustomization.yaml lacks %q:\n%s", want, k)
		}
	}
	var warned []string
	for _, w := range b.Warnings {
		warned = append(warned, w.Key)
	}
	if got := strings.Join(warned, ","); got != "secrets.plain.file" {
		t.Errorf("warnings %s, want only the plain secret's", got)
	}
	// The built Secret carries the marker and (outside berth up) the
	// ciphertext, never the plaintext.
	s := object(t, b, "overlays/dev", "Secret", "db-password")
	if s.GetAnnotations()[meta.AnnotationSOPS] != "binary" {
		t.Errorf("Secret annotations %v", s.GetAnnotations())
	}
}

// TestSOPSPointerErrors: a pointer to a missing or plain file fails the
// conversion, naming it.
func TestSOPSPointerErrors(t *testing.T) {
	for name, c := range map[string]struct{ ext, want string }{
		"plain":   {"sops: secrets/plain.yaml", "secrets/plain.yaml is not sops-encrypted"},
		"missing": {"sops: secrets/nope.yaml", "nope.yaml"},
		"unknown": {"sopz: secrets/plain.yaml", "sopz"},
	} {
		t.Run(name, func(t *testing.T) {
			dir, _ := project(t, `
services:
  web:
    image: nginx
    secrets: [api]
secrets:
  api:
    environment: API_TOKEN
    x-berth:
      `+c.ext+`
`, map[string]string{"secrets/plain.yaml": "token: plain\n"})
			p, err := Load(context.Background(), LoadOptions{WorkingDir: dir, ProjectName: "app"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Convert(p, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}
