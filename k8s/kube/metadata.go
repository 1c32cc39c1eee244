package kube

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// metaCodecs is the scheme of meta.k8s.io's kinds alone (the objects'
// metadata, PartialObjectMetadataList), for NewMetadataForConfig.
var metaCodecs = sync.OnceValue(func() *Codecs { return newCodecs(metav1.AddMetaToScheme) })

// partialList asks the API server for a list's metadata alone, as
// client-go's metadata client does: protobuf, else JSON.
const partialList = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1," +
	"application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

// Metadata reads objects' metadata alone — names, labels, annotations —
// for a command that needs nothing else, such as completion's lookup of
// environments: it decodes no group's kinds (nor registers them), and the
// server sends less.
type Metadata struct{ rc *rest.RESTClient }

// NewMetadataForConfig builds a Metadata client; it does not contact the
// server.
func NewMetadataForConfig(c *rest.Config) (*Metadata, error) {
	rc, err := coreRESTClient(c, metaCodecs())
	if err != nil {
		return nil, err
	}
	return &Metadata{rc}, nil
}

// RESTClient is the client's REST client (the core group's path).
func (m *Metadata) RESTClient() rest.Interface { return m.rc }

// Namespaces lists the metadata of the namespaces o selects.
func (m *Metadata) Namespaces(ctx context.Context, o metav1.ListOptions) (*metav1.PartialObjectMetadataList, error) {
	out := &metav1.PartialObjectMetadataList{}
	err := m.rc.Get().Resource("namespaces").VersionedParams(&o, metav1.ParameterCodec).
		SetHeader("Accept", partialList).Timeout(timeout(o)).Do(ctx).Into(out)
	if err != nil {
		return nil, fmt.Errorf("list namespaces' metadata: %w", err)
	}
	return out, nil
}
