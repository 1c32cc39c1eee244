package envs

import (
	"errors"
	"fmt"

	"github.com/berth-dev/berth/envs/gitrepo"
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
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return GitInfo{}, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	head, err := repo.Head()
	if err != nil {
		return GitInfo{}, fmt.Errorf("read HEAD: %w", err)
	}
	var info GitInfo
	if head.Target == "" {
		info.Detached, info.Commit = true, head.Hash
	} else {
		// HEAD is symbolic on a branch, even before the first commit.
		branch, ok := head.Branch()
		if !ok {
			return GitInfo{}, fmt.Errorf("HEAD points to %s, not a branch", head.Target)
		}
		info.Branch = branch
		switch info.Commit, err = repo.Resolve(head.Target); {
		case errors.Is(err, gitrepo.ErrNoRef):
			// No commits yet: the branch exists only as HEAD's target.
		case err != nil:
			return GitInfo{}, fmt.Errorf("resolve HEAD: %w", err)
		}
	}
	if info.Commit != "" {
		info.ShortCommit = info.Commit[:ShortCommitLen]
	}
	if info.Detached {
		info.Branch = info.ShortCommit
	}
	info.UserEmail = repo.UserEmail()
	return info, nil
}
