package kube

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// restResource is a resource's client: the requests client-go's gentype
// clients make (protobuf where the kind has it, as theirs prefer), over
// berth's scheme. It is berth's own because gentype's package also holds
// its fakes, which link client-go's testing package — an object tracker,
// a test REST mapper, managed fields, strategic merge patches — and their
// package initialisation into every run of berth.
type restResource[T object, L runtime.Object] struct {
	rc        rest.Interface
	resource  string
	namespace string // "" for a cluster-scoped resource
	newObject func() T
	newList   func() L
}

// request starts a request of verb on the resource.
func (c *restResource[T, L]) request(verb string) *rest.Request {
	return c.rc.Verb(verb).
		UseProtobufAsDefaultIfPreferred(true).
		NamespaceIfScoped(c.namespace, c.namespace != "").
		Resource(c.resource)
}

// timeout is a list or watch's own timeout, as client-go's clients set it.
func timeout(o metav1.ListOptions) time.Duration {
	if o.TimeoutSeconds == nil {
		return 0
	}
	return time.Duration(*o.TimeoutSeconds) * time.Second
}

func (c *restResource[T, L]) Get(ctx context.Context, name string, o metav1.GetOptions) (T, error) {
	out := c.newObject()
	err := c.request("GET").Name(name).VersionedParams(&o, metav1.ParameterCodec).Do(ctx).Into(out)
	return out, err
}

func (c *restResource[T, L]) List(ctx context.Context, o metav1.ListOptions) (L, error) {
	out := c.newList()
	err := c.request("GET").VersionedParams(&o, metav1.ParameterCodec).Timeout(timeout(o)).Do(ctx).Into(out)
	return out, err
}

func (c *restResource[T, L]) Watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	o.Watch = true
	return c.request("GET").VersionedParams(&o, metav1.ParameterCodec).Timeout(timeout(o)).Watch(ctx)
}

func (c *restResource[T, L]) Create(ctx context.Context, obj T, o metav1.CreateOptions) (T, error) {
	out := c.newObject()
	err := c.request("POST").VersionedParams(&o, metav1.ParameterCodec).Body(obj).Do(ctx).Into(out)
	return out, err
}

func (c *restResource[T, L]) Update(ctx context.Context, obj T, o metav1.UpdateOptions) (T, error) {
	out := c.newObject()
	err := c.request("PUT").Name(obj.GetName()).VersionedParams(&o, metav1.ParameterCodec).Body(obj).Do(ctx).Into(out)
	return out, err
}

func (c *restResource[T, L]) UpdateStatus(ctx context.Context, obj T, o metav1.UpdateOptions) (T, error) {
	out := c.newObject()
	err := c.request("PUT").Name(obj.GetName()).SubResource("status").VersionedParams(&o, metav1.ParameterCodec).Body(obj).Do(ctx).Into(out)
	return out, err
}

func (c *restResource[T, L]) Delete(ctx context.Context, name string, o metav1.DeleteOptions) error {
	return c.request("DELETE").Name(name).Body(&o).Do(ctx).Error()
}

func (c *restResource[T, L]) DeleteCollection(ctx context.Context, o metav1.DeleteOptions, lo metav1.ListOptions) error {
	return c.request("DELETE").VersionedParams(&lo, metav1.ParameterCodec).Timeout(timeout(lo)).Body(&o).Do(ctx).Error()
}

func (c *restResource[T, L]) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, o metav1.PatchOptions, subresources ...string) (T, error) {
	out := c.newObject()
	err := c.request("PATCH").SetHeader("Content-Type", string(pt)).
		Name(name).SubResource(subresources...).VersionedParams(&o, metav1.ParameterCodec).Body(data).Do(ctx).Into(out)
	return out, err
}
