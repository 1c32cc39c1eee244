package preview

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v84/github"
)

// maxDescription is GitHub's limit on a deployment status description.
const maxDescription = 140

// Reporter reports one env's preview on its pull request: a deployment
// per up and one comment. Its methods return what went wrong with GitHub
// for the caller to warn about; none of it is the deploy's failure. Once
// GitHub proved unreachable (5xx, network, rate limit after the retries)
// the remaining calls are skipped.
type Reporter struct {
	t          *Target
	gh         *github.Client
	deployment int64 // the deployment of this up; 0 until created
	comment    int64 // the preview comment; 0 until found or created
	down       error // why GitHub is considered unreachable
}

// NewReporter builds the reporter for t, which must carry a token.
func NewReporter(t *Target, o ClientOptions) (*Reporter, error) {
	if !t.HasToken() {
		return nil, fmt.Errorf("reporting to %s needs GITHUB_TOKEN", t)
	}
	gh, err := newClient(t, o)
	if err != nil {
		return nil, err
	}
	return &Reporter{t: t, gh: gh}, nil
}

// Started reports an up that begins: a new deployment with status
// in_progress, and the comment says it is deploying.
func (r *Reporter) Started(ctx context.Context, rep Report) error {
	var errs []error
	if err := r.createDeployment(ctx, rep); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, r.setStatus(ctx, rep))
	}
	errs = append(errs, r.writeComment(ctx, rep, true))
	return errors.Join(errs...)
}

// Finished reports how the up ended (rep.State ready or failed): the
// deployment's status success or failure with the env's URL and the CI
// run's log, the comment rewritten; after a success, the env's earlier
// deployments are marked inactive.
func (r *Reporter) Finished(ctx context.Context, rep Report) error {
	var errs []error
	err := r.createDeployment(ctx, rep) // a no-op when Started made it
	if err == nil {
		err = r.setStatus(ctx, rep)
	}
	errs = append(errs, err)
	errs = append(errs, r.writeComment(ctx, rep, true))
	if rep.State == StateReady && r.deployment != 0 {
		errs = append(errs, r.deactivate(ctx, rep, r.deployment))
	}
	return errors.Join(errs...)
}

// Closed reports a deleted env: every deployment of its environment is
// marked inactive (GitHub shows it destroyed) and an existing comment
// says it was deleted; no comment is created.
func (r *Reporter) Closed(ctx context.Context, rep Report) error {
	return errors.Join(r.deactivate(ctx, rep, 0), r.writeComment(ctx, rep, false))
}

// call runs f unless GitHub is down, wrapping its error with what it was
// doing; an error that says GitHub is unreachable makes it down.
func (r *Reporter) call(what string, f func() error) error {
	if r.down != nil {
		return nil // already reported
	}
	err := f()
	if err == nil {
		return nil
	}
	e := &apiError{what: "github: " + what, err: err, t: r.t}
	if unavailable(err) {
		r.down = err
		e.skip = true
	}
	return e
}

// createDeployment creates this up's deployment, once.
func (r *Reporter) createDeployment(ctx context.Context, rep Report) error {
	if r.deployment != 0 {
		return nil
	}
	env := rep.Env
	ref := r.t.SHA
	if ref == "" {
		ref = env.Commit
	}
	if ref == "" {
		ref = env.Branch
	}
	return r.call("create deployment", func() error {
		d, _, err := r.gh.Repositories.CreateDeployment(ctx, r.t.Owner, r.t.Repo, &github.DeploymentRequest{
			Ref:                   github.Ptr(ref),
			Task:                  github.Ptr("deploy"),
			AutoMerge:             github.Ptr(false),
			RequiredContexts:      &[]string{}, // the PR's own checks are still running
			Environment:           github.Ptr(env.Namespace),
			Description:           github.Ptr(clip(r.t.Scrub("berth preview of branch "+env.Branch), maxDescription, "…")),
			TransientEnvironment:  github.Ptr(true),
			ProductionEnvironment: github.Ptr(false),
		})
		if err == nil {
			r.deployment = d.GetID()
		}
		return err
	})
}

// deploymentState is the deployment status state of a preview state.
func deploymentState(s State) string {
	switch s {
	case StateReady:
		return "success"
	case StateFailed:
		return "failure"
	case StateDeleted:
		return "inactive"
	}
	return "in_progress"
}

// setStatus adds rep's status to this up's deployment.
func (r *Reporter) setStatus(ctx context.Context, rep Report) error {
	return r.call("set deployment status "+deploymentState(rep.State), func() error {
		_, _, err := r.gh.Repositories.CreateDeploymentStatus(ctx, r.t.Owner, r.t.Repo, r.deployment, r.statusRequest(rep))
		return err
	})
}

func (r *Reporter) statusRequest(rep Report) *github.DeploymentStatusRequest {
	req := &github.DeploymentStatusRequest{State: github.Ptr(deploymentState(rep.State))}
	desc := map[State]string{StateDeploying: "Deploying", StateReady: "Ready", StateDeleted: "Deleted"}[rep.State]
	if rep.State == StateFailed {
		desc = "Failed: " + rep.Reason
	}
	req.Description = github.Ptr(clip(r.t.Scrub(desc), maxDescription, "…"))
	if r.t.RunURL != "" {
		req.LogURL = github.Ptr(r.t.RunURL)
	}
	if len(rep.URLs) > 0 && rep.State != StateDeleted {
		req.EnvironmentURL = github.Ptr(rep.URLs[0].URL)
	}
	return req
}

// deactivate marks every deployment of the env's environment but keep
// inactive, unless its latest status already is.
func (r *Reporter) deactivate(ctx context.Context, rep Report, keep int64) error {
	var ids []int64
	err := r.call("list deployments", func() error {
		opts := &github.DeploymentsListOptions{Environment: rep.Env.Namespace, ListOptions: github.ListOptions{PerPage: 100}}
		for d, err := range r.gh.Repositories.ListDeploymentsIter(ctx, r.t.Owner, r.t.Repo, opts) {
			if err != nil {
				return err
			}
			if d.GetID() != keep {
				ids = append(ids, d.GetID())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	inactive := r.statusRequest(Report{State: StateDeleted})
	if rep.State != StateDeleted {
		inactive.Description = github.Ptr("Superseded by a newer deploy")
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, r.call(fmt.Sprintf("deactivate deployment %d", id), func() error {
			latest, _, err := r.gh.Repositories.ListDeploymentStatuses(ctx, r.t.Owner, r.t.Repo, id, &github.ListOptions{PerPage: 1})
			if err != nil || len(latest) > 0 && latest[0].GetState() == "inactive" {
				return err
			}
			_, _, err = r.gh.Repositories.CreateDeploymentStatus(ctx, r.t.Owner, r.t.Repo, id, inactive)
			return err
		}))
	}
	return errors.Join(errs...)
}

// writeComment edits the env's comment on the pull request, or creates it
// when there is none and create is set.
func (r *Reporter) writeComment(ctx context.Context, rep Report, create bool) error {
	body := r.t.Scrub(Comment(rep, r.t.RunURL))
	return r.call("write comment", func() error {
		if r.comment != 0 {
			_, resp, err := r.gh.Issues.EditComment(ctx, r.t.Owner, r.t.Repo, r.comment, &github.IssueComment{Body: &body})
			if resp == nil || resp.StatusCode != http.StatusNotFound {
				return err
			}
			r.comment = 0 // deleted meanwhile: look again
		}
		if err := r.findComment(ctx, rep.Env.Namespace); err != nil {
			return err
		}
		if r.comment != 0 {
			_, _, err := r.gh.Issues.EditComment(ctx, r.t.Owner, r.t.Repo, r.comment, &github.IssueComment{Body: &body})
			return err
		}
		if !create {
			return nil
		}
		c, _, err := r.gh.Issues.CreateComment(ctx, r.t.Owner, r.t.Repo, r.t.PR, &github.IssueComment{Body: &body})
		if err == nil {
			r.comment = c.GetID()
		}
		return err
	})
}

// findComment looks for the env's comment (Marker) on every page of the
// pull request's comments; the oldest wins.
func (r *Reporter) findComment(ctx context.Context, ns string) error {
	marker := Marker(ns)
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for c, err := range r.gh.Issues.ListCommentsIter(ctx, r.t.Owner, r.t.Repo, r.t.PR, opts) {
		if err != nil {
			return err
		}
		if strings.Contains(c.GetBody(), marker) {
			r.comment = c.GetID()
			return nil
		}
	}
	return nil
}

// Reachable reports whether GitHub answered so far: false once a call
// found it unreachable (the calls after it were skipped).
func (r *Reporter) Reachable() bool { return r.down == nil }

// Deployment is the ID of this up's deployment; 0 when none was created.
func (r *Reporter) Deployment() int64 { return r.deployment }
