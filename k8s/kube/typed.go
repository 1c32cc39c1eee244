package kube

import (
	"context"

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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// Resource is what berth calls on a resource's client; client-go's typed
// clients (and their fakes) have the same methods.
type Resource[T, L runtime.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
}

// Creator is a resource that can only be created, such as a review.
type Creator[T runtime.Object] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
}

// PodInterface adds what berth does with pods beyond Resource.
type PodInterface interface {
	Resource[*corev1.Pod, *corev1.PodList]
	UpdateStatus(ctx context.Context, pod *corev1.Pod, opts metav1.UpdateOptions) (*corev1.Pod, error)
	DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error
	GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request
	EvictV1(ctx context.Context, eviction *policyv1.Eviction) error
}

// The groups: each gives its REST client and its resources' clients.
type (
	CoreV1Interface interface {
		RESTClient() rest.Interface
		Namespaces() Resource[*corev1.Namespace, *corev1.NamespaceList]
		Nodes() Resource[*corev1.Node, *corev1.NodeList]
		Pods(namespace string) PodInterface
		Services(namespace string) Resource[*corev1.Service, *corev1.ServiceList]
		ServiceAccounts(namespace string) Resource[*corev1.ServiceAccount, *corev1.ServiceAccountList]
		Secrets(namespace string) Resource[*corev1.Secret, *corev1.SecretList]
		ConfigMaps(namespace string) Resource[*corev1.ConfigMap, *corev1.ConfigMapList]
		PersistentVolumeClaims(namespace string) Resource[*corev1.PersistentVolumeClaim, *corev1.PersistentVolumeClaimList]
		Events(namespace string) Resource[*corev1.Event, *corev1.EventList]
		ResourceQuotas(namespace string) Resource[*corev1.ResourceQuota, *corev1.ResourceQuotaList]
		LimitRanges(namespace string) Resource[*corev1.LimitRange, *corev1.LimitRangeList]
	}
	AppsV1Interface interface {
		RESTClient() rest.Interface
		Deployments(namespace string) Resource[*appsv1.Deployment, *appsv1.DeploymentList]
		StatefulSets(namespace string) Resource[*appsv1.StatefulSet, *appsv1.StatefulSetList]
		DaemonSets(namespace string) Resource[*appsv1.DaemonSet, *appsv1.DaemonSetList]
	}
	BatchV1Interface interface {
		RESTClient() rest.Interface
		Jobs(namespace string) Resource[*batchv1.Job, *batchv1.JobList]
		CronJobs(namespace string) Resource[*batchv1.CronJob, *batchv1.CronJobList]
	}
	RbacV1Interface interface {
		Roles(namespace string) Resource[*rbacv1.Role, *rbacv1.RoleList]
		RoleBindings(namespace string) Resource[*rbacv1.RoleBinding, *rbacv1.RoleBindingList]
		ClusterRoles() Resource[*rbacv1.ClusterRole, *rbacv1.ClusterRoleList]
		ClusterRoleBindings() Resource[*rbacv1.ClusterRoleBinding, *rbacv1.ClusterRoleBindingList]
	}
	AuthorizationV1Interface interface {
		SelfSubjectAccessReviews() Creator[*authorizationv1.SelfSubjectAccessReview]
	}
	AuthenticationV1Interface interface {
		SelfSubjectReviews() Creator[*authenticationv1.SelfSubjectReview]
	}
	StorageV1Interface interface {
		StorageClasses() Resource[*storagev1.StorageClass, *storagev1.StorageClassList]
	}
	FlowcontrolV1Interface interface {
		FlowSchemas() Resource[*flowcontrolv1.FlowSchema, *flowcontrolv1.FlowSchemaList]
	}
	DiscoveryV1Interface interface {
		EndpointSlices(namespace string) Resource[*discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList]
	}
)

// object is a resource's object type: an API object with metadata.
type object interface {
	runtime.Object
	metav1.Object
}

// resource is a resource's client; T and L are the object's and the
// list's struct types.
func resource[T, L any, PT interface {
	*T
	object
}, PL interface {
	*L
	runtime.Object
}](rc rest.Interface, name, namespace string) *restResource[PT, PL] {
	return &restResource[PT, PL]{rc: rc, resource: name, namespace: namespace,
		newObject: func() PT { return new(T) }, newList: func() PL { return new(L) }}
}

type coreV1 struct{ rc rest.Interface }

func (c coreV1) RESTClient() rest.Interface { return c.rc }
func (c coreV1) Namespaces() Resource[*corev1.Namespace, *corev1.NamespaceList] {
	return resource[corev1.Namespace, corev1.NamespaceList](c.rc, "namespaces", "")
}
func (c coreV1) Nodes() Resource[*corev1.Node, *corev1.NodeList] {
	return resource[corev1.Node, corev1.NodeList](c.rc, "nodes", "")
}
func (c coreV1) Pods(ns string) PodInterface {
	return pods{resource[corev1.Pod, corev1.PodList](c.rc, "pods", ns)}
}
func (c coreV1) Services(ns string) Resource[*corev1.Service, *corev1.ServiceList] {
	return resource[corev1.Service, corev1.ServiceList](c.rc, "services", ns)
}
func (c coreV1) ServiceAccounts(ns string) Resource[*corev1.ServiceAccount, *corev1.ServiceAccountList] {
	return resource[corev1.ServiceAccount, corev1.ServiceAccountList](c.rc, "serviceaccounts", ns)
}
func (c coreV1) Secrets(ns string) Resource[*corev1.Secret, *corev1.SecretList] {
	return resource[corev1.Secret, corev1.SecretList](c.rc, "secrets", ns)
}
func (c coreV1) ConfigMaps(ns string) Resource[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return resource[corev1.ConfigMap, corev1.ConfigMapList](c.rc, "configmaps", ns)
}
func (c coreV1) PersistentVolumeClaims(ns string) Resource[*corev1.PersistentVolumeClaim, *corev1.PersistentVolumeClaimList] {
	return resource[corev1.PersistentVolumeClaim, corev1.PersistentVolumeClaimList](c.rc, "persistentvolumeclaims", ns)
}
func (c coreV1) Events(ns string) Resource[*corev1.Event, *corev1.EventList] {
	return resource[corev1.Event, corev1.EventList](c.rc, "events", ns)
}
func (c coreV1) ResourceQuotas(ns string) Resource[*corev1.ResourceQuota, *corev1.ResourceQuotaList] {
	return resource[corev1.ResourceQuota, corev1.ResourceQuotaList](c.rc, "resourcequotas", ns)
}
func (c coreV1) LimitRanges(ns string) Resource[*corev1.LimitRange, *corev1.LimitRangeList] {
	return resource[corev1.LimitRange, corev1.LimitRangeList](c.rc, "limitranges", ns)
}

// pods adds logs and eviction, as client-go's pod client does.
type pods struct {
	*restResource[*corev1.Pod, *corev1.PodList]
}

func (c pods) GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request {
	return c.rc.Get().Namespace(c.namespace).Name(name).Resource("pods").SubResource("log").VersionedParams(opts, Scheme().ParameterCodec)
}

func (c pods) EvictV1(ctx context.Context, eviction *policyv1.Eviction) error {
	return c.rc.Post().Namespace(c.namespace).Resource("pods").Name(eviction.Name).SubResource("eviction").Body(eviction).Do(ctx).Error()
}

type appsV1 struct{ rc rest.Interface }

func (c appsV1) RESTClient() rest.Interface { return c.rc }
func (c appsV1) Deployments(ns string) Resource[*appsv1.Deployment, *appsv1.DeploymentList] {
	return resource[appsv1.Deployment, appsv1.DeploymentList](c.rc, "deployments", ns)
}
func (c appsV1) StatefulSets(ns string) Resource[*appsv1.StatefulSet, *appsv1.StatefulSetList] {
	return resource[appsv1.StatefulSet, appsv1.StatefulSetList](c.rc, "statefulsets", ns)
}
func (c appsV1) DaemonSets(ns string) Resource[*appsv1.DaemonSet, *appsv1.DaemonSetList] {
	return resource[appsv1.DaemonSet, appsv1.DaemonSetList](c.rc, "daemonsets", ns)
}

type batchV1 struct{ rc rest.Interface }

func (c batchV1) RESTClient() rest.Interface { return c.rc }
func (c batchV1) Jobs(ns string) Resource[*batchv1.Job, *batchv1.JobList] {
	return resource[batchv1.Job, batchv1.JobList](c.rc, "jobs", ns)
}
func (c batchV1) CronJobs(ns string) Resource[*batchv1.CronJob, *batchv1.CronJobList] {
	return resource[batchv1.CronJob, batchv1.CronJobList](c.rc, "cronjobs", ns)
}

type rbacV1 struct{ rc rest.Interface }

func (c rbacV1) Roles(ns string) Resource[*rbacv1.Role, *rbacv1.RoleList] {
	return resource[rbacv1.Role, rbacv1.RoleList](c.rc, "roles", ns)
}
func (c rbacV1) RoleBindings(ns string) Resource[*rbacv1.RoleBinding, *rbacv1.RoleBindingList] {
	return resource[rbacv1.RoleBinding, rbacv1.RoleBindingList](c.rc, "rolebindings", ns)
}
func (c rbacV1) ClusterRoles() Resource[*rbacv1.ClusterRole, *rbacv1.ClusterRoleList] {
	return resource[rbacv1.ClusterRole, rbacv1.ClusterRoleList](c.rc, "clusterroles", "")
}
func (c rbacV1) ClusterRoleBindings() Resource[*rbacv1.ClusterRoleBinding, *rbacv1.ClusterRoleBindingList] {
	return resource[rbacv1.ClusterRoleBinding, rbacv1.ClusterRoleBindingList](c.rc, "clusterrolebindings", "")
}

type authorizationV1 struct{ rc rest.Interface }

func (c authorizationV1) SelfSubjectAccessReviews() Creator[*authorizationv1.SelfSubjectAccessReview] {
	return resource[authorizationv1.SelfSubjectAccessReview, metav1.List](c.rc, "selfsubjectaccessreviews", "")
}

type authenticationV1 struct{ rc rest.Interface }

func (c authenticationV1) SelfSubjectReviews() Creator[*authenticationv1.SelfSubjectReview] {
	return resource[authenticationv1.SelfSubjectReview, metav1.List](c.rc, "selfsubjectreviews", "")
}

type storageV1 struct{ rc rest.Interface }

func (c storageV1) StorageClasses() Resource[*storagev1.StorageClass, *storagev1.StorageClassList] {
	return resource[storagev1.StorageClass, storagev1.StorageClassList](c.rc, "storageclasses", "")
}

type flowcontrolV1 struct{ rc rest.Interface }

func (c flowcontrolV1) FlowSchemas() Resource[*flowcontrolv1.FlowSchema, *flowcontrolv1.FlowSchemaList] {
	return resource[flowcontrolv1.FlowSchema, flowcontrolv1.FlowSchemaList](c.rc, "flowschemas", "")
}

type discoveryV1 struct{ rc rest.Interface }

func (c discoveryV1) EndpointSlices(ns string) Resource[*discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList] {
	return resource[discoveryv1.EndpointSlice, discoveryv1.EndpointSliceList](c.rc, "endpointslices", ns)
}
