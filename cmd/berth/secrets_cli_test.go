package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// TestSecretsCommands: encrypt with .sops.yaml's rule and with --age,
// decrypt to stdout, edit with a fake $EDITOR, in a repo-like directory.
func TestSecretsCommands(t *testing.T) {
	id := secretstest.Identity(t)
	secretstest.Use(t, id.String())
	recipient := id.Recipient().String()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte("creation_rules:\n  - path_regex: secrets/.*\n    age: "+recipient+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "secrets", "api.yaml")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("token: cli-s3cret\n"), 0o640); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runBerth("secrets", "encrypt", file)
	if code != exitOK || !strings.Contains(stdout, "token: ENC[") || strings.Contains(stdout, "cli-s3cret") || !strings.Contains(stdout, recipient) {
		t.Fatalf("encrypt to stdout: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, stderr = runBerth("secrets", "encrypt", "-i", file); code != exitOK {
		t.Fatalf("encrypt -i: exit %d: %s", code, stderr)
	}
	enc, _ := os.ReadFile(filepath.Join(file))
	if f, ok := secrets.Detect(file, enc); !ok || f != secrets.YAML {
		t.Fatalf("encrypt -i wrote:\n%s", enc)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o640 {
		t.Errorf("encrypt -i changed the mode to %v", st.Mode().Perm())
	}
	if code, _, stderr = runBerth("secrets", "encrypt", "-i", file); code != exitError || !strings.Contains(stderr, "already encrypted") {
		t.Errorf("encrypting twice: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr = runBerth("secrets", "decrypt", file); code != exitOK || stdout != "token: cli-s3cret\n" {
		t.Errorf("decrypt: exit %d %q %s", code, stdout, stderr)
	}

	// --age instead of the rule, binary file, -o.
	other := secretstest.Identity(t)
	plain := filepath.Join(dir, "other.txt")
	if err := os.WriteFile(plain, []byte("bin-s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	encFile := filepath.Join(dir, "other.enc")
	if code, _, stderr = runBerth("secrets", "encrypt", "--age", other.Recipient().String(), "-o", encFile, plain); code != exitOK {
		t.Fatalf("encrypt --age -o: exit %d: %s", code, stderr)
	}
	code, _, stderr = runBerth("secrets", "decrypt", encFile)
	if code != exitError || !strings.Contains(stderr, other.Recipient().String()) || !strings.Contains(stderr, encFile) || strings.Contains(stderr, "bin-s3cret") {
		t.Errorf("decrypt without the key: exit %d: %s", code, stderr)
	}
	secretstest.Use(t, other.String())
	if code, stdout, _ = runBerth("secrets", "decrypt", encFile); code != exitOK || stdout != "bin-s3cret" {
		t.Errorf("decrypt with the key: exit %d %q", code, stdout)
	}
	if code, _, stderr = runBerth("secrets", "encrypt", filepath.Join(t.TempDir(), "x.txt")); code != exitError {
		t.Errorf("encrypt of a missing file: exit %d: %s", code, stderr)
	}
	if code, _, _ = runBerth("secrets", "encrypt", "--type", "toml", plain); code != exitUsage {
		t.Errorf("--type toml: exit %d, want %d", code, exitUsage)
	}

	// edit through $EDITOR, leaving no plaintext in $TMPDIR.
	secretstest.Use(t, id.String())
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ed := filepath.Join(t.TempDir(), "ed.sh")
	if err := os.WriteFile(ed, []byte("#!/bin/sh\nsed -i 's/cli-s3cret/edited-s3cret/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDITOR", ed)
	if code, _, stderr = runBerth("secrets", "edit", file); code != exitOK {
		t.Fatalf("edit: exit %d: %s", code, stderr)
	}
	if code, stdout, _ = runBerth("secrets", "decrypt", file); stdout != "token: edited-s3cret\n" {
		t.Errorf("after edit: exit %d %q", code, stdout)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("edit left %d entries in $TMPDIR", len(entries))
	}
}

// TestPlainSecretsWarning: plain Secrets are fine on a local cluster,
// warned about on another, refused there with --strict.
func TestPlainSecretsWarning(t *testing.T) {
	secret := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "db-password-x"},
		"data":     map[string]any{"db-password": "cGxhaW4="},
	}}
	sealed := secret.DeepCopy()
	sealed.SetName("api")
	sealed.SetAnnotations(map[string]string{meta.AnnotationSOPS: "binary"})
	objs := []*unstructured.Unstructured{secret, sealed}
	for _, host := range []string{"https://127.0.0.1:6443", "https://localhost:6443", "http://[::1]:8080", "127.0.0.1:6443"} {
		var w bytes.Buffer
		if err := checkPlainSecrets(&w, host, objs, true); err != nil || w.Len() > 0 {
			t.Errorf("%s: %v %q", host, err, w.String())
		}
	}
	var w bytes.Buffer
	if err := checkPlainSecrets(&w, "https://k8s.example.com", objs, false); err != nil || !strings.Contains(w.String(), "WARNING: Secret/db-password-x holds plaintext") || strings.Contains(w.String(), "api") {
		t.Errorf("non-local: %v %q", err, w.String())
	}
	if err := checkPlainSecrets(&w, "https://k8s.example.com", objs, true); err == nil || !strings.Contains(err.Error(), "--strict") {
		t.Errorf("non-local --strict: %v", err)
	}
	if err := checkPlainSecrets(&w, "https://k8s.example.com", []*unstructured.Unstructured{sealed}, true); err != nil {
		t.Errorf("only sops secrets: %v", err)
	}
}

// TestUpStrictRefusesPlainSecrets: berth up --strict of examples/shop (a
// plain secret file) on a non-local cluster stops before contacting it.
func TestUpStrictRefusesPlainSecrets(t *testing.T) {
	dir := shopRepo(t, "strict", "shop", "")
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: far, cluster: {server: "https://k8s.example.invalid:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: far, context: {cluster: far, user: u}}]
current-context: far
`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"berth", "--kubeconfig", kc, "up", "--dir", dir, "--strict"}, nil, &out, &errOut)
	if code != exitError || !strings.Contains(errOut.String(), "plaintext values from the repository") || !strings.Contains(errOut.String(), "--strict") {
		t.Errorf("up --strict: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	errOut.Reset()
	code = run(ctx, []string{"berth", "--kubeconfig", kc, "up", "--dir", dir, "--timeout", "5s"}, nil, &out, &errOut)
	if code == exitOK || !strings.Contains(errOut.String(), "WARNING: Secret/db-password") {
		t.Errorf("up without --strict: exit %d\n%s", code, errOut.String())
	}
}
