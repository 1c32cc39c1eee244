// Package gitrepo reads what berth needs from a git repository: the
// repository holding a directory, HEAD, references (loose and packed) and
// the user's email from git's config files. It reads the files git writes
// (gitrepository-layout(5), git-config(1)) and never writes; it is not a
// git implementation — berth needs no objects, index or network, and a
// library that has them (go-git) made every berth command, completion
// included, start slower and bigger.
package gitrepo

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Repo is a repository found on disk.
type Repo struct {
	// GitDir holds HEAD: the .git directory, or a linked worktree's own
	// directory under the main repository's worktrees/.
	GitDir string
	// CommonDir holds the references, packed-refs and config: GitDir, or
	// the main repository's .git for a linked worktree.
	CommonDir string
}

// ErrNotARepo is the error of Open outside any repository.
var ErrNotARepo = errors.New("not a git repository (or any of the parent directories)")

// ErrNoRef is the error of Resolve for a reference that does not exist.
var ErrNoRef = errors.New("reference not found")

// Open finds the repository holding dir: dir or the nearest parent with a
// .git directory, or a .git file naming one (a linked worktree, a
// submodule).
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; {
		p := filepath.Join(d, ".git")
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return open(p)
		case err == nil:
			gitDir, err := readGitFile(p)
			if err != nil {
				return nil, err
			}
			return open(gitDir)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, fmt.Errorf("%s: %w", abs, ErrNotARepo)
		}
		d = parent
	}
}

// readGitFile reads a .git file ("gitdir: <path>", relative to the file).
func readGitFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	dir, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
	if !ok {
		return "", fmt.Errorf("%s: not a gitdir file", p)
	}
	dir = strings.TrimSpace(dir)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(p), dir)
	}
	return dir, nil
}

// open opens the git directory gitDir, whose commondir file (a linked
// worktree's) names where its references and config are.
func open(gitDir string) (*Repo, error) {
	if _, err := os.Stat(filepath.Join(gitDir, "HEAD")); err != nil {
		return nil, fmt.Errorf("%s: no HEAD: %w", gitDir, ErrNotARepo)
	}
	r := &Repo{GitDir: gitDir, CommonDir: gitDir}
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		common := strings.TrimSpace(string(b))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitDir, common)
		}
		r.CommonDir = filepath.Clean(common)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(r.CommonDir, "reftable")); err == nil {
		return nil, fmt.Errorf("%s: references in the reftable format, which berth does not read (pass --branch)", r.CommonDir)
	}
	return r, nil
}

// Head is what HEAD points to: a branch's reference (Target), or a
// commit (Hash) when detached.
type Head struct {
	Target string // e.g. refs/heads/main; "" when detached
	Hash   string // when detached
}

// Branch is the branch HEAD points to ("main" for refs/heads/main);
// false when detached or pointing outside refs/heads/.
func (h Head) Branch() (string, bool) { return strings.CutPrefix(h.Target, "refs/heads/") }

// Head reads HEAD.
func (r *Repo) Head() (Head, error) {
	b, err := os.ReadFile(filepath.Join(r.GitDir, "HEAD"))
	if err != nil {
		return Head{}, err
	}
	s := strings.TrimSpace(string(b))
	if target, ok := strings.CutPrefix(s, "ref:"); ok {
		return Head{Target: strings.TrimSpace(target)}, nil
	}
	if !isHash(s) {
		return Head{}, fmt.Errorf("%s: neither a reference nor a commit: %q", filepath.Join(r.GitDir, "HEAD"), s)
	}
	return Head{Hash: s}, nil
}

// Resolve gives the commit a reference (HEAD, refs/heads/x…) points to,
// following symbolic references; ErrNoRef when it does not exist (a
// branch before its first commit).
func (r *Repo) Resolve(name string) (string, error) {
	for range 10 {
		s, ok, err := r.loose(name)
		if err != nil {
			return "", err
		}
		if !ok {
			packed, err := r.packedRefs()
			if err != nil {
				return "", err
			}
			if h, ok := packed[name]; ok {
				return h, nil
			}
			return "", fmt.Errorf("%s: %w", name, ErrNoRef)
		}
		target, symbolic := strings.CutPrefix(s, "ref:")
		if !symbolic {
			if !isHash(s) {
				return "", fmt.Errorf("reference %s: not a commit: %q", name, s)
			}
			return s, nil
		}
		name = strings.TrimSpace(target)
	}
	return "", fmt.Errorf("reference %s: symbolic references nested too deep", name)
}

// loose reads a loose reference: HEAD and the worktree's own references
// from GitDir, the others from CommonDir.
func (r *Repo) loose(name string) (string, bool, error) {
	dir := r.CommonDir
	if name == "HEAD" || strings.HasPrefix(name, "refs/worktree/") || strings.HasPrefix(name, "refs/bisect/") || strings.HasPrefix(name, "refs/rewritten/") {
		dir = r.GitDir
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	switch {
	case err == nil:
		return strings.TrimSpace(string(b)), true, nil
	case errors.Is(err, fs.ErrNotExist), isDirErr(err):
		return "", false, nil
	}
	return "", false, err
}

// isDirErr reports reading a directory as a file (refs/heads/a when
// refs/heads/a/b exists).
func isDirErr(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		fi, serr := os.Stat(pe.Path)
		return serr == nil && fi.IsDir()
	}
	return false
}

// Refs lists the names of the references under prefix (e.g. "refs/heads/"),
// loose and packed, each once, in no order.
func (r *Repo) Refs(prefix string) ([]string, error) {
	seen := map[string]bool{}
	packed, err := r.packedRefs()
	if err != nil {
		return nil, err
	}
	for name := range packed {
		if strings.HasPrefix(name, prefix) {
			seen[name] = true
		}
	}
	root := filepath.Join(r.CommonDir, filepath.FromSlash(prefix))
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		rel, err := filepath.Rel(r.CommonDir, p)
		if err != nil {
			return err
		}
		seen[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list references: %w", err)
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	return out, nil
}

// packedRefs reads packed-refs: "<hash> <name>" lines, "#" comments and
// "^<hash>" lines (an annotated tag's commit) skipped.
func (r *Repo) packedRefs() (map[string]string, error) {
	f, err := os.Open(filepath.Join(r.CommonDir, "packed-refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		hash, name, ok := strings.Cut(line, " ")
		if ok && isHash(hash) {
			out[strings.TrimSpace(name)] = hash
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return out, nil
}

// isHash reports a full SHA-1 or SHA-256 object name.
func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
