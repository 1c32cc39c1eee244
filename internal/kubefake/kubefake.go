// Package kubefake serves kube.Interface from client-go's fake clientset,
// for tests of pure rendering and logic (claims about the cluster are
// proven on the local cluster). Tests only: cmd/berth must not link
// client-go's clientset (internal/archtest).
package kubefake

import (
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	appsclient "k8s.io/client-go/kubernetes/typed/apps/v1"
	authenticationclient "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authorizationclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
	batchclient "k8s.io/client-go/kubernetes/typed/batch/v1"
	coreclient "k8s.io/client-go/kubernetes/typed/core/v1"
	discoveryclient "k8s.io/client-go/kubernetes/typed/discovery/v1"
	flowcontrolclient "k8s.io/client-go/kubernetes/typed/flowcontrol/v1"
	rbacclient "k8s.io/client-go/kubernetes/typed/rbac/v1"
	storageclient "k8s.io/client-go/kubernetes/typed/storage/v1"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s/kube"
)

// Clientset is client-go's fake clientset (its tracker, reactors and
// actions) with kube.Interface's group methods.
type Clientset struct {
	*fake.Clientset
}

var _ kube.Interface = (*Clientset)(nil)

// NewSimpleClientset is fake.NewSimpleClientset(objects...) as a kube.Interface.
func NewSimpleClientset(objects ...runtime.Object) *Clientset {
	return &Clientset{fake.NewSimpleClientset(objects...)}
}

// NewClientset is fake.NewClientset(objects...) as a kube.Interface.
func NewClientset(objects ...runtime.Object) *Clientset {
	return &Clientset{fake.NewClientset(objects...)}
}

func (c *Clientset) CoreV1() kube.CoreV1Interface   { return coreV1{c.Clientset.CoreV1()} }
func (c *Clientset) AppsV1() kube.AppsV1Interface   { return appsV1{c.Clientset.AppsV1()} }
func (c *Clientset) BatchV1() kube.BatchV1Interface { return batchV1{c.Clientset.BatchV1()} }
func (c *Clientset) RbacV1() kube.RbacV1Interface   { return rbacV1{c.Clientset.RbacV1()} }
func (c *Clientset) AuthorizationV1() kube.AuthorizationV1Interface {
	return authorizationV1{c.Clientset.AuthorizationV1()}
}
func (c *Clientset) AuthenticationV1() kube.AuthenticationV1Interface {
	return authenticationV1{c.Clientset.AuthenticationV1()}
}
func (c *Clientset) StorageV1() kube.StorageV1Interface { return storageV1{c.Clientset.StorageV1()} }
func (c *Clientset) FlowcontrolV1() kube.FlowcontrolV1Interface {
	return flowcontrolV1{c.Clientset.FlowcontrolV1()}
}
func (c *Clientset) DiscoveryV1() kube.DiscoveryV1Interface {
	return discoveryV1{c.Clientset.DiscoveryV1()}
}

type coreV1 struct{ c coreclient.CoreV1Interface }

func (g coreV1) RESTClient() rest.Interface { return g.c.RESTClient() }
func (g coreV1) Namespaces() kube.Resource[*corev1.Namespace, *corev1.NamespaceList] {
	return g.c.Namespaces()
}
func (g coreV1) Nodes() kube.Resource[*corev1.Node, *corev1.NodeList] { return g.c.Nodes() }
func (g coreV1) Pods(ns string) kube.PodInterface                     { return g.c.Pods(ns) }
func (g coreV1) Services(ns string) kube.Resource[*corev1.Service, *corev1.ServiceList] {
	return g.c.Services(ns)
}
func (g coreV1) ServiceAccounts(ns string) kube.Resource[*corev1.ServiceAccount, *corev1.ServiceAccountList] {
	return g.c.ServiceAccounts(ns)
}
func (g coreV1) Secrets(ns string) kube.Resource[*corev1.Secret, *corev1.SecretList] {
	return g.c.Secrets(ns)
}
func (g coreV1) ConfigMaps(ns string) kube.Resource[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return g.c.ConfigMaps(ns)
}
func (g coreV1) PersistentVolumeClaims(ns string) kube.Resource[*corev1.PersistentVolumeClaim, *corev1.PersistentVolumeClaimList] {
	return g.c.PersistentVolumeClaims(ns)
}
func (g coreV1) Events(ns string) kube.Resource[*corev1.Event, *corev1.EventList] {
	return g.c.Events(ns)
}
func (g coreV1) ResourceQuotas(ns string) kube.Resource[*corev1.ResourceQuota, *corev1.ResourceQuotaList] {
	return g.c.ResourceQuotas(ns)
}
func (g coreV1) LimitRanges(ns string) kube.Resource[*corev1.LimitRange, *corev1.LimitRangeList] {
	return g.c.LimitRanges(ns)
}

type appsV1 struct{ c appsclient.AppsV1Interface }

func (g appsV1) RESTClient() rest.Interface { return g.c.RESTClient() }
func (g appsV1) Deployments(ns string) kube.Resource[*appsv1.Deployment, *appsv1.DeploymentList] {
	return g.c.Deployments(ns)
}
func (g appsV1) StatefulSets(ns string) kube.Resource[*appsv1.StatefulSet, *appsv1.StatefulSetList] {
	return g.c.StatefulSets(ns)
}
func (g appsV1) DaemonSets(ns string) kube.Resource[*appsv1.DaemonSet, *appsv1.DaemonSetList] {
	return g.c.DaemonSets(ns)
}

type batchV1 struct{ c batchclient.BatchV1Interface }

func (g batchV1) RESTClient() rest.Interface { return g.c.RESTClient() }
func (g batchV1) Jobs(ns string) kube.Resource[*batchv1.Job, *batchv1.JobList] {
	return g.c.Jobs(ns)
}
func (g batchV1) CronJobs(ns string) kube.Resource[*batchv1.CronJob, *batchv1.CronJobList] {
	return g.c.CronJobs(ns)
}

type rbacV1 struct{ c rbacclient.RbacV1Interface }

func (g rbacV1) Roles(ns string) kube.Resource[*rbacv1.Role, *rbacv1.RoleList] { return g.c.Roles(ns) }
func (g rbacV1) RoleBindings(ns string) kube.Resource[*rbacv1.RoleBinding, *rbacv1.RoleBindingList] {
	return g.c.RoleBindings(ns)
}
func (g rbacV1) ClusterRoles() kube.Resource[*rbacv1.ClusterRole, *rbacv1.ClusterRoleList] {
	return g.c.ClusterRoles()
}
func (g rbacV1) ClusterRoleBindings() kube.Resource[*rbacv1.ClusterRoleBinding, *rbacv1.ClusterRoleBindingList] {
	return g.c.ClusterRoleBindings()
}

type authorizationV1 struct {
	c authorizationclient.AuthorizationV1Interface
}

func (g authorizationV1) SelfSubjectAccessReviews() kube.Creator[*authorizationv1.SelfSubjectAccessReview] {
	return g.c.SelfSubjectAccessReviews()
}

type authenticationV1 struct {
	c authenticationclient.AuthenticationV1Interface
}

func (g authenticationV1) SelfSubjectReviews() kube.Creator[*authenticationv1.SelfSubjectReview] {
	return g.c.SelfSubjectReviews()
}

type storageV1 struct {
	c storageclient.StorageV1Interface
}

func (g storageV1) StorageClasses() kube.Resource[*storagev1.StorageClass, *storagev1.StorageClassList] {
	return g.c.StorageClasses()
}

type flowcontrolV1 struct {
	c flowcontrolclient.FlowcontrolV1Interface
}

func (g flowcontrolV1) FlowSchemas() kube.Resource[*flowcontrolv1.FlowSchema, *flowcontrolv1.FlowSchemaList] {
	return g.c.FlowSchemas()
}

type discoveryV1 struct {
	c discoveryclient.DiscoveryV1Interface
}

func (g discoveryV1) EndpointSlices(ns string) kube.Resource[*discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList] {
	return g.c.EndpointSlices(ns)
}
