package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/berth-dev/berth/internal/testcluster"
)

// branchRepo is examples/shop in a git repo on main with more branches:
// local feature/login and release/1.0, and origin's feature/remote (plus
// origin/HEAD, which is no branch).
func branchRepo(t *testing.T) string {
	t.Helper()
	dir := testcluster.ExampleRepo(t, "shop", "main", nil)
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []*plumbing.Reference{
		plumbing.NewHashReference(plumbing.NewBranchReferenceName("feature/login"), head.Hash()),
		plumbing.NewHashReference(plumbing.NewBranchReferenceName("release/1.0"), head.Hash()),
		plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", "feature/remote"), head.Hash()),
		plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", "main"), head.Hash()),
		plumbing.NewSymbolicReference(plumbing.NewRemoteReferenceName("origin", "HEAD"), plumbing.NewRemoteReferenceName("origin", "main")),
	} {
		if err := repo.Storer.SetReference(ref); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGitBranches(t *testing.T) {
	dir := branchRepo(t)
	sub := filepath.Join(dir, "web")
	got, err := gitBranches(sub) // from a subdirectory, like berth's commands
	if err != nil {
		t.Fatal(err)
	}
	want := "feature/login feature/remote main release/1.0"
	if strings.Join(got, " ") != want {
		t.Fatalf("branches %q, want %s", got, want)
	}
	if _, err := gitBranches(t.TempDir()); err == nil {
		t.Fatal("no error outside a git repository")
	}
}

// completions runs `berth __complete args...` and returns the values
// offered (descriptions cut) and the directive line.
func completions(t *testing.T, args ...string) (values []string, directive string) {
	t.Helper()
	code, out, errOut := runRoot(t, append([]string{"__complete"}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %v: exit %d: %s", args, code, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, ":") {
			directive = line
			continue
		}
		v, _, _ := strings.Cut(line, "\t")
		values = append(values, v)
	}
	return values, directive
}

// A cluster that accepts connections and never answers must not hang TAB:
// the git branches come back within the completion timeout.
func TestCompletionWithAHangingCluster(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: hang, cluster: {server: "https://` + ln.Addr().String() + `", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: hang, context: {cluster: hang, user: u}}]
current-context: hang
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := branchRepo(t)
	start := time.Now()
	values, directive := completions(t, "--kubeconfig", kubeconfig, "down", "--dir", dir, "feature/")
	if took := time.Since(start); took > completionTimeout+2*time.Second {
		t.Errorf("completion took %s", took)
	}
	if strings.Join(values, " ") != "feature/login feature/remote" || directive != ":4" {
		t.Fatalf("got %q %s; want the feature branches and no file completion", values, directive)
	}
	// --context completes from the kubeconfig without the cluster.
	if values, _ := completions(t, "--kubeconfig", kubeconfig, "ls", "--context", ""); strings.Join(values, " ") != "hang" {
		t.Errorf("--context: %q", values)
	}
}

// Branch arguments complete from git and from the project's environments on
// the cluster; namespaces too where a namespace is accepted.
func TestCompletionOnTheCluster(t *testing.T) {
	c := testcluster.Client(t)
	kubeconfig := testcluster.Kubeconfig(t)
	project := testcluster.UniqueName("comp")
	ns := cliEnv(t, c, project, "feature/deployed", nil)
	other := cliEnv(t, c, testcluster.UniqueName("other"), "feature/elsewhere", nil)
	dir := branchRepo(t)

	for _, cmd := range []string{"down", "status", "sleep", "wake"} {
		values, directive := completions(t, "--kubeconfig", kubeconfig, cmd, "--dir", dir, "--project", project, "")
		got := " " + strings.Join(values, " ") + " "
		for _, want := range []string{"main", "feature/login", "feature/remote", "release/1.0", "feature/deployed", ns} {
			if !strings.Contains(got, " "+want+" ") {
				t.Errorf("%s: %q lacks %s", cmd, values, want)
			}
		}
		if strings.Contains(got, other) || strings.Contains(got, "feature/elsewhere") {
			t.Errorf("%s: another project's env offered: %q", cmd, values)
		}
		if directive != ":4" {
			t.Errorf("%s: directive %s, want :4 (no files)", cmd, directive)
		}
		// One argument at most.
		if values, _ := completions(t, "--kubeconfig", kubeconfig, cmd, "--dir", dir, "main", ""); len(values) != 0 {
			t.Errorf("%s: second argument completed: %q", cmd, values)
		}
	}
	// up --branch: branches, no namespaces.
	values, _ := completions(t, "--kubeconfig", kubeconfig, "up", "--dir", dir, "--project", project, "--branch", "feature/")
	if strings.Join(values, " ") != "feature/deployed feature/login feature/remote" {
		t.Errorf("up --branch: %q", values)
	}
	// --project: the projects with environments.
	values, _ = completions(t, "--kubeconfig", kubeconfig, "ls", "--project", project[:6])
	if !strings.Contains(" "+strings.Join(values, " ")+" ", " "+project+" ") {
		t.Errorf("--project: %q lacks %s", values, project)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		for _, argv0 := range []string{"berth", "kubectl-berth"} {
			var out, errOut strings.Builder
			code := run(context.Background(), []string{argv0, "completion", shell}, strings.NewReader(""), &out, &errOut)
			script := out.String()
			if code != exitOK || !strings.Contains(script, "__complete") || !strings.Contains(script, argv0) {
				t.Errorf("%s completion %s: exit %d, %d bytes, %s", argv0, shell, code, len(script), errOut.String())
			}
		}
	}
}

// kubectl runs kubectl_complete-berth with the words after "kubectl berth".
func TestKubectlCompletionHelper(t *testing.T) {
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"/usr/bin/kubectl_complete-berth", "ls", "-o", ""}, strings.NewReader(""), &out, &errOut)
	if code != exitOK || !strings.Contains(out.String(), "json\nyaml\nwide\n") {
		t.Fatalf("exit %d: %q %q", code, out.String(), errOut.String())
	}
}
