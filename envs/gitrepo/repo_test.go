package gitrepo

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitEnv isolates git (the real one, which writes what Repo reads) and
// Repo from the machine's config: an empty home, no system file.
func gitEnv(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed to write the repositories these tests read: %v", err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, k := range []string{"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_DIR"} {
		if v, ok := os.LookupEnv(k); ok {
			os.Unsetenv(k)
			t.Cleanup(func() { os.Setenv(k, v) })
		}
	}
	for k, v := range map[string]string{"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"} {
		t.Setenv(k, v)
	}
	return home
}

// git runs git in dir and returns its output, trimmed.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo makes a repository with branch as HEAD and one commit.
func newRepo(t *testing.T, branch string) (dir, commit string) {
	t.Helper()
	dir = t.TempDir()
	git(t, dir, "init", "-q", "-b", branch)
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "a.txt")
	git(t, dir, "commit", "-q", "-m", "a")
	return dir, git(t, dir, "rev-parse", "HEAD")
}

func TestHeadAndResolveFromASubdirectory(t *testing.T) {
	gitEnv(t)
	dir, commit := newRepo(t, "feature/Über-x")
	sub := filepath.Join(dir, "deep", "er")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Open(sub)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.Head()
	if err != nil || h != (Head{Target: "refs/heads/feature/Über-x"}) {
		t.Fatalf("Head() = %+v, %v", h, err)
	}
	if got, err := r.Resolve("HEAD"); err != nil || got != commit {
		t.Errorf("Resolve(HEAD) = %q, %v; want %s", got, err, commit)
	}
}

func TestDetachedHead(t *testing.T) {
	gitEnv(t)
	dir, first := newRepo(t, "main")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "b")
	git(t, dir, "checkout", "-q", "--detach", first)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := r.Head(); err != nil || h != (Head{Hash: first}) {
		t.Errorf("Head() = %+v, %v; want detached at %s", h, err, first)
	}
}

func TestNoCommitsYet(t *testing.T) {
	gitEnv(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "trunk")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve("HEAD"); !errors.Is(err, ErrNoRef) {
		t.Errorf("Resolve(HEAD) before the first commit: %v, want ErrNoRef", err)
	}
}

// Packed references (git gc, git pack-refs) resolve and list as loose
// ones do; a loose one written after the packing wins.
func TestPackedAndLooseReferences(t *testing.T) {
	gitEnv(t)
	dir, first := newRepo(t, "main")
	git(t, dir, "branch", "feat/a")
	git(t, dir, "update-ref", "refs/remotes/origin/main", first)
	git(t, dir, "update-ref", "refs/remotes/origin/shared", first)
	git(t, dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
	git(t, dir, "pack-refs", "--all")
	if _, err := os.Stat(filepath.Join(dir, ".git", "refs", "heads", "feat", "a")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("feat/a still loose after pack-refs: %v", err)
	}
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "b") // main loose again, past its packed entry
	second := git(t, dir, "rev-parse", "HEAD")

	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"HEAD": second, "refs/heads/main": second, "refs/heads/feat/a": first, "refs/remotes/origin/HEAD": first} {
		if got, err := r.Resolve(name); err != nil || got != want {
			t.Errorf("Resolve(%s) = %q, %v; want %s", name, got, err, want)
		}
	}
	if _, err := r.Resolve("refs/heads/nope"); !errors.Is(err, ErrNoRef) {
		t.Errorf("Resolve of a missing branch: %v, want ErrNoRef", err)
	}
	heads, err := r.Refs("refs/heads/")
	slices.Sort(heads)
	if err != nil || !slices.Equal(heads, []string{"refs/heads/feat/a", "refs/heads/main"}) {
		t.Errorf("Refs(refs/heads/) = %v, %v", heads, err)
	}
	remotes, err := r.Refs("refs/remotes/")
	slices.Sort(remotes)
	if err != nil || !slices.Equal(remotes, []string{"refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/shared"}) {
		t.Errorf("Refs(refs/remotes/) = %v, %v", remotes, err)
	}
}

// A linked worktree (git worktree add) has its own HEAD and shares the
// main repository's references and config.
func TestLinkedWorktree(t *testing.T) {
	gitEnv(t)
	dir, commit := newRepo(t, "main")
	git(t, dir, "config", "user.email", "repo@example.com")
	wt := filepath.Join(t.TempDir(), "wt")
	git(t, dir, "worktree", "add", "-q", "-b", "feat", wt)
	r, err := Open(filepath.Join(wt))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := r.Head(); err != nil || h.Target != "refs/heads/feat" {
		t.Errorf("worktree Head() = %+v, %v", h, err)
	}
	if got, err := r.Resolve("HEAD"); err != nil || got != commit {
		t.Errorf("worktree Resolve(HEAD) = %q, %v; want %s", got, err, commit)
	}
	if got := r.UserEmail(); got != "repo@example.com" {
		t.Errorf("worktree UserEmail() = %q, want the main repository's", got)
	}
	main, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := main.Head(); h.Target != "refs/heads/main" {
		t.Errorf("main repository's HEAD moved: %+v", h)
	}
}

func TestNotARepo(t *testing.T) {
	gitEnv(t)
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrNotARepo) {
		t.Errorf("Open outside a repository: %v, want ErrNotARepo", err)
	}
}

// user.email as git itself reads it: the repository's over the global
// file, include.path followed, quotes, escapes and comments read.
func TestUserEmailAsGitReadsIt(t *testing.T) {
	home := gitEnv(t)
	dir, _ := newRepo(t, "main")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.UserEmail(); got != "" {
		t.Errorf("no email set: %q", got)
	}
	write := func(p, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		t.Helper()
		want := ""
		cmd := exec.Command("git", "config", "user.email")
		cmd.Dir = dir
		if out, err := cmd.Output(); err == nil {
			want = strings.TrimSpace(string(out))
		}
		if got := r.UserEmail(); got != want || want == "" {
			t.Errorf("%s: UserEmail() = %q, git says %q", what, got, want)
		}
	}
	write(filepath.Join(home, ".config", "git", "config"), "[user]\n\temail = xdg@example.com\n")
	check("XDG global file")
	write(filepath.Join(home, ".gitconfig"), "# mine\n[User]\n\tname = T\n\tEMAIL = \"quoted \\\"q\\\"@example.com\" ; a comment\n")
	check("~/.gitconfig over the XDG file, quoted and commented")
	write(filepath.Join(home, "work.inc"), "[user]\n    email = included@example.com   # trailing\n")
	write(filepath.Join(home, ".gitconfig"), "[user]\n\temail = before@example.com\n[include]\n\tpath = work.inc\n")
	check("include.path, relative to the including file")
	git(t, dir, "config", "user.email", "local@example.com")
	check("the repository's config over the global")
}
