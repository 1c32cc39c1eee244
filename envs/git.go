package envs

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// ShortCommitLen is the length of abbreviated commit hashes, as git's default.
const ShortCommitLen = 7

// GitInfo is what berth reads from the app's git repository.
type GitInfo struct {
	Branch      string // branch HEAD points to; the short commit when detached
	Commit      string // full hash of HEAD; "" in a repo without commits
	ShortCommit string
	UserEmail   string // user.email from the repo, global or system config; may be ""
	Detached    bool   // HEAD is a commit, not a branch
}

// ResolveGit reads HEAD and user.email of the git repository holding dir
// (dir or any parent; linked worktrees included).
func ResolveGit(dir string) (GitInfo, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return GitInfo{}, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	head, err := repo.Reference(plumbing.HEAD, false)
	if err != nil {
		return GitInfo{}, fmt.Errorf("read HEAD: %w", err)
	}
	var info GitInfo
	// HEAD is symbolic on a branch, even before the first commit.
	if head.Type() == plumbing.SymbolicReference {
		if !head.Target().IsBranch() {
			return GitInfo{}, fmt.Errorf("HEAD points to %s, not a branch", head.Target())
		}
		info.Branch = head.Target().Short()
	} else {
		info.Detached = true
	}
	resolved, err := repo.Reference(plumbing.HEAD, true)
	switch {
	case err == nil:
		info.Commit = resolved.Hash().String()
		info.ShortCommit = info.Commit[:ShortCommitLen]
	case errors.Is(err, plumbing.ErrReferenceNotFound) && !info.Detached:
		// No commits yet: the branch exists only as HEAD's target.
	default:
		return GitInfo{}, fmt.Errorf("resolve HEAD: %w", err)
	}
	if info.Detached {
		info.Branch = info.ShortCommit
	}
	info.UserEmail = userEmail(repo)
	return info, nil
}

// userEmail returns user.email from the repo's config merged over the
// global and system ones. An unreadable global config counts as absent.
func userEmail(repo *git.Repository) string {
	cfg, err := repo.ConfigScoped(config.SystemScope)
	if err != nil {
		if cfg, err = repo.Config(); err != nil {
			return ""
		}
	}
	return cfg.User.Email
}
