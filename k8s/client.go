// Package k8s talks to the Kubernetes API: client construction from
// kubeconfig flags, server-side apply, waiting, rollout status, informers and
// logs. It knows nothing about compose files or berth environments.
package k8s

import (
	"fmt"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/k8s/kube"
)

// Flags are the kubectl-style connection flags shared by every command.
type Flags struct {
	Kubeconfig string // --kubeconfig; empty means KUBECONFIG or ~/.kube/config
	Context    string // --context
	Namespace  string // -n/--namespace
}

// ClientConfig resolves the flags with client-go's loading rules: KUBECONFIG
// with several files merges like kubectl, and --kubeconfig overrides it.
func (f Flags) ClientConfig() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if f.Kubeconfig != "" {
		rules.ExplicitPath = f.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: f.Context}
	if f.Namespace != "" {
		overrides.Context.Namespace = f.Namespace
	}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
}

// Client bundles the typed and dynamic clients built from one rest config.
type Client struct {
	Config *rest.Config
	Typed  kube.Interface
	// Bulk is Typed without client-side rate limiting, for many reads at
	// once: a Watcher's informers per namespace (ModeNamespaced), lists of
	// every env. The API server's priority and fairness still protects it.
	Bulk      kube.Interface
	Dynamic   dynamic.Interface
	Mapper    *kube.Mapper
	Namespace string // namespace from the flags or the kubeconfig context
	Context   string // name of the kubeconfig context in use
}

// NewClient connects using the flags. It does not contact the server.
func NewClient(f Flags) (*Client, error) {
	cc := f.ClientConfig()
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	c, err := NewClientForConfig(cfg, cc)
	if err != nil {
		return nil, err
	}
	if f.Context != "" {
		c.Context = f.Context
	}
	return c, nil
}

// NewMetadataClient connects using the flags with a client of objects'
// metadata alone (kube.Metadata): a command that makes one lookup of
// names, labels and annotations, such as a completion's, skips building
// NewClient's clientsets, dynamic client and mapper. It does not contact
// the server.
func NewMetadataClient(f Flags) (*kube.Metadata, error) {
	cfg, err := f.ClientConfig().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	c, err := kube.NewMetadataForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build metadata client: %w", err)
	}
	return c, nil
}

// NewClientForConfig builds a Client from a rest config; cc (optional)
// supplies the default namespace and context name.
func NewClientForConfig(cfg *rest.Config, cc clientcmd.ClientConfig) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	// kubectl's defaults: a burst of 300 lets `berth up` apply a few
	// hundred objects without client-side throttling (at 50/100 the limiter
	// alone held 200 applies to ≥ 2 s); the server's priority and fairness
	// still protects it.
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 300
	}
	typed, err := kube.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build clientset: %w", err)
	}
	bulkCfg := rest.CopyConfig(cfg)
	bulkCfg.QPS, bulkCfg.Burst, bulkCfg.RateLimiter = -1, 0, nil
	bulk, err := kube.NewForConfig(bulkCfg)
	if err != nil {
		return nil, fmt.Errorf("build clientset: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build dynamic client: %w", err)
	}
	c := &Client{
		Config:  cfg,
		Typed:   typed,
		Bulk:    bulk,
		Dynamic: dyn,
		Mapper:  kube.NewMapper(typed.CoreV1().RESTClient()),
	}
	c.Namespace = "default"
	if cc != nil {
		if ns, _, err := cc.Namespace(); err == nil && ns != "" {
			c.Namespace = ns
		}
		if raw, err := cc.RawConfig(); err == nil {
			c.Context = raw.CurrentContext
		}
	}
	return c, nil
}
