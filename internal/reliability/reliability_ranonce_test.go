package reliability

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// TestCheckRanOnce: a Job whose one pod succeeded passes whether or not
// the pod is still there (a drain may evict it the instant it succeeds);
// a retry, a failure, an unfinished Job or a Job made again do not.
func TestCheckRanOnce(t *testing.T) {
	job := func(succeeded, failed, active int32, complete bool) batchv1.Job {
		j := batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "migrate-1a2b3c4d", UID: "job-uid"}}
		j.Status.Succeeded, j.Status.Failed, j.Status.Active = succeeded, failed, active
		if complete {
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
		}
		return j
	}
	pod := func(name string, owner types.UID) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Labels:          map[string]string{"job-name": "migrate-1a2b3c4d"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Job", Name: "migrate-1a2b3c4d", UID: owner, Controller: ptr.To(true)}},
		}}
	}
	other := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "seed-x", Labels: map[string]string{"job-name": "seed-9f8e7d6c"}}}
	for _, tc := range []struct {
		name    string
		job     batchv1.Job
		pods    []corev1.Pod
		created []string
		want    string // a problem that must be reported; "" for none
	}{
		{"one pod, kept", job(1, 0, 0, true), []corev1.Pod{pod("migrate-a", "job-uid"), other}, []string{"migrate-a"}, ""},
		{"one pod, evicted after it succeeded", job(1, 0, 0, true), []corev1.Pod{other}, []string{"migrate-a"}, ""},
		{"creation event not recorded yet", job(1, 0, 0, true), nil, nil, ""},
		{"retried after a failure", job(1, 1, 0, true), []corev1.Pod{pod("migrate-a", "job-uid")}, []string{"migrate-a", "migrate-b"}, "1 failed"},
		{"still running", job(0, 0, 1, false), []corev1.Pod{pod("migrate-a", "job-uid")}, []string{"migrate-a"}, "not Complete"},
		{"pod of an earlier job of the name", job(1, 0, 0, true), []corev1.Pod{pod("migrate-a", "old-uid"), pod("migrate-b", "job-uid")}, []string{"migrate-b"}, "not controlled by it"},
		{"deleted and made again", job(1, 0, 0, true), []corev1.Pod{pod("migrate-b", "job-uid")}, []string{"migrate-a", "migrate-b"}, "2 pods created"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(checkRanOnce(tc.job, tc.pods, tc.created), "; ")
			if tc.want == "" && got != "" {
				t.Errorf("problems %q, want none", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("problems %q, want one with %q", got, tc.want)
			}
		})
	}
}
