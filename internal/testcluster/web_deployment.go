package testcluster

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WebDeployment is one replica of web (image example/web:1), placed on
// any node, with labels on the Deployment and its pods.
func WebDeployment(labels map[string]string) *appsv1.Deployment {
	one := int32(1)
	pl := map[string]string{"app": "web"}
	for k, v := range labels {
		pl[k] = v
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: pl},
				Spec: corev1.PodSpec{
					Containers:  []corev1.Container{{Name: "main", Image: "example/web:1"}},
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
				},
			},
		},
	}
}
