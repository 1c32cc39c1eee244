package preview

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Default endpoints of github.com (GITHUB_API_URL and GITHUB_SERVER_URL
// override them, as GitHub Enterprise Server's runners set them).
const (
	DefaultAPIURL    = "https://api.github.com"
	DefaultServerURL = "https://github.com"
)

// Target is the pull request a preview is reported on.
type Target struct {
	Owner, Repo string
	PR          int
	// Branch is the pull request's head branch, known in GitHub Actions
	// (GITHUB_HEAD_REF): the branch `berth up` deploys when none is given.
	Branch string
	// SHA is the commit the deployment is for: the pull request's head
	// (from the event), else GITHUB_SHA; "" leaves it to the caller.
	SHA string
	// RunURL is the CI run's page, the deployment's log_url; "" outside
	// GitHub Actions.
	RunURL    string
	APIURL    string // REST API root, e.g. https://api.github.com
	ServerURL string // web root, e.g. https://github.com
	// Actions reports a run inside GitHub Actions (GITHUB_ACTIONS=true).
	Actions bool

	token string // GITHUB_TOKEN; never printed (String, Scrub)
}

// Flags are the command-line choices that win over GitHub Actions'
// variables.
type Flags struct {
	Repo string // --github-repo OWNER/REPO
	PR   int    // --pr N
}

// Set reports whether either flag was given.
func (f Flags) Set() bool { return f.Repo != "" || f.PR != 0 }

// repoPattern is an OWNER/REPO pair as GitHub allows them.
var repoPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$`)

// Detect finds the pull request to report on: flags first, then GitHub
// Actions' variables (GITHUB_REPOSITORY; the PR number from the
// pull_request event in GITHUB_EVENT_PATH, else GITHUB_REF
// refs/pull/N/merge). It returns nil when there is none: not in Actions
// and no flags, or an Actions run that is not for a pull request. A bad
// flag or variable is an error naming it. The token is GITHUB_TOKEN's
// value ("" when unset: see HasToken).
func Detect(lookup func(string) (string, bool), f Flags) (*Target, error) {
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	actions := get("GITHUB_ACTIONS") == "true"
	if !actions && !f.Set() {
		return nil, nil
	}
	if f.PR < 0 {
		return nil, fmt.Errorf("--pr %d: want a pull request number", f.PR)
	}
	t := &Target{Actions: actions, PR: f.PR, token: get("GITHUB_TOKEN"),
		APIURL:    strings.TrimRight(orDefault(get("GITHUB_API_URL"), DefaultAPIURL), "/"),
		ServerURL: strings.TrimRight(orDefault(get("GITHUB_SERVER_URL"), DefaultServerURL), "/")}

	repo, from := f.Repo, "--github-repo"
	if repo == "" {
		repo, from = get("GITHUB_REPOSITORY"), "GITHUB_REPOSITORY"
	}
	if repo != "" && !repoPattern.MatchString(repo) {
		return nil, fmt.Errorf("%s %q: want OWNER/REPO", from, repo)
	}
	t.Owner, t.Repo, _ = strings.Cut(repo, "/")

	if actions {
		ev := readEvent(get("GITHUB_EVENT_NAME"), get("GITHUB_EVENT_PATH"))
		if t.PR == 0 {
			t.PR = ev.number()
		}
		if t.PR == 0 {
			t.PR = prOfRef(get("GITHUB_REF"))
		}
		if t.PR == ev.number() || f.PR == 0 {
			t.Branch = orDefault(get("GITHUB_HEAD_REF"), ev.PullRequest.Head.Ref)
			t.SHA = orDefault(ev.PullRequest.Head.SHA, get("GITHUB_SHA"))
		}
		if id := get("GITHUB_RUN_ID"); id != "" && repo != "" {
			t.RunURL = t.ServerURL + "/" + repo + "/actions/runs/" + id
			if n, err := strconv.Atoi(get("GITHUB_RUN_ATTEMPT")); err == nil && n > 1 {
				t.RunURL += "/attempts/" + strconv.Itoa(n)
			}
		}
	}
	switch {
	case t.PR == 0 && f.Repo == "":
		return nil, nil // an Actions run that is not for a pull request
	case t.PR == 0:
		return nil, fmt.Errorf("--github-repo %s: no pull request: pass --pr N", repo)
	case repo == "":
		return nil, fmt.Errorf("--pr %d: no repository: pass --github-repo OWNER/REPO (or set GITHUB_REPOSITORY)", t.PR)
	}
	return t, nil
}

// HasToken reports whether GITHUB_TOKEN was set.
func (t *Target) HasToken() bool { return t.token != "" }

// String names the pull request: "owner/repo#42".
func (t *Target) String() string { return fmt.Sprintf("%s/%s#%d", t.Owner, t.Repo, t.PR) }

// Scrub replaces the token in s, should anything ever echo it.
func (t *Target) Scrub(s string) string {
	if t.token == "" {
		return s
	}
	return strings.ReplaceAll(s, t.token, "***")
}

// event is the part of a pull_request event payload berth reads.
type event struct {
	PullRequest struct {
		Number int `json:"number"`
		Head   struct {
			Ref string `json:"ref"`
			SHA string `json:"sha"`
		} `json:"head"`
	} `json:"pull_request"`
}

func (e event) number() int { return max(e.PullRequest.Number, 0) }

// readEvent reads the event payload of a pull_request or
// pull_request_target run; the zero event for other events or when the
// file cannot be read (GITHUB_REF is the fallback).
func readEvent(name, path string) event {
	var e event
	if !strings.HasPrefix(name, "pull_request") || path == "" {
		return e
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return e
	}
	_ = json.Unmarshal(raw, &e)
	return e
}

// prOfRef is N of refs/pull/N/merge (or /head); 0 for other refs.
func prOfRef(ref string) int {
	rest, ok := strings.CutPrefix(ref, "refs/pull/")
	if !ok {
		return 0
	}
	num, _, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
