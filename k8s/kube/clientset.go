package kube

import (
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// Interface is the clientset berth calls: client-go's kubernetes.Interface
// narrowed to the groups and resources berth uses.
type Interface interface {
	CoreV1() CoreV1Interface
	AppsV1() AppsV1Interface
	BatchV1() BatchV1Interface
	RbacV1() RbacV1Interface
	AuthorizationV1() AuthorizationV1Interface
	AuthenticationV1() AuthenticationV1Interface
	StorageV1() StorageV1Interface
	FlowcontrolV1() FlowcontrolV1Interface
	DiscoveryV1() DiscoveryV1Interface
}

// Clientset is Interface over one HTTP client and one rate limiter, as
// client-go's kubernetes.NewForConfig builds them.
type Clientset struct {
	core, apps, batch, rbac, authorization, authentication, storage, flowcontrol, discovery *rest.RESTClient
	userAgent                                                                               string
}

// groups are the API groups of a Clientset, in its fields' order.
var groups = []struct {
	gv  schema.GroupVersion
	api string
}{
	{schema.GroupVersion{Version: "v1"}, "/api"},
	{schema.GroupVersion{Group: "apps", Version: "v1"}, "/apis"},
	{schema.GroupVersion{Group: "batch", Version: "v1"}, "/apis"},
	{schema.GroupVersion{Group: "rbac.authorization.k8s.io", Version: "v1"}, "/apis"},
	{schema.GroupVersion{Group: "authorization.k8s.io", Version: "v1"}, "/apis"},
	{schema.GroupVersion{Group: "authentication.k8s.io", Version: "v1"}, "/apis"},
	{schema.GroupVersion{Group: "storage.k8s.io", Version: "v1"}, "/apis"},
	{schema.GroupVersion{Group: "flowcontrol.apiserver.k8s.io", Version: "v1"}, "/apis"},
	{schema.GroupVersion{Group: "discovery.k8s.io", Version: "v1"}, "/apis"},
}

// NewForConfig builds a Clientset; it does not contact the server. Like
// client-go's, its groups share the transport and, when the config has a
// QPS but no rate limiter, one token bucket.
func NewForConfig(c *rest.Config) (*Clientset, error) {
	cfg, httpClient, err := configured(c)
	if err != nil {
		return nil, err
	}
	if cfg.RateLimiter == nil && cfg.QPS > 0 {
		if cfg.Burst <= 0 {
			return nil, fmt.Errorf("burst is required to be greater than 0 when RateLimiter is not set and QPS is set to greater than 0")
		}
		cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst)
	}
	clients := make([]*rest.RESTClient, len(groups))
	for i, g := range groups {
		if clients[i], err = restClient(&cfg, httpClient, Scheme(), g.gv, g.api); err != nil {
			return nil, err
		}
	}
	return &Clientset{clients[0], clients[1], clients[2], clients[3], clients[4], clients[5], clients[6], clients[7], clients[8], cfg.UserAgent}, nil
}

// NewCoreForConfig builds the core/v1 client alone, for a command that
// makes one request.
func NewCoreForConfig(c *rest.Config) (CoreV1Interface, error) {
	rc, err := coreRESTClient(c, coreCodecs())
	if err != nil {
		return nil, err
	}
	return coreV1{rc}, nil
}

// coreRESTClient is a client of the core group's path alone, with its
// own transport, decoding with s: for a command that makes one request.
func coreRESTClient(c *rest.Config, s *Codecs) (*rest.RESTClient, error) {
	cfg, httpClient, err := configured(c)
	if err != nil {
		return nil, err
	}
	return restClient(&cfg, httpClient, s, groups[0].gv, groups[0].api)
}

// configured is a copy of c with client-go's default user agent, and the
// HTTP client its groups share.
func configured(c *rest.Config) (rest.Config, *http.Client, error) {
	cfg := *c
	if cfg.UserAgent == "" {
		cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	h, err := rest.HTTPClientFor(&cfg)
	return cfg, h, err
}

// restClient is a group's REST client, configured as client-go's generated
// clients configure theirs.
func restClient(c *rest.Config, h *http.Client, s *Codecs, gv schema.GroupVersion, api string) (*rest.RESTClient, error) {
	cfg := *c
	cfg.GroupVersion, cfg.APIPath = &gv, api
	cfg.NegotiatedSerializer = rest.CodecFactoryForGeneratedClient(s.Scheme, s.Factory).WithoutConversion()
	rc, err := rest.RESTClientForConfigAndClient(&cfg, h)
	if err != nil {
		return nil, fmt.Errorf("build %s client: %w", gv, err)
	}
	return rc, nil
}

// UserAgent is the User-Agent header the clientset's transport adds to a
// request without one; a request that sets it itself is not cloned.
func (c *Clientset) UserAgent() string { return c.userAgent }

func (c *Clientset) CoreV1() CoreV1Interface   { return coreV1{c.core} }
func (c *Clientset) AppsV1() AppsV1Interface   { return appsV1{c.apps} }
func (c *Clientset) BatchV1() BatchV1Interface { return batchV1{c.batch} }
func (c *Clientset) RbacV1() RbacV1Interface   { return rbacV1{c.rbac} }
func (c *Clientset) AuthorizationV1() AuthorizationV1Interface {
	return authorizationV1{c.authorization}
}
func (c *Clientset) AuthenticationV1() AuthenticationV1Interface {
	return authenticationV1{c.authentication}
}
func (c *Clientset) StorageV1() StorageV1Interface         { return storageV1{c.storage} }
func (c *Clientset) FlowcontrolV1() FlowcontrolV1Interface { return flowcontrolV1{c.flowcontrol} }
func (c *Clientset) DiscoveryV1() DiscoveryV1Interface     { return discoveryV1{c.discovery} }
