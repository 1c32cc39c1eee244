// Package envs turns a converted app and a git branch into a dev environment:
// naming (branch → namespace), berth.yaml, the per-branch overlay, lifecycle
// plans (up, down, sleep, wake, gc) and per-environment status.
package envs

// Labels and annotations berth puts on the namespaces and objects it owns.
// Ownership is LabelManagedBy=ManagedByBerth plus a matching LabelProject:
// berth never changes or deletes a namespace or object lacking either.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedByBerth = "berth"
	LabelProject   = "berth.dev/project"     // project name from berth.yaml or the compose project
	LabelBranch    = "berth.dev/branch-slug" // slug of the branch (label-safe)
	LabelEnv       = "berth.dev/env"         // namespace of the environment, on every object in it

	AnnotationBranch     = "berth.dev/branch"      // raw git branch name
	AnnotationOwner      = "berth.dev/owner"       // git user.email or kube user
	AnnotationCreatedAt  = "berth.dev/created-at"  // RFC 3339
	AnnotationLastDeploy = "berth.dev/last-deploy" // RFC 3339, updated by every up
	AnnotationExpiresAt  = "berth.dev/expires-at"  // RFC 3339; gc deletes after this
	AnnotationCommit     = "berth.dev/commit"      // git commit deployed last
	AnnotationSleeping   = "berth.dev/sleeping"    // "true" while scaled to zero
	AnnotationReplicas   = "berth.dev/replicas"    // on workloads: replicas to restore on wake
	AnnotationInventory  = "berth.dev/inventory"   // on the namespace: objects applied by the last up
)

// Labels and annotations the compose converter (compose/) puts on the
// objects of a base; envs reads them to order and name things.
const (
	// LabelService names the compose service an object belongs to.
	LabelService = "berth.dev/service"
	// AnnotationDependsOn is on workloads and Jobs: the compose depends_on
	// as JSON, service → condition, e.g. {"db":"service_healthy"}.
	AnnotationDependsOn = "berth.dev/depends-on"
	// AnnotationPhase set to PreDeployPhase marks a Job that must complete
	// before the app's workloads start (migrations, seed data).
	AnnotationPhase = "berth.dev/phase"
	PreDeployPhase  = "pre-deploy"
	// PostDeployPhase marks a Job run after the workloads rolled out.
	PostDeployPhase = "post-deploy"
	// AnnotationBuildContext is on workloads whose image is built from the
	// app's source: their images get the environment's tag.
	AnnotationBuildContext = "berth.dev/build-context"

	// Conditions of AnnotationDependsOn, as in compose.
	ConditionStarted   = "service_started"
	ConditionHealthy   = "service_healthy"
	ConditionCompleted = "service_completed_successfully"
)
