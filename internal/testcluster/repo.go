package testcluster

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/berth-dev/berth/internal/genapp"
)

// RepoEmail is the user.email of the repos ExampleRepo makes.
const RepoEmail = "dev@example.com"

// ExampleRepo copies examples/<app> into a fresh git repo on branch, with
// user.email RepoEmail in its config, and commits it. edit, when set, may
// rewrite each file (rel is its slash path in the app) before the commit.
func ExampleRepo(t testing.TB, app, branch string, edit func(rel string, data []byte) []byte) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "examples", app)
	dir := t.TempDir()
	err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if edit != nil {
			data = edit(filepath.ToSlash(rel), data)
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy examples/%s: %v", app, err)
	}
	commitRepo(t, dir, branch, app)
	return dir
}

// RealisticRepo writes genapp's realistic big app (the zero options: 60
// services shaped like self-hosted Sentry, no berth.yaml) into a fresh git
// repo on branch, as ExampleRepo does, and returns its directory.
func RealisticRepo(t testing.TB, branch string) string {
	t.Helper()
	return RealisticRepoWith(t, branch, nil)
}

// RealisticRepoWith is RealisticRepo with extra files (path relative to
// the app → content, e.g. a berth.yaml) in the same first commit.
func RealisticRepoWith(t testing.TB, branch string, extra map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sentry")
	if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	for rel, data := range extra {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commitRepo(t, dir, branch, "the app")
	return dir
}

// commitRepo makes dir a git repo on branch with user.email RepoEmail (and
// a user.name, so git itself can commit there too) and
// commits everything in it with message msg.
func commitRepo(t testing.TB, dir, branch, msg string) {
	t.Helper()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(branch)},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Raw.Section("user").SetOption("email", RepoEmail)
	cfg.Raw.Section("user").SetOption("name", "Dev")
	if err := repo.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	commit(t, repo, msg)
}

// CommitAll commits every new and changed file of the repo at dir (one
// ExampleRepo or RealisticRepo made) with message msg, as RepoEmail. A
// commit with no change fails the test.
func CommitAll(t testing.TB, dir, msg string) {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, repo, msg)
}

// commit adds everything in repo's worktree and commits it as RepoEmail.
func commit(t testing.TB, repo *git.Repository, msg string) {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddGlob("."); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "Dev", Email: RepoEmail, When: time.Now()}
	if _, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatalf("commit %q: %v", msg, err)
	}
}
