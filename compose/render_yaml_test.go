package compose

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// sameAsRoundTrip checks that objectYAML writes obj as sigs.k8s.io/yaml's
// JSON → YAML round trip does (what renderObjects used before).
func sameAsRoundTrip(t testing.TB, obj any) {
	t.Helper()
	j, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	want, werr := yaml.Marshal(m)
	got, gerr := objectYAML(m, j)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("errors differ: round trip %v, objectYAML %v", werr, gerr)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("objectYAML differs from the round trip:\n--- got\n%s--- want\n%s", got, want)
	}
}

// awkward are strings YAML could read as something else, or must quote,
// fold or escape.
var awkward = []string{
	"", " ", "true", "False", "yes", "no", "on", "off", "y", "n", "null", "~", "NULL",
	"0", "-0", "007", "0x1F", "0o17", "0b101", "1e3", "1.5", ".5", "-.inf", ".NaN", "1_000",
	"2026-12-01", "2026-12-01T10:00:00Z", "12:30:45", "a: b", "a #b", "#c", "- x", "? q", "[x]", "{y}",
	"*ref", "&anchor", "!tag", "%dir", "@at", "`tick`", "|", ">", "'single'", `"double"`,
	"multi\nline\n", "trailing space ", " leading", "tab\there", "café ☕ 𝄞", "<>&", "\u2028\u2029",
	"back\\slash", "cr\r\nlf", "nul\x00byte", "del\x7fchar", "c1\u0085nel", "c1\u0080pad", "bom\ufeff", "\ufffe",
	strings.Repeat("long ", 40), "postgres://u:p@db:5432/app?sslmode=disable",
}

func TestObjectYAMLStrings(t *testing.T) {
	for _, s := range awkward {
		sameAsRoundTrip(t, map[string]any{"value": s, "list": []any{s, nil, s}})
		sameAsRoundTrip(t, map[string]any{"key": map[string]any{s + "k": "v"}})
	}
}

func TestObjectYAMLNumbers(t *testing.T) {
	sameAsRoundTrip(t, map[string]any{
		"ints":   []any{0, -1, 1, 65535, int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64), uint64(1) << 63},
		"floats": []any{0.5, -0.25, 1e21, 1e-7, 3.0, math.MaxFloat64, math.SmallestNonzeroFloat64, float32(0.1)},
		"bools":  []any{true, false},
	})
}

func TestObjectYAMLLongKeys(t *testing.T) {
	for _, n := range []int{maxPlainKey - 1, maxPlainKey, maxPlainKey + 1, 1100, 2000} {
		sameAsRoundTrip(t, map[string]any{strings.Repeat("k", n): "v", strings.Repeat("<", n/6): 1})
	}
}

// TestObjectYAMLKubernetes renders the typed objects convert makes.
func TestObjectYAMLKubernetes(t *testing.T) {
	replicas := int32(2)
	d := appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web", "tier": "1"}, Annotations: map[string]string{"note": "yes"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{
					Name: "web", Image: "nginx:1.25", Command: []string{"sh", "-c", "echo 'hi'\nexit 0"},
					Env:   []corev1.EnvVar{{Name: "A", Value: "true"}, {Name: "B", Value: "0x10"}, {Name: "C"}},
					Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
						PeriodSeconds: 10},
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")}},
				}},
				Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			}},
		},
	}
	sameAsRoundTrip(t, d)
	sameAsRoundTrip(t, corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}})
}

func FuzzObjectYAML(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s, int64(len(s)))
	}
	f.Fuzz(func(t *testing.T, key, value string, n int64) {
		sameAsRoundTrip(t, map[string]any{"k": value, key + "x": []any{value, n, float64(n) / 3}})
	})
}
