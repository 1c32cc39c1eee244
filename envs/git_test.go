package envs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// isolateGitConfig points the global git config at an empty home.
func isolateGitConfig(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	return home
}

func commitFile(t *testing.T, repo *git.Repository, dir, name string) plumbing.Hash {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add(name); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(1700000000, 0)}
	h, err := wt.Commit("add "+name, &git.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestResolveGitBranch(t *testing.T) {
	isolateGitConfig(t)
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("Feature/ÜBER_x")},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := commitFile(t, repo, dir, "a.txt")
	sub := filepath.Join(dir, "deep", "er")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	info, err := ResolveGit(sub) // found from a subdirectory
	if err != nil {
		t.Fatal(err)
	}
	want := GitInfo{Branch: "Feature/ÜBER_x", Commit: h.String(), ShortCommit: h.String()[:7]}
	if info != want {
		t.Errorf("got %+v, want %+v", info, want)
	}
}

func TestResolveGitDetached(t *testing.T) {
	isolateGitConfig(t)
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	first := commitFile(t, repo, dir, "a.txt")
	commitFile(t, repo, dir, "b.txt")
	wt, _ := repo.Worktree()
	if err := wt.Checkout(&git.CheckoutOptions{Hash: first}); err != nil {
		t.Fatal(err)
	}
	info, err := ResolveGit(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Detached || info.Commit != first.String() || info.Branch != first.String()[:7] || info.ShortCommit != info.Branch {
		t.Errorf("detached: %+v, want commit %s", info, first)
	}
}

func TestResolveGitNoCommits(t *testing.T) {
	isolateGitConfig(t)
	dir := t.TempDir()
	if _, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("trunk")},
	}); err != nil {
		t.Fatal(err)
	}
	info, err := ResolveGit(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info != (GitInfo{Branch: "trunk"}) {
		t.Errorf("got %+v, want branch trunk and no commit", info)
	}
}

func TestResolveGitUserEmail(t *testing.T) {
	home := isolateGitConfig(t)
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[user]\n\temail = global@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ResolveGit(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.UserEmail != "global@example.com" {
		t.Errorf("global email: got %q", info.UserEmail)
	}

	cfg, err := repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.User.Email = "local@example.com"
	if err := repo.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if info, err = ResolveGit(dir); err != nil || info.UserEmail != "local@example.com" {
		t.Errorf("local email overrides global: got %q, %v", info.UserEmail, err)
	}
}

func TestResolveGitNotARepo(t *testing.T) {
	isolateGitConfig(t)
	if _, err := ResolveGit(t.TempDir()); err == nil {
		t.Fatal("no error outside a repository")
	}
}
