package k8s

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	restwatch "k8s.io/client-go/rest/watch"

	"github.com/berth-dev/berth/k8s/kube"
)

// eventStream is one watch whose events its reader decodes itself.
// client-go's watch.Interface decodes in a goroutine of its own per watch
// and hands events over a channel; an env feed reads its watch in the
// goroutine that consumes it (runKind), so each of hundreds of watches
// costs one goroutine fewer. Next blocks; Close (or the request's
// context ending) makes it return an error.
type eventStream interface {
	Next() (watch.EventType, runtime.Object, error)
	Close()
}

// openStream opens a watch of the kind's objects in ns with o: a raw
// stream decoded by the reader when cs has a REST client for the kind's
// group, else (a fake clientset) through watchFn. The stream is protobuf
// (every built-in kind has it), as are the feeds' lists (listEnv): a
// list per namespace and kind is a lot of decoding at start, and
// protobuf decodes faster than JSON.
func openStream(ctx context.Context, cs kube.Interface, k Kind, ns string, o metav1.ListOptions, watchFn watchFunc) (eventStream, error) {
	rc := restClient(cs, k.Group)
	if rc == nil {
		wi, err := watchFn(ctx, o)
		if err != nil {
			return nil, err
		}
		return &channelStream{ctx, wi}, nil
	}
	o.Watch = true
	body, err := rc.Get().Namespace(ns).Resource(string(k.Resource)).
		VersionedParams(&o, kube.Scheme().ParameterCodec).
		SetHeader("Accept", runtime.ContentTypeProtobuf).
		Stream(ctx)
	if err != nil {
		return nil, err
	}
	info, _ := runtime.SerializerInfoForMediaType(kube.Scheme().Factory.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	gv := schema.GroupVersion{Group: k.Group, Version: "v1"}
	objects := kube.Scheme().Factory.WithoutConversion().DecoderToVersion(info.Serializer, gv)
	events := streaming.NewDecoder(info.StreamSerializer.Framer.NewFrameReader(body), info.StreamSerializer.Serializer)
	return &decodedStream{restwatch.NewDecoder(events, objects)}, nil
}

// listEnv lists the kind's objects in ns with o, in protobuf when cs
// has a REST client for the kind's group, else through list.
func listEnv(ctx context.Context, cs kube.Interface, k Kind, ns string, o metav1.ListOptions, list listFunc) (runtime.Object, error) {
	rc := restClient(cs, k.Group)
	if rc == nil {
		return list(ctx, o)
	}
	return rc.Get().Namespace(ns).Resource(string(k.Resource)).
		VersionedParams(&o, kube.Scheme().ParameterCodec).
		SetHeader("Accept", runtime.ContentTypeProtobuf).
		Do(ctx).Get()
}

// restClient is cs's REST client for an API group of the namespaced
// kinds; nil for a fake clientset (which has none).
func restClient(cs kube.Interface, group string) rest.Interface {
	var rc rest.Interface
	switch group {
	case "":
		rc = cs.CoreV1().RESTClient()
	case "apps":
		rc = cs.AppsV1().RESTClient()
	case "batch":
		rc = cs.BatchV1().RESTClient()
	}
	if c, ok := rc.(*rest.RESTClient); ok && c == nil {
		return nil
	}
	return rc
}

type decodedStream struct{ d *restwatch.Decoder }

func (s *decodedStream) Next() (watch.EventType, runtime.Object, error) { return s.d.Decode() }
func (s *decodedStream) Close()                                         { s.d.Close() }

// channelStream reads a client-go watch until it or ctx ends.
type channelStream struct {
	ctx context.Context
	w   watch.Interface
}

func (s *channelStream) Next() (watch.EventType, runtime.Object, error) {
	select {
	case <-s.ctx.Done():
		return "", nil, s.ctx.Err()
	case ev, ok := <-s.w.ResultChan():
		if !ok {
			return "", nil, errStreamClosed
		}
		return ev.Type, ev.Object, nil
	}
}
func (s *channelStream) Close() { s.w.Stop() }
