package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"
)

// action is the part of action.yml the test reads.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name string `yaml:"name"`
			If   string `yaml:"if"`
			Run  string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// berthCall is `berth WORD ...` in a shell line.
var berthCall = regexp.MustCompile(`(?m)(?:^|[;&|(]\s*|\s)berth ([a-z]+)([^\n;|&]*)`)

// The action installs the archive .goreleaser.yaml releases, verified by
// its checksums, and calls only commands and flags berth has; `berth
// images` (the images work) only behind the push-images input.
func TestActionMatchesReleaseAndCLI(t *testing.T) {
	var a action
	readYAML(t, "../../action.yml", &a)
	var rel struct {
		ProjectName string `yaml:"project_name"`
		Archives    []struct {
			NameTemplate    string   `yaml:"name_template"`
			Formats         []string `yaml:"formats"`
			FormatOverrides []struct {
				Goos    string   `yaml:"goos"`
				Formats []string `yaml:"formats"`
			} `yaml:"format_overrides"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"checksum"`
	}
	readYAML(t, "../../.goreleaser.yaml", &rel)
	if a.Runs.Using != "composite" || len(a.Runs.Steps) == 0 {
		t.Fatalf("action.yml: runs %+v, want composite steps", a.Runs)
	}
	install := a.Runs.Steps[0].Run
	arch := rel.Archives[0]
	if rel.ProjectName != "berth" || arch.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" ||
		!slices.Equal(arch.Formats, []string{"tar.gz"}) || len(arch.FormatOverrides) != 1 || arch.FormatOverrides[0].Goos != "windows" ||
		!slices.Equal(arch.FormatOverrides[0].Formats, []string{"zip"}) || rel.Checksum.NameTemplate != "checksums.txt" {
		t.Fatalf(".goreleaser.yaml's archives changed (%+v, checksum %q): update action.yml's install step to match", rel.Archives, rel.Checksum.NameTemplate)
	}
	for _, want := range []string{`archive="berth_${tag#v}_${os}_${arch}.${ext}"`, "ext=tar.gz", "ext=zip", "--pattern checksums.txt", "-c archive.sha256"} {
		if !strings.Contains(install, want) {
			t.Errorf("install step lacks %q:\n%s", want, install)
		}
	}

	commands := map[string]*cobra.Command{}
	for _, c := range commandTree("berth")[1:] {
		if c.Parent().Name() == "berth" {
			commands[c.Name()] = c
		}
	}
	var calls []string
	for _, step := range a.Runs.Steps {
		for _, m := range berthCall.FindAllStringSubmatch(step.Run, -1) {
			name, rest := m[1], m[2]
			calls = append(calls, name)
			c, ok := commands[name]
			if !ok {
				if name == "images" && strings.Contains(step.If, "inputs.push-images == 'true'") {
					continue // the images command, not in this build yet: opt-in only
				}
				t.Errorf("action.yml step %q runs `berth %s`, which is no command", step.Name, name)
				continue
			}
			for _, f := range strings.Fields(rest) {
				flag, ok := strings.CutPrefix(f, "--")
				if !ok {
					continue
				}
				if c.Flags().Lookup(flag) == nil && c.InheritedFlags().Lookup(flag) == nil {
					t.Errorf("action.yml step %q: `berth %s` has no flag --%s", step.Name, name, flag)
				}
			}
		}
	}
	if !slices.Equal(calls, []string{"images", "up", "down"}) {
		t.Errorf("berth calls in action.yml: %v, want images, up, down", calls)
	}
	if a.Inputs["push-images"].Default != "false" {
		t.Errorf("push-images defaults to %q, want opt-in", a.Inputs["push-images"].Default)
	}
}

// The example workflow runs on every pull request event the preview
// needs, with the permissions the reporter needs, one run per PR.
func TestExampleWorkflow(t *testing.T) {
	var wf struct {
		On struct {
			PullRequest struct {
				Types []string `yaml:"types"`
			} `yaml:"pull_request"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Concurrency struct {
			Group string `yaml:"group"`
		} `yaml:"concurrency"`
		Jobs map[string]struct {
			Steps []struct {
				Uses string `yaml:"uses"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, "../../examples/github/preview.yml", &wf)
	for _, ty := range []string{"opened", "synchronize", "reopened", "closed"} {
		if !slices.Contains(wf.On.PullRequest.Types, ty) {
			t.Errorf("example workflow does not run on pull_request %s", ty)
		}
	}
	if wf.Permissions["deployments"] != "write" || wf.Permissions["pull-requests"] != "write" {
		t.Errorf("example workflow permissions %v", wf.Permissions)
	}
	if !strings.Contains(wf.Concurrency.Group, "github.event.pull_request.number") {
		t.Errorf("example workflow concurrency %q: want one run per pull request", wf.Concurrency.Group)
	}
	uses := false
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			uses = uses || strings.HasPrefix(s.Uses, "berth-dev/berth@")
		}
	}
	if !uses {
		t.Error("example workflow does not use berth's action")
	}
}

// fakeGH is a `gh` that serves releases from a directory: `release view
// --json tagName --jq .tagName` prints the tag, `release download TAG
// --pattern P... --dir D` copies the matching files.
const fakeGH = `#!/usr/bin/env bash
set -euo pipefail
case "$1 $2" in
  "release view") echo "$FAKE_TAG" ;;
  "release download")
    shift 3; dir=.; pats=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --pattern) pats+=("$2"); shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        *) shift ;;
      esac
    done
    for p in "${pats[@]}"; do cp "$FAKE_RELEASE/$p" "$dir/"; done ;;
  *) echo "fake gh: $*" >&2; exit 1 ;;
esac
`

// The install step, run with bash against a release laid out as
// goreleaser does (a fake gh serves it): it downloads the runner's
// archive, verifies it against checksums.txt, puts berth on GITHUB_PATH;
// a tampered archive fails the step.
func TestActionInstallStep(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	osName := map[string]string{"linux": "Linux", "darwin": "macOS"}[runtime.GOOS]
	archName := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	if osName == "" || archName == "" {
		t.Skipf("no runner for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	var a action
	readYAML(t, "../../action.yml", &a)
	script := a.Runs.Steps[0].Run

	release, bin := t.TempDir(), t.TempDir()
	stage := t.TempDir()
	writeFile(t, filepath.Join(stage, "berth"), "#!/bin/sh\necho \"berth version 1.2.3 $*\"\n")
	if err := os.Chmod(filepath.Join(stage, "berth"), 0o755); err != nil {
		t.Fatal(err)
	}
	archive := "berth_1.2.3_" + runtime.GOOS + "_" + runtime.GOARCH + ".tar.gz"
	if out, err := exec.Command("tar", "-czf", filepath.Join(release, archive), "-C", stage, "berth").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(release, archive))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	writeFile(t, filepath.Join(release, "checksums.txt"), hex.EncodeToString(sum[:])+"  "+archive+"\n0000  berth_1.2.3_windows_amd64.zip\n")
	writeFile(t, filepath.Join(bin, "gh"), fakeGH)
	if err := os.Chmod(filepath.Join(bin, "gh"), 0o755); err != nil {
		t.Fatal(err)
	}

	install := func() (string, string, error) {
		runnerTemp := t.TempDir()
		ghPath := filepath.Join(runnerTemp, "github_path")
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "RUNNER_OS="+osName, "RUNNER_ARCH="+archName,
			"RUNNER_TEMP="+runnerTemp, "GITHUB_PATH="+ghPath, "BERTH_VERSION=latest", "GH_TOKEN=x", "FAKE_TAG=v1.2.3", "FAKE_RELEASE="+release)
		out, err := cmd.CombinedOutput()
		path, _ := os.ReadFile(ghPath)
		return string(out), strings.TrimSpace(string(path)), err
	}
	out, path, err := install()
	if err != nil {
		t.Fatalf("install step: %v\n%s", err, out)
	}
	if !strings.Contains(out, "berth version 1.2.3 version") || !strings.HasSuffix(path, "berth-v1.2.3") {
		t.Errorf("install step: GITHUB_PATH %q, output:\n%s", path, out)
	}
	if _, err := os.Stat(filepath.Join(path, "berth")); err != nil {
		t.Errorf("berth not on GITHUB_PATH: %v", err)
	}

	writeFile(t, filepath.Join(release, archive), string(data)+"tampered")
	if out, _, err := install(); err == nil {
		t.Errorf("a tampered archive was installed:\n%s", out)
	}
}
