// Package testregistry gives tests a real OCI registry process on
// loopback (go-containerregistry's registry, run by ./registryd) and
// the crane CLI, built once from the module's own dependencies into a
// cache directory.
package testregistry

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testcluster"
)

// Registry is a registry process serving at Host (127.0.0.1:PORT).
type Registry struct {
	Host string
}

// Ref is the reference of repo:tag in the registry.
func (r *Registry) Ref(repoTag string) string { return r.Host + "/" + repoTag }

// Start runs a registry of its own for the test on a free loopback port,
// killed when the test ends.
func Start(t testing.TB) *Registry {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: runs a registry process (run without -short)")
	}
	bin := Binary(t, "registryd", "./internal/testregistry/registryd")
	cmd := exec.Command(bin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start registryd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
	}()
	select {
	case l, ok := <-line:
		host, found := strings.CutPrefix(l, "listening on ")
		if !ok || !found {
			t.Fatalf("registryd did not start: %q %s", l, stderr.String())
		}
		return &Registry{Host: host}
	case <-time.After(30 * time.Second):
		t.Fatalf("registryd did not start within 30s: %s", stderr.String())
	}
	return nil
}

// Crane returns the path of crane (go-containerregistry's cmd/crane, the
// module's tool), built once.
func Crane(t testing.TB) string {
	t.Helper()
	return Binary(t, "crane", "github.com/google/go-containerregistry/cmd/crane")
}

var buildMu sync.Mutex

// Binary builds the main package pkg of berth's module (a path relative
// to its root, or a tool's import path) as name into the user's cache
// directory, berth-test/bin, keyed by go.sum and the package's sources,
// and returns its path; a cached build is reused.
func Binary(t testing.TB, name, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	key := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		key.Write(raw)
	}
	if strings.HasPrefix(pkg, "./") {
		srcs, _ := filepath.Glob(filepath.Join(root, pkg, "*.go"))
		for _, f := range srcs {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			key.Write(raw)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "berth-test", "bin")
	bin := filepath.Join(dir, name+"-"+hex.EncodeToString(key.Sum(nil))[:12])
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}
