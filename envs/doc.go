// Package envs turns a converted app and a git branch into a dev environment:
// naming (branch → namespace), berth.yaml, the per-branch overlay, and the
// lifecycle of an environment (down, sleep, wake, gc, list, notify) behind
// one ownership gate, OwnedNamespace. Deploying it is package rollout; an
// environment's health is package status.
package envs
