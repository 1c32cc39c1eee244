package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// sopsShopRepo is examples/shop on branch with its db-password secret file
// replaced by plain encrypted for recipient (sops binary format).
func sopsShopRepo(t *testing.T, branch, recipient, plain string) string {
	t.Helper()
	rule, err := secrets.AgeRule([]string{recipient})
	if err != nil {
		t.Fatal(err)
	}
	return testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		if rel != "secrets/db-password.txt" {
			return data
		}
		enc, err := secrets.Encrypt(context.Background(), rel, []byte(plain), secrets.Binary, rule)
		if err != nil {
			t.Fatal(err)
		}
		return enc
	})
}

// leaks returns the files under dirs and the named outputs that hold
// secret, raw or base64-encoded.
func leaks(t *testing.T, secret string, dirs []string, outputs map[string]string) []string {
	t.Helper()
	needles := [][]byte{[]byte(secret), []byte(base64.StdEncoding.EncodeToString([]byte(secret)))}
	has := func(data []byte) bool {
		for _, n := range needles {
			if bytes.Contains(data, n) {
				return true
			}
		}
		return false
	}
	var found []string
	for name, out := range outputs {
		if has([]byte(out)) {
			found = append(found, name)
		}
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if has(data) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("scan %s: %v", dir, err)
		}
	}
	return found
}

// TestSecretsConvertAndUp is the acceptance test: a secret
// encrypted for a test age key is converted (staying encrypted), deployed
// with berth up, and read back from the cluster; no plaintext is in the
// output tree, the files berth wrote or its output. The same app with
// another key fails with nothing applied, naming the file and recipient.
func TestSecretsConvertAndUp(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	recipient := secretstest.Key(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // whatever berth writes to temp files lands here
	secret := "pw-" + testcluster.UniqueName("s3cret")
	branch := "secrets/" + testcluster.UniqueName("sops")
	dir := sopsShopRepo(t, branch, recipient, secret)
	ns := envs.Namespace("dev", "shop", branch)
	t.Cleanup(func() { _ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	outputs := map[string]string{}

	out := filepath.Join(t.TempDir(), "deploy")
	code, stdout, stderr := berthAt(t, ctx, nil, "convert", "--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml"), "-o", out)
	outputs["convert stdout"], outputs["convert stderr"] = stdout, stderr
	if code != exitOK {
		t.Fatalf("convert: exit %d\n%s\n%s", code, stdout, stderr)
	}
	enc, err := os.ReadFile(filepath.Join(out, "base", "secrets", "db-password.sops"))
	if err != nil {
		t.Fatalf("encrypted secret not in the output: %v", err)
	}
	if f, ok := secrets.Detect("db-password.sops", enc); !ok || f != secrets.Binary {
		t.Errorf("base/secrets/db-password.sops is not a sops file:\n%s", enc)
	}
	if strings.Contains(stderr, "secrets.db-password") {
		t.Errorf("convert warns about the encrypted secret:\n%s", stderr)
	}

	code, stdout, stderr = berthAt(t, ctx, nil, "up", "--dir", dir, "-o", "json", "--timeout", "3m", "--strict")
	outputs["up stdout"], outputs["up stderr"] = stdout, stderr
	if code != exitOK {
		t.Fatalf("up: exit %d\n%s\n%s", code, stdout, stderr)
	}
	list, err := c.Typed.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list.Items {
		if v, ok := s.Data["db-password"]; ok {
			got = append(got, string(v))
			if s.Annotations[meta.AnnotationSOPS] != "binary" {
				t.Errorf("Secret %s annotations %v", s.Name, s.Annotations)
			}
		}
	}
	if len(got) != 1 || got[0] != secret {
		t.Errorf("db-password Secrets in %s hold %q, want [%q]", ns, got, secret)
	}
	if found := leaks(t, secret, []string{out, tmp, dir}, outputs); len(found) > 0 {
		t.Errorf("plaintext found in %v", found)
	}

	// The hidden render command prints the objects with the value redacted.
	code, stdout, stderr = berthAt(t, ctx, nil, "render", "--dir", dir)
	if code != exitOK || !strings.Contains(stdout, base64.StdEncoding.EncodeToString([]byte(envs.Redacted))) {
		t.Errorf("render: exit %d\n%s", code, stderr)
	}
	if found := leaks(t, secret, nil, map[string]string{"render stdout": stdout, "render stderr": stderr}); len(found) > 0 {
		t.Errorf("plaintext found in %v", found)
	}

	// Another key: up fails before applying anything.
	wrongBranch := "secrets/" + testcluster.UniqueName("wrong")
	wrongDir := sopsShopRepo(t, wrongBranch, recipient, secret)
	wrongNS := envs.Namespace("dev", "shop", wrongBranch)
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), wrongNS, metav1.DeleteOptions{})
	})
	secretstest.Use(t, secretstest.Identity(t).String())
	code, stdout, stderr = berthAt(t, ctx, nil, "up", "--dir", wrongDir, "-o", "json", "--timeout", "1m")
	if code != exitError {
		t.Fatalf("up with the wrong key: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"secrets/db-password.txt", recipient, "SOPS_AGE_KEY"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error does not name %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("up with the wrong key printed events:\n%s", stdout)
	}
	if _, err := c.Typed.CoreV1().Namespaces().Get(ctx, wrongNS, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s exists after a failed decrypt (err %v)", wrongNS, err)
	}
	if found := leaks(t, secret, []string{tmp}, map[string]string{"wrong-key stdout": stdout, "wrong-key stderr": stderr}); len(found) > 0 {
		t.Errorf("plaintext found in %v", found)
	}
}
