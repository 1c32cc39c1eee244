package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/preview"
)

// githubTimeout bounds the GitHub calls of one report (retries included).
const githubTimeout = 2 * time.Minute

// githubFlags are the pull request flags of up and down (package preview):
// where to report, and the reporter once resolved.
type githubFlags struct {
	flags  preview.Flags
	lookup lookupFunc // the environment; os.LookupEnv once registered

	// set by resolve
	target   *preview.Target
	reporter *preview.Reporter
}

func (g *githubFlags) register(cmd *cobra.Command) {
	g.lookup = os.LookupEnv
	f := cmd.Flags()
	f.StringVar(&g.flags.Repo, "github-repo", "", "GitHub repository of --pr, OWNER/REPO (default in GitHub Actions: $GITHUB_REPOSITORY)")
	f.IntVar(&g.flags.PR, "pr", 0, "pull request to report on: a GitHub Deployment and one comment, with $GITHUB_TOKEN (default in GitHub Actions: the pull_request event's)")
}

// resolve finds the pull request (flags, else GitHub Actions' variables)
// and builds its reporter when GITHUB_TOKEN is set. Without a token, the
// flags are a usage error; a detected pull request is only noted on out.
func (g *githubFlags) resolve(out io.Writer) error {
	t, err := preview.Detect(g.lookup, g.flags)
	if err != nil {
		return &exitCodeError{code: exitUsage, err: err}
	}
	g.target = t
	if t == nil {
		return nil
	}
	if !t.HasToken() {
		if g.flags.Set() {
			return usageError("--pr/--github-repo: reporting to %s needs GITHUB_TOKEN", t)
		}
		fmt.Fprintf(out, "pull request %s: set GITHUB_TOKEN to report the deployment and comment on it\n", t)
		return nil
	}
	g.reporter, err = preview.NewReporter(t, preview.ClientOptions{})
	if err != nil {
		return &exitCodeError{code: exitUsage, err: err}
	}
	return nil
}

// pr is the pull request number, 0 without one.
func (g *githubFlags) pr() int {
	if g.target == nil {
		return 0
	}
	return g.target.PR
}

// branch is the pull request's head branch in GitHub Actions, "" otherwise.
func (g *githubFlags) branch() string {
	if g.target == nil {
		return ""
	}
	return g.target.Branch
}

// report runs one GitHub report, bounded by githubTimeout; what goes wrong
// is a warning on errOut, never the command's failure. Nothing is sent
// once ctx is cancelled (Ctrl-C). It reports whether all went well.
func (g *githubFlags) report(ctx context.Context, errOut io.Writer, f func(context.Context, *preview.Reporter) error) bool {
	if g.reporter == nil || ctx.Err() != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, githubTimeout)
	defer cancel()
	if err := f(ctx, g.reporter); err != nil {
		fmt.Fprintf(errOut, "warning: %s\n", g.target.Scrub(err.Error()))
		return false
	}
	return g.reporter.Reachable() // else skipped: warned about before
}
