package compose

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/meta"
)

// oneShotCommand recognises migration and seed commands.
var oneShotCommand = regexp.MustCompile(`(?i)(\bmigrat(e|ion|ions)\b|\bseed(s|er)?\b|db:(migrate|seed|setup)|alembic\s+upgrade|\bflyway\b|\bliquibase\b|prisma\s+(migrate|db\s+push)|manage\.py\s+(migrate|loaddata))`)

// isOneShot reports services that run to completion: an explicit restart
// "no" or "on-failure" with nothing listening, or a migration/seed command.
// A service that declares ports or that others reach by name stays a
// long-running workload.
func isOneShot(s types.ServiceConfig, reached bool) bool {
	if len(s.Ports) > 0 || len(s.Expose) > 0 || reached {
		return false
	}
	r := s.Restart
	if r == types.RestartPolicyNo || strings.HasPrefix(r, types.RestartPolicyOnFailure) {
		return true
	}
	cmd := strings.Join(append(append([]string{}, s.Entrypoint...), s.Command...), " ")
	return r == "" && oneShotCommand.MatchString(cmd)
}

// jobPhase is the phase annotation of a Job: pre-deploy when others wait
// for it to complete, else what x-berth says.
func jobPhase(pl *plan, awaited bool) string {
	if pl.x.Phase != "" {
		return pl.x.Phase
	}
	if awaited {
		return meta.PhasePreDeploy
	}
	return ""
}

// jobObject wraps a pod template in a Job. A pod the cluster takes away
// (a spot interruption's drain, preemption: condition DisruptionTarget) is
// not the job failing: it does not count against the backoff limit, and
// the Job controller runs it again. Kubernetes allows a pod failure policy
// only with restartPolicy Never.
func (c *converter) jobObject(pl *plan, om metav1.ObjectMeta, tpl corev1.PodTemplateSpec) *batchv1.Job {
	backoff := int32(0)
	tpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	if strings.HasPrefix(pl.s.Restart, types.RestartPolicyOnFailure) {
		tpl.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		backoff = 6
		if _, n, ok := strings.Cut(pl.s.Restart, ":"); ok {
			if v, err := strconv.ParseInt(n, 10, 32); err == nil && v >= 0 {
				backoff = int32(v)
			}
		}
	}
	if pl.s.Deploy != nil && pl.s.Deploy.RestartPolicy != nil && pl.s.Deploy.RestartPolicy.MaxAttempts != nil {
		backoff = int32(min(*pl.s.Deploy.RestartPolicy.MaxAttempts, 1000))
	}
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: kindJob},
		ObjectMeta: om,
		Spec: batchv1.JobSpec{
			BackoffLimit: &backoff,
			Template:     tpl,
		},
	}
	if tpl.Spec.RestartPolicy == corev1.RestartPolicyNever {
		job.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
			Action:          batchv1.PodFailurePolicyActionIgnore,
			OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}},
		}}}
	}
	return job
}
