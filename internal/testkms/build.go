package testkms

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// module is the local KMS server's Go module; tool/go.mod pins its version.
const module = "github.com/nsmithuk/local-kms"

// startDir is the working directory when the test binary started (its
// package's directory), before any test changes it.
var startDir, _ = os.Getwd()

// binary builds local-kms once per process (see Binary).
var binary = sync.OnceValues(build)

// Binary returns the path of the local-kms binary of the version tool/go.mod
// pins, building it first if it is not in berth's cache (~1 min, once per
// machine): <cache>/tools/local-kms-<version>/local-kms (see cacheRoot).
// Test processes building it at the same time take turns.
func Binary() (string, error) { return binary() }

func build() (string, error) {
	toolDir, err := toolModule()
	if err != nil {
		return "", err
	}
	version, err := pinnedVersion(filepath.Join(toolDir, "go.mod"))
	if err != nil {
		return "", err
	}
	home := realHome()
	dir := filepath.Join(cacheRoot(home), "tools", "local-kms-"+version)
	bin := filepath.Join(dir, "local-kms")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("local-kms cache: %w", err)
	}
	unlock, err := lock(filepath.Join(dir, ".lock"))
	if err != nil {
		return "", fmt.Errorf("local-kms cache: %w", err)
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin, nil // another test process built it while this one waited
	}
	tmp := bin + ".tmp"
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", tmp, module)
	cmd.Dir = toolDir
	// The developer's Go caches, whatever $HOME a test set.
	cmd.Env = append(os.Environ(), "HOME="+home, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build local-kms %s: %w\n%s", version, err, out.String())
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("local-kms cache: %w", err)
	}
	return bin, nil
}

// toolModule is internal/testkms/tool of the berth repository holding the
// test's package.
func toolModule() (string, error) {
	for dir := startDir; ; dir = filepath.Dir(dir) {
		raw, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(raw), "module github.com/berth-dev/berth\n") {
			return filepath.Join(dir, "internal", "testkms", "tool"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no berth go.mod above %s", startDir)
		}
	}
}

// pinnedVersion reads the version of module that gomod requires.
func pinnedVersion(gomod string) (string, error) {
	raw, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(module) + `\s+(v\S+)`).FindSubmatch(raw)
	if m == nil {
		return "", fmt.Errorf("%s does not require %s", gomod, module)
	}
	return string(m[1]), nil
}

// realHome is the user's home directory from the user database, not
// $HOME, which tests point elsewhere (secretstest.Use).
func realHome() string {
	if u, err := user.Current(); err == nil && u.HomeDir != "" {
		return u.HomeDir
	}
	home, _ := os.UserHomeDir()
	return home
}

// cacheRoot is berth's cache directory, as the Makefile and
// localcluster/build.sh find it: $BERTH_CACHE_DIR, else
// $XDG_CACHE_HOME/berth, else ~/.cache/berth.
func cacheRoot(home string) string {
	if d := os.Getenv("BERTH_CACHE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "berth")
	}
	return filepath.Join(home, ".cache", "berth")
}
