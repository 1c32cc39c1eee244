package envs

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// sopsTree is a tree as `berth convert` writes it for one sops-encrypted
// and one plain secret, the encrypted one built on through an overlay.
func sopsTree(t *testing.T, recipient, plain string) map[string][]byte {
	t.Helper()
	rule, err := secrets.AgeRule([]string{recipient})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := secrets.Encrypt(context.Background(), "db-password.txt", []byte(plain), secrets.Binary, rule)
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"base/kustomization.yaml": []byte(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
secretGenerator:
  - name: db-password
    type: Opaque
    files:
      - db-password=secrets/db-password.sops
    options:
      annotations:
        berth.dev/sops: binary
        berth.dev/sops-source: secrets/db-password.txt
  - name: plain
    type: Opaque
    files:
      - plain=secrets/plain
`),
		"base/secrets/db-password.sops": enc,
		"base/secrets/plain":            []byte("plain-value"),
		"overlays/dev/kustomization.yaml": []byte(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../base]
`),
	}
}

func secretValue(t *testing.T, objs map[string]string, name string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(objs[name])
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(b)
}

// TestDecryptSecrets: the overlay's Secret holds the decrypted value, the
// tree passed in stays encrypted, and only the plain Secret is reported
// as plaintext from the repo.
func TestDecryptSecrets(t *testing.T) {
	recipient := secretstest.Key(t)
	files := sopsTree(t, recipient, "env-s3cret-value")
	enc := string(files["base/secrets/db-password.sops"])
	dec, err := DecryptSecrets(context.Background(), files, "overlays/dev")
	if err != nil {
		t.Fatal(err)
	}
	if string(files["base/secrets/db-password.sops"]) != enc {
		t.Fatal("DecryptSecrets changed the tree passed in")
	}
	if string(dec["base/secrets/db-password.sops"]) != "env-s3cret-value" || string(dec["base/secrets/plain"]) != "plain-value" {
		t.Fatalf("decrypted tree: %q, %q", dec["base/secrets/db-password.sops"], dec["base/secrets/plain"])
	}
	objs, err := Overlay(dec, "overlays/dev", testEnv(t, testConfig(), "main", "abc"), testConfig())
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	var secretNames []string
	for _, o := range objs {
		if o.GetKind() != "Secret" {
			continue
		}
		secretNames = append(secretNames, o.GetName())
		for k, v := range o.Object["data"].(map[string]any) {
			values[k] = v.(string)
		}
	}
	if got := secretValue(t, values, "db-password"); got != "env-s3cret-value" {
		t.Errorf("Secret db-password holds %q", got)
	}
	plain := PlainSecrets(objs)
	if len(plain) != 1 || !strings.HasPrefix(plain[0], "Secret/plain-") {
		t.Errorf("PlainSecrets = %v (secrets %v)", plain, secretNames)
	}
	RedactDecrypted(objs)
	for _, o := range objs {
		data, _ := o.Object["data"].(map[string]any)
		if v, ok := data["db-password"].(string); ok {
			if b, _ := base64.StdEncoding.DecodeString(v); string(b) != Redacted {
				t.Errorf("redacted value %q", b)
			}
		}
		if v, ok := data["plain"].(string); ok {
			if b, _ := base64.StdEncoding.DecodeString(v); string(b) != "plain-value" {
				t.Errorf("plain secret redacted: %q", b)
			}
		}
	}

	// A tree without marked generators is returned as is.
	delete(files, "base/secrets/db-password.sops")
	files["base/kustomization.yaml"] = []byte("resources: []\n")
	same, err := DecryptSecrets(context.Background(), files, "base")
	if err != nil || !reflect.DeepEqual(same, files) {
		t.Errorf("unmarked tree: %v", err)
	}
}

// TestDecryptSecretsWrongKey names the tree file, its source in the repo
// and the recipient, never the value.
func TestDecryptSecretsWrongKey(t *testing.T) {
	owner := secretstest.Identity(t).Recipient().String()
	secretstest.Key(t) // another key
	files := sopsTree(t, owner, "env-s3cret-value")
	_, err := DecryptSecrets(context.Background(), files, "")
	if err == nil {
		t.Fatal("decrypted with the wrong key")
	}
	for _, want := range []string{"secret db-password", "base/secrets/db-password.sops", "secrets/db-password.txt", owner} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "env-s3cret-value") {
		t.Errorf("error leaks the value: %v", err)
	}
}

// TestDecryptSecretsBadMarker: an unknown format or a missing file fails.
func TestDecryptSecretsBadMarker(t *testing.T) {
	files := sopsTree(t, secretstest.Key(t), "x")
	bad := map[string][]byte{}
	for k, v := range files {
		bad[k] = v
	}
	bad["base/kustomization.yaml"] = []byte(strings.Replace(string(files["base/kustomization.yaml"]), "berth.dev/sops: binary", "berth.dev/sops: toml", 1))
	if _, err := DecryptSecrets(context.Background(), bad, "base"); err == nil || !strings.Contains(err.Error(), "toml") {
		t.Errorf("unknown format: %v", err)
	}
	delete(files, "base/secrets/db-password.sops")
	if _, err := DecryptSecrets(context.Background(), files, "base"); err == nil || !strings.Contains(err.Error(), "not in the tree") {
		t.Errorf("missing file: %v", err)
	}
}

// TestRenderScrubsBuildErrors: kustomize quoting a bad line of a decrypted
// env file does not put the plaintext in the error.
func TestRenderScrubsBuildErrors(t *testing.T) {
	rule, err := secrets.AgeRule([]string{secretstest.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := secrets.Encrypt(context.Background(), "app.env", []byte("GOOD=1\nPASSWORD=s3cret-\xff-value\n"), secrets.Binary, rule)
	if err != nil {
		t.Fatal(err)
	}
	app := &App{Config: testConfig(), BaseDir: "base", Files: map[string][]byte{
		"base/kustomization.yaml": []byte(`secretGenerator:
  - name: app
    envs: [app.env.sops]
    options:
      annotations: {berth.dev/sops: binary}
`),
		"base/app.env.sops": enc,
	}}
	_, err = app.Render(testEnv(t, testConfig(), "main", "abc"))
	if err == nil {
		t.Fatal("bad env file built")
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "115 51 99 114 101 116") {
		t.Errorf("error leaks the plaintext: %v", err)
	}
	t.Log(err)
}

// TestRenderConvertedTree deploys from a tree `berth convert` wrote to disk
// (berth.yaml base:), its sops secret decrypted into the Secret.
func TestRenderConvertedTree(t *testing.T) {
	rule, err := secrets.AgeRule([]string{secretstest.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := secrets.Encrypt(context.Background(), "token.txt", []byte("tree-s3cret"), secrets.Binary, rule)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"compose.yaml": []byte("services:\n  web:\n    image: nginx\n    secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n"),
		"token.txt":    enc,
		"berth.yaml":   []byte("project: tree\nbase: deploy\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := compose.Load(context.Background(), compose.LoadOptions{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := compose.Convert(p, compose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Write(filepath.Join(dir, "deploy"), compose.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	app, err := LoadApp(context.Background(), AppOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	env, err := app.Env(Overrides{Branch: "main"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := app.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		if data, ok := o.Object["data"].(map[string]any); ok && o.GetKind() == "Secret" {
			if v, ok := data["token"].(string); ok {
				b, _ := base64.StdEncoding.DecodeString(v)
				got = append(got, string(b))
			}
		}
	}
	if len(got) != 1 || got[0] != "tree-s3cret" {
		t.Errorf("token Secrets hold %q", got)
	}
	if string(app.Files["base/secrets/token.sops"]) != string(enc) {
		t.Errorf("the app's tree does not hold the encrypted file as written")
	}
}
