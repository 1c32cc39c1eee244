package testcluster_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5"

	"github.com/berth-dev/berth/internal/testcluster"
)

// The extra files are in the app's one commit (no empty commit after it),
// and CommitAll commits what changed later.
func TestRealisticRepoWithAndCommitAll(t *testing.T) {
	dir := testcluster.RealisticRepoWith(t, "feature/x", map[string]string{"berth.yaml": "project: sentry\n"})
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := commits(t, repo); n != 1 {
		t.Fatalf("%d commits, want 1", n)
	}
	head, _ := repo.Head()
	c, _ := repo.CommitObject(head.Hash())
	if f, err := c.File("berth.yaml"); err != nil || f == nil {
		t.Fatalf("berth.yaml not in the first commit: %v", err)
	}
	if head.Name().Short() != "feature/x" {
		t.Errorf("branch %s", head.Name().Short())
	}

	if err := os.WriteFile(filepath.Join(dir, "later.yaml"), []byte("x: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testcluster.CommitAll(t, dir, "later")
	if n := commits(t, repo); n != 2 {
		t.Fatalf("%d commits after CommitAll, want 2", n)
	}
	wt, _ := repo.Worktree()
	if st, err := wt.Status(); err != nil || !st.IsClean() {
		t.Errorf("worktree after CommitAll: %v %v", st, err)
	}
}

func commits(t *testing.T, repo *git.Repository) int {
	t.Helper()
	it, err := repo.Log(&git.LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := it.Next(); err == nil; _, err = it.Next() {
		n++
	}
	return n
}
