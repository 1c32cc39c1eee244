// Package envs turns a converted app and a git branch into a dev environment:
// naming (branch → namespace), berth.yaml, the per-branch overlay, lifecycle
// plans (up, down, sleep, wake, gc) and per-environment status.
package envs
