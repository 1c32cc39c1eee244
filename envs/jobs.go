package envs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/meta"
)

// IsPreDeployJob reports whether obj is a Job annotated to run before the
// workloads (meta.AnnotationPhase: meta.PhasePreDeploy).
func IsPreDeployJob(obj *unstructured.Unstructured) bool {
	return obj.GetKind() == "Job" && obj.GetAnnotations()[meta.AnnotationPhase] == meta.PhasePreDeploy
}

// JobContentName returns the name of a pre-deploy Job for its content:
// the base name, "-" and 8 hex digits of the SHA-256 of its pod template
// and commit. A Job that already ran for the same template and commit
// keeps its name (and is not re-run); a changed one gets a new Job, as a
// Job's template cannot be changed.
func JobContentName(job *unstructured.Unstructured, commit string) (string, error) {
	template, _, err := unstructured.NestedFieldNoCopy(job.Object, "spec", "template")
	if err != nil {
		return "", fmt.Errorf("job %s: %w", job.GetName(), err)
	}
	data, err := json.Marshal(template) // maps marshal with sorted keys
	if err != nil {
		return "", fmt.Errorf("job %s: hash template: %w", job.GetName(), err)
	}
	h := sha256.New()
	h.Write(data)
	h.Write([]byte{0})
	h.Write([]byte(commit))
	sum := hex.EncodeToString(h.Sum(nil))[:hashLen]
	// Job names end up in the job-name label of its pods: keep them ≤ 63.
	return truncate(job.GetName(), maxLabel-hashLen-1) + "-" + sum, nil
}

// NameJobByContent names a pre-deploy Job again for its content (after
// its pod template changed, e.g. images pinned by digest).
func NameJobByContent(job *unstructured.Unstructured, commit string) error {
	return nameJobByContent(job, commit)
}

// nameJobByContent renames a pre-deploy Job per JobContentName and records
// its base name in meta.AnnotationJobName.
func nameJobByContent(job *unstructured.Unstructured, commit string) error {
	base := job.GetName()
	if a := job.GetAnnotations()[meta.AnnotationJobName]; a != "" {
		base = a // already content-named
		job.SetName(base)
	}
	name, err := JobContentName(job, commit)
	if err != nil {
		return err
	}
	job.SetName(name)
	ann := job.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[meta.AnnotationJobName] = base
	job.SetAnnotations(ann)
	return nil
}
