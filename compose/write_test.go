package compose

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	b := loadApp(t, "nginx-golang-mysql")
	dir := filepath.Join(t.TempDir(), "deploy")
	if err := b.Write(dir, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range b.Files {
		got, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || string(got) != string(want) {
			t.Fatalf("%s not written as generated (%v)", p, err)
		}
	}
	// a re-run over an untouched tree succeeds and keeps the user's files
	user := filepath.Join(dir, "overlays", "staging", "kustomization.yaml")
	if err := os.MkdirAll(filepath.Dir(user), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(user, []byte("resources: [../../base]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(dir, WriteOptions{}); err != nil {
		t.Fatalf("re-run: %v", err)
	}
	if _, err := os.Stat(user); err != nil {
		t.Fatalf("user's own file lost: %v", err)
	}

	// hand edits stop the write, naming the files, and change nothing
	edited := filepath.Join(dir, "base", "db.yaml")
	editedConf := filepath.Join(dir, "base", "files", "proxy-nginx-conf", "nginx.conf")
	for _, f := range []string{edited, editedConf} {
		if err := os.WriteFile(f, []byte("# mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := b.Write(dir, WriteOptions{})
	var ee *EditedError
	if !errors.As(err, &ee) || len(ee.Files) != 2 || !strings.Contains(err.Error(), "base/db.yaml") || !strings.Contains(err.Error(), "nginx.conf") {
		t.Fatalf("want an EditedError naming both files, got %v", err)
	}
	if got, _ := os.ReadFile(edited); string(got) != "# mine\n" {
		t.Fatal("edited file overwritten without --force")
	}
	if err := b.Write(dir, WriteOptions{Force: true}); err != nil {
		t.Fatalf("force: %v", err)
	}
	if got, _ := os.ReadFile(edited); string(got) != string(b.Files["base/db.yaml"]) {
		t.Fatal("--force did not restore the generated file")
	}

	// a service removed from compose removes its generated file
	smaller := &Base{Files: map[string][]byte{}}
	for p, d := range b.Files {
		if p != "base/proxy.yaml" {
			smaller.Files[p] = d
		}
	}
	if err := smaller.Write(dir, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "base", "proxy.yaml")); !os.IsNotExist(err) {
		t.Fatalf("stale generated file kept: %v", err)
	}
	// no temporary directories are left behind
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 1 {
		t.Fatalf("leftovers next to the output: %v", ents)
	}
}

func TestWriteRefusesForeignFile(t *testing.T) {
	b := loadApp(t, "portainer")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "base"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "base", "kustomization.yaml"), []byte("resources: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(dir, WriteOptions{}); err == nil {
		t.Fatal("overwrote a kustomization.yaml berth did not write")
	}
	if _, err := os.Stat(filepath.Join(dir, "base", "portainer.yaml")); !os.IsNotExist(err) {
		t.Fatal("partial write after a refusal")
	}
}

func TestWriteRejectsBadPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	for _, p := range []string{"../escape.yaml", "/abs.yaml", "a/./b"} {
		b := &Base{Files: map[string][]byte{p: []byte("x")}}
		if err := b.Write(dir, WriteOptions{}); err == nil {
			t.Errorf("%s accepted", p)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s: output created despite the error", p)
		}
	}
}
