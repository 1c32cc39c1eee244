// Package envs turns a converted app and a git branch into a dev environment:
// naming (branch → namespace), berth.yaml, the per-branch overlay and
// lifecycle plans (up, down, sleep, wake, gc). An environment's health is
// package status.
package envs
