// Package kube is berth's clientset: typed clients making the requests
// client-go's do (restResource), for the API groups berth uses, over a
// scheme of those groups alone. client-go's own clientset, typed clients and discovery
// client import k8s.io/client-go/kubernetes/scheme, whose init registers
// all 55 API groups and links their code: 9 of the 44 MB berth's binary
// was and ~5 MiB of every process's start-up RSS (bench/README.md). The
// method names are client-go's, so calls read the same
// (cs.CoreV1().Pods(ns).List(…)), and client-go's fake clientset serves
// tests through internal/kubefake.
package kube

import (
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// Codecs holds the scheme of berth's API groups and what encodes and
// decodes with it.
type Codecs struct {
	Scheme         *runtime.Scheme
	Factory        serializer.CodecFactory
	ParameterCodec runtime.ParameterCodec
}

// schemeCodecs builds the scheme on first use, not at start-up: a command
// that never talks to a cluster (version, completion of flags) does not
// pay for it.
var schemeCodecs = sync.OnceValue(func() *Codecs {
	return newCodecs(corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, rbacv1.AddToScheme,
		authorizationv1.AddToScheme, authenticationv1.AddToScheme, storagev1.AddToScheme,
		flowcontrolv1.AddToScheme, discoveryv1.AddToScheme, policyv1.AddToScheme)
})

// coreCodecs is the scheme of core/v1 alone, for NewCoreForConfig: a
// command making one request (the priority level's check) registers the
// kinds of one group, not of ten.
var coreCodecs = sync.OnceValue(func() *Codecs { return newCodecs(corev1.AddToScheme) })

// newCodecs is a scheme of metav1's and the groups' kinds, with codecs.
func newCodecs(groups ...func(*runtime.Scheme) error) *Codecs {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	for _, add := range groups {
		utilruntime.Must(add(s))
	}
	return &Codecs{Scheme: s, Factory: serializer.NewCodecFactory(s), ParameterCodec: runtime.NewParameterCodec(s)}
}

// Scheme returns the scheme of berth's API groups and its codecs.
func Scheme() *Codecs { return schemeCodecs() }
