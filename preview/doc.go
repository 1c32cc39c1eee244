// Package preview reports a pull request's preview environment to GitHub:
// `berth up` creates a GitHub Deployment for the env (its namespace as the
// environment, transient, not production) with statuses in_progress, then
// success or failure, and keeps one sticky comment on the pull request up
// to date (found again by a hidden marker, edited, never duplicated) with
// the services, URLs, expiry, the failure and the command that deploys it
// again; `berth down` marks the deployments inactive and says so in the
// comment.
//
// Where to report comes from GitHub Actions' variables or flags (Detect);
// the token only from GITHUB_TOKEN, and it is never printed: errors are
// scrubbed of it (Target.Scrub). GitHub calls are retried with backoff on
// 5xx and rate limits (retry.go); a GitHub that stays unreachable is
// reported as an error for the caller to warn about, never a failed
// deploy. The client is go-github's, pointed at GITHUB_API_URL.
package preview
