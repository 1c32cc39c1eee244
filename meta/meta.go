// Package meta is berth's label and annotation contract: every key berth
// writes on or reads from a Kubernetes object, and their well-known values,
// with one name each. `berth convert` (compose) writes some on the base,
// `berth up` (envs) writes the rest and reads them all; k8s, tui and cmd
// read them. FitName is how both fit names into Kubernetes' limits. It
// imports only the standard library, so anything may import it.
package meta

// Ownership. berth owns a namespace or object only when it carries
// LabelManagedBy=ManagedByBerth and a matching LabelProject: it never
// changes or deletes one lacking either.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedByBerth = "berth"
	LabelProject   = "berth.dev/project" // project name from berth.yaml or the compose project
)

// Environment identity and lifecycle, on the namespace (LabelEnv and
// AnnotationReplicas on the objects in it).
const (
	LabelBranch = "berth.dev/branch-slug" // slug of the branch (label-safe)
	LabelEnv    = "berth.dev/env"         // namespace of the environment, on every object in it

	AnnotationBranch     = "berth.dev/branch"      // raw git branch name
	AnnotationOwner      = "berth.dev/owner"       // git user.email or kube user
	AnnotationCreatedAt  = "berth.dev/created-at"  // RFC 3339
	AnnotationLastDeploy = "berth.dev/last-deploy" // RFC 3339, updated by every up
	AnnotationExpiresAt  = "berth.dev/expires-at"  // RFC 3339; gc deletes after this
	AnnotationCommit     = "berth.dev/commit"      // git commit deployed last
	AnnotationSleeping   = "berth.dev/sleeping"    // "true" while scaled to zero
	AnnotationReplicas   = "berth.dev/replicas"    // on workloads: replicas to restore on wake
	AnnotationInventory  = "berth.dev/inventory"   // on the namespace: objects applied by the last up
	// AnnotationURLs is on the namespace: the environment's URLs, a JSON
	// list of {"service","url"} sorted by service, set by up when berth.yaml
	// sets a domain. Every output reads it from there.
	AnnotationURLs = "berth.dev/urls"
	// AnnotationPullRequest is on the namespace: the number of the pull
	// request the environment was last deployed for (`berth up --pr`, or
	// detected in GitHub Actions); absent otherwise.
	AnnotationPullRequest = "berth.dev/pull-request"
	// AnnotationStorage is on the namespace: the persistent volume storage
	// the last up requested (a quantity, e.g. "21Gi"), for the env's cost.
	AnnotationStorage = "berth.dev/storage"
	// AnnotationBorrowed is on the namespace of an env deployed in changed
	// mode: JSON naming its baseline, the services deployed here and those
	// borrowed from the baseline (with the fingerprint each had then), and
	// the objects and pods borrowing saved (status.Borrowing).
	AnnotationBorrowed = "berth.dev/borrowed"
	// AnnotationBorrowedFrom is on a Service changed mode made in the env
	// for a borrowed service: the baseline namespace it points at.
	AnnotationBorrowedFrom = "berth.dev/borrowed-from"
)

// The contract between `berth convert`, which puts these on the objects of
// a base, and `berth up`, which reads them to order and name things.
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
	// project directory, of an image built from source: such workloads get
	// the environment's image tag.
	AnnotationBuildContext = "berth.dev/build-context"
	// AnnotationExternalVolume marks a claim the dev overlay creates for an
	// external compose volume (the value is the volume's name): `berth up`
	// maps it to existing data when berth.yaml says so.
	AnnotationExternalVolume = "berth.dev/external-volume"
	// AnnotationJobName is set on a content-named Job to its name in the base.
	AnnotationJobName = "berth.dev/job-name"
	// AnnotationPublishedPort is set on the Service of a compose service
	// with published `ports:` and no ingress (nor x-berth `ingress: false`)
	// to the name of its first published TCP port: when berth.yaml sets a
	// domain, the dev overlay exposes that port on the environment's host.
	AnnotationPublishedPort = "berth.dev/published-port"

	// AnnotationFingerprint is set by `berth up` on each workload and Job
	// to a hash of what it runs as rendered: its spec (images, env,
	// command, volumes) with the env's own names taken out, own images by
	// their build context's content, and the content of the ConfigMaps and
	// Secrets it uses. Equal fingerprints in two envs mean the same service
	// (changed mode compares them with the baseline's).
	AnnotationFingerprint = "berth.dev/fingerprint"

	// AnnotationSourcePrint is set by `berth up` on each workload and Job
	// of a converted app to a hash of what its service is rendered from
	// (envs.App.SourcePrints): a branch whose service has the baseline's
	// print borrows it without rendering it.
	AnnotationSourcePrint = "berth.dev/source-print"

	// PhasePreDeploy is the AnnotationPhase value of Jobs others wait for
	// (migrations, seed data).
	PhasePreDeploy = "pre-deploy"
	// PhasePostDeploy is the AnnotationPhase value of Jobs run after rollout.
	PhasePostDeploy = "post-deploy"
)

// Conditions in AnnotationDependsOn, as compose spells them in depends_on.
const (
	ConditionStarted   = "service_started"
	ConditionHealthy   = "service_healthy"
	ConditionCompleted = "service_completed_successfully"
)

// sops-encrypted secrets: `berth convert` keeps them encrypted in the
// kustomize tree, `berth up` decrypts them in memory.
const (
	// AnnotationSOPS marks a secretGenerator (through its options, so the
	// Secret carries it too) whose files are sops-encrypted; the value is
	// their format.
	AnnotationSOPS = "berth.dev/sops"
	// AnnotationSOPSSource is the encrypted file in the app's repository
	// (relative to the compose project directory) the generator's copy
	// was made from, for error messages.
	AnnotationSOPSSource = "berth.dev/sops-source"
)

// berth's ResourceQuota: where its limits come from.
const (
	// AnnotationQuotaCeiling (JSON resource → quantity) marks a quota up
	// sizes from the app (berth.yaml sets no quota.hard): its spec.hard is
	// the ceiling until up replaces it with the sized limits.
	AnnotationQuotaCeiling = "berth.dev/quota-ceiling"
	// AnnotationQuotaLines (JSON resource → line) holds the berth.yaml line
	// of each limit (quota.hard, or quota.ceiling when sized) set there.
	AnnotationQuotaLines = "berth.dev/quota-lines"
)

// Labels of berth's own tests and benchmarks, never set by the product.
const (
	// LabelTest marks namespaces the integration tests create.
	LabelTest = "berth.dev/test"
	// LabelBench marks every object of a benchmark load with its run id.
	LabelBench = "berth.dev/bench"
)
