// Package envs turns a converted app and a git branch into a dev environment:
// naming (branch → namespace), berth.yaml, the per-branch overlay and the
// labels that make an object berth's (CheckOwned). Deploying it is package
// rollout, what follows (down, sleep, gc, ...) package lifecycle; an
// environment's health is package status.
package envs
