package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/envs/gitrepo"
)

// gitBranches lists the branches of the git repository holding dir: local
// branches and remote-tracking ones without their remote ("origin/x" is
// "x"), each once, sorted.
func gitBranches(dir string) ([]string, error) {
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	heads, err := repo.Refs("refs/heads/")
	if err != nil {
		return nil, err
	}
	remotes, err := repo.Refs("refs/remotes/")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, h := range heads {
		seen[strings.TrimPrefix(h, "refs/heads/")] = true
	}
	for _, r := range remotes {
		_, branch, ok := strings.Cut(strings.TrimPrefix(r, "refs/remotes/"), "/")
		if ok && branch != "HEAD" {
			seen[branch] = true
		}
	}
	// HEAD on a branch without commits yet has no reference of its own.
	if head, err := repo.Head(); err == nil {
		if b, ok := head.Branch(); ok {
			seen[b] = true
		}
	}
	out := make([]string, 0, len(seen))
	for b := range seen {
		out = append(out, b)
	}
	sort.Strings(out)
	return out, nil
}
