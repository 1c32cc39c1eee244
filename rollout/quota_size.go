package rollout

import (
	"fmt"
	"math"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/berth-dev/berth/envs"
)

// Sizing of the quota from the app: need × quotaHeadroom, rounded up (whole
// cores, whole Gi, whole counts), at least quotaFloor, at most the ceiling.
const quotaHeadroom = 1.5

// quotaFloor is the least a sized quota allows (the fixed quota of earlier
// versions), so a small app keeps room for rollouts and debugging pods.
func quotaFloor() map[string]envs.Quantity {
	return map[string]envs.Quantity{
		"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi",
		"requests.storage": "50Gi", "persistentvolumeclaims": "10", "pods": "50",
	}
}

// SizedHard is the spec.hard of a sized quota: for each resource of the
// ceiling, need × 1.5 rounded up, at least quotaFloor, at most the
// ceiling; a resource whose need berth does not compute gets the ceiling.
func SizedHard(need Need, ceiling map[string]resource.Quantity) map[string]resource.Quantity {
	floor := quotaFloor()
	out := make(map[string]resource.Quantity, len(ceiling))
	for r, c := range ceiling {
		n, known := need.Amounts[quotaKey(r)]
		if !known {
			out[r] = c
			continue
		}
		v := withHeadroom(r, n)
		if f, ok := floor[quotaKey(r)]; ok {
			if fq := resource.MustParse(string(f)); fq.Cmp(v) > 0 {
				v = fq
			}
		}
		if v.Cmp(c) > 0 {
			v = c
		}
		out[r] = v
	}
	return out
}

// withHeadroom returns n × quotaHeadroom rounded up: to whole cores for
// CPU, whole Gi for memory and storage, whole numbers for counts.
func withHeadroom(r string, n resource.Quantity) resource.Quantity {
	switch {
	case strings.Contains(r, "cpu"):
		cores := math.Ceil(float64(n.MilliValue()) * quotaHeadroom / 1000)
		return *resource.NewQuantity(int64(cores), resource.DecimalSI)
	case strings.Contains(r, "memory") || strings.Contains(r, "storage"):
		gi := math.Ceil(float64(n.Value()) * quotaHeadroom / (1 << 30))
		return resource.MustParse(fmt.Sprintf("%dGi", int64(gi)))
	}
	return *resource.NewQuantity(int64(math.Ceil(float64(n.Value())*quotaHeadroom)), resource.DecimalSI)
}
