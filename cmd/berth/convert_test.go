package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyApp copies a corpus app into a temp dir so the test can write there.
func copyApp(t *testing.T, app string) string {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "compose-corpus", "awesome-compose", app)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy corpus app %s: %v", app, err)
	}
	return dst
}

func runBerth(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"berth"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestConvertCommand(t *testing.T) {
	dir := copyApp(t, "portainer")
	file := filepath.Join(dir, "compose.yaml")
	out := filepath.Join(dir, "k8s")

	code, stdout, stderr := runBerth("convert", "-f", file, "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Converted 1 service(s)") {
		t.Errorf("no summary: %q", stdout)
	}
	if !strings.Contains(stderr, "WHERE") || !strings.Contains(stderr, "compose.yaml:9") || !strings.Contains(stderr, "docker socket") {
		t.Errorf("no warning table naming compose.yaml:9: %q", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "overlays", "dev", "kustomization.yaml")); err != nil {
		t.Fatal(err)
	}

	if code, _, stderr := runBerth("convert", "-f", file, "-o", filepath.Join(dir, "strict"), "--strict"); code == exitOK || !strings.Contains(stderr, "--strict") {
		t.Errorf("--strict with warnings: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "strict")); !os.IsNotExist(err) {
		t.Error("--strict failure still wrote output")
	}

	edited := filepath.Join(out, "base", "portainer.yaml")
	if err := os.WriteFile(edited, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runBerth("convert", "-f", file, "-o", out); code == exitOK || !strings.Contains(stderr, "base/portainer.yaml") || !strings.Contains(stderr, "--force") {
		t.Errorf("hand edit overwritten or not named: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runBerth("convert", "-f", file, "-o", out, "--force"); code != exitOK {
		t.Errorf("--force: exit %d, %q", code, stderr)
	}

	if code, _, _ := runBerth("convert", "--bogus"); code != exitUsage {
		t.Errorf("unknown flag: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runBerth("convert", "-o", ""); code != exitUsage {
		t.Errorf("empty -o: exit %d, want %d", code, exitUsage)
	}
}

func TestConvertCommandBadCompose(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte("services:\n  web:\n    image: nginx\n    portz: [80]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runBerth("convert", "-f", file, "-o", filepath.Join(dir, "out"))
	if code != exitError || !strings.Contains(stderr, "compose.yaml:4") || !strings.Contains(stderr, "portz") {
		t.Errorf("exit %d, want an error naming compose.yaml:4 and portz: %q", code, stderr)
	}
}
