package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// gitBranches lists the branches of the git repository holding dir: local
// branches and remote-tracking ones without their remote ("origin/x" is
// "x"), each once, sorted.
func gitBranches(dir string) ([]string, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	refs, err := repo.References()
	if err != nil {
		return nil, fmt.Errorf("list git references: %w", err)
	}
	seen := map[string]bool{}
	err = refs.ForEach(func(r *plumbing.Reference) error {
		name := r.Name()
		switch {
		case name.IsBranch():
			seen[name.Short()] = true
		case name.IsRemote():
			_, branch, ok := strings.Cut(name.Short(), "/")
			if ok && branch != "HEAD" {
				seen[branch] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list git references: %w", err)
	}
	// HEAD on a branch without commits yet has no reference of its own.
	if head, err := repo.Reference(plumbing.HEAD, false); err == nil && head.Type() == plumbing.SymbolicReference && head.Target().IsBranch() {
		seen[head.Target().Short()] = true
	}
	out := make([]string, 0, len(seen))
	for b := range seen {
		out = append(out, b)
	}
	sort.Strings(out)
	return out, nil
}
