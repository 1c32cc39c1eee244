// Package rollout deploys an environment (berth up): it plans the rendered
// objects into ordered steps, checks they fit (preflight, quota sizing),
// applies them, waits for each step and explains what blocks it, keeps the
// inventory and prunes what left it, and reports progress as Events.
package rollout
