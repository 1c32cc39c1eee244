package compose

// The label and annotation contract between `berth convert` and `berth up`.
const (
	// LabelService carries the compose service name on every object
	// generated for a service and on its pod template.
	LabelService = "berth.dev/service"
	// LabelName is the well-known app name label, set to the service name.
	LabelName = "app.kubernetes.io/name"

	// AnnotationDependsOn is a JSON object on workloads and Jobs mapping each
	// compose dependency to its condition, e.g.
	// {"db":"service_healthy","migrate":"service_completed_successfully"}.
	AnnotationDependsOn = "berth.dev/depends-on"
	// AnnotationPhase marks Jobs that must complete before (PhasePreDeploy)
	// or run after (PhasePostDeploy) the workloads roll out.
	AnnotationPhase = "berth.dev/phase"
	// AnnotationBuildContext is the compose build context, relative to the
	// project directory, of an image built from source.
	AnnotationBuildContext = "berth.dev/build-context"
	// AnnotationExternalVolume marks a claim the dev overlay creates for an
	// external compose volume (the value is the volume's name): `berth up`
	// maps it to existing data when berth.yaml says so.
	AnnotationExternalVolume = "berth.dev/external-volume"

	// PhasePreDeploy is the AnnotationPhase value of Jobs others wait for.
	PhasePreDeploy = "pre-deploy"
	// PhasePostDeploy is the AnnotationPhase value of Jobs run after rollout.
	PhasePostDeploy = "post-deploy"
)

// depends_on conditions, as compose spells them.
const (
	ConditionStarted   = "service_started"
	ConditionHealthy   = "service_healthy"
	ConditionCompleted = "service_completed_successfully"
)
