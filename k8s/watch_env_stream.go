package k8s

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s/kube"
)

// eventStream is one watch, read by a feed's goroutine (kindRun.follow)
// and each event decoded where it is applied. client-go's watch.Interface
// decodes in a goroutine of its own per watch and hands events over a
// channel; a feed reads its watch itself, so each of hundreds of watches
// costs one goroutine fewer. Next blocks; Close (or the request's
// context ending) makes it return an error.
type eventStream interface {
	Next() (eventDecoder, error)
	Close()
}

// eventDecoder decodes one event read from a watch: its type and object.
type eventDecoder func() (watch.EventType, runtime.Object, error)

// openStream opens a watch of the kind's objects in ns with o: a raw
// stream decoded by the reader when cs has a REST client for the kind's
// group, else (a fake clientset) through watchFn. The stream is protobuf
// (every built-in kind has it), as are the feeds' lists (listEnv): a
// list per namespace and kind is a lot of decoding at start, and
// protobuf decodes faster than JSON. header is the watches' request
// header (Watcher.streamHeader), shared by all of them.
func openStream(ctx context.Context, cs kube.Interface, k *Kind, ns string, o metav1.ListOptions, header http.Header, watchFn watchFunc) (eventStream, error) {
	o.Watch = true
	req := feedRequest(cs, k, ns, &o)
	if req == nil {
		wi, err := watchFn(ctx, o)
		if err != nil {
			return nil, err
		}
		return &channelStream{ctx, wi}, nil
	}
	body, err := streamBody(ctx, restClient(cs, k.Group), req, header, k.groupResource())
	if err != nil {
		return nil, err
	}
	info, _ := runtime.SerializerInfoForMediaType(kube.Scheme().Factory.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	gv := schema.GroupVersion{Group: k.Group, Version: "v1"}
	objects := kube.Scheme().Factory.WithoutConversion().DecoderToVersion(info.Serializer, gv)
	return &frameStream{body: body, events: info.StreamSerializer.Serializer, objects: objects}, nil
}

// listEnv lists the kind's objects in ns with o, in protobuf when cs
// has a REST client for the kind's group, else through list.
func listEnv(ctx context.Context, cs kube.Interface, k *Kind, ns string, o metav1.ListOptions, list listFunc) (runtime.Object, error) {
	req := feedRequest(cs, k, ns, &o)
	if req == nil {
		return list(ctx, o)
	}
	return req.Do(ctx).Get()
}

// feedRequest is a feed's GET of the kind's objects in ns with o, asking
// for protobuf; nil when cs has no REST client for the kind's group. It
// carries the clientset's User-Agent itself: client-go's transport clones
// a request without one to add it, and an open watch keeps that clone
// (with its headers) for its lifetime — per watch, and a developer's
// live view holds two per env.
func feedRequest(cs kube.Interface, k *Kind, ns string, o *metav1.ListOptions) *rest.Request {
	rc := restClient(cs, k.Group)
	if rc == nil {
		return nil
	}
	req := rc.Get().Namespace(ns).Resource(string(k.Resource)).
		VersionedParams(o, metav1.ParameterCodec).
		SetHeader("Accept", runtime.ContentTypeProtobuf)
	if ua := userAgent(cs); ua != "" {
		req.SetHeader("User-Agent", ua)
	}
	return req
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

// frameStream is a protobuf watch read frame by frame: each a 4-byte
// big-endian length, then a WatchEvent (what client-go's framer and
// watch decoder read), decoded by the event's decoder, not by Next.
type frameStream struct {
	body    io.ReadCloser
	events  runtime.Decoder // the WatchEvent envelope
	objects runtime.Decoder // the event's object, to the kind's version
}

// maxFrame bounds one watch event, as client-go's stream decoder does.
const maxFrame = 16 << 20

func (s *frameStream) Next() (eventDecoder, error) {
	var head [4]byte
	if _, err := io.ReadFull(s.body, head[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n > maxFrame {
		return nil, fmt.Errorf("watch event of %d bytes, more than %d", n, maxFrame)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(s.body, frame); err != nil {
		return nil, err
	}
	return func() (watch.EventType, runtime.Object, error) { return decodeEvent(s.events, s.objects, frame) }, nil
}

func (s *frameStream) Close() { _ = s.body.Close() }

// decodeEvent decodes a watch event's frame as client-go's watch decoder
// does: the envelope, its type, then its object.
func decodeEvent(events, objects runtime.Decoder, frame []byte) (watch.EventType, runtime.Object, error) {
	var ev metav1.WatchEvent
	if _, _, err := events.Decode(frame, nil, &ev); err != nil {
		return "", nil, fmt.Errorf("decode watch event: %w", err)
	}
	typ := watch.EventType(ev.Type)
	switch typ {
	case watch.Added, watch.Modified, watch.Deleted, watch.Error, watch.Bookmark:
	default:
		return "", nil, fmt.Errorf("watch event of type %q", ev.Type)
	}
	obj, err := runtime.Decode(objects, ev.Object.Raw)
	if err != nil {
		return "", nil, fmt.Errorf("decode watch event's object: %w", err)
	}
	return typ, obj, nil
}

// channelStream reads a client-go watch until it or ctx ends.
type channelStream struct {
	ctx context.Context
	w   watch.Interface
}

func (s *channelStream) Next() (eventDecoder, error) {
	select {
	case <-s.ctx.Done():
		return nil, s.ctx.Err()
	case ev, ok := <-s.w.ResultChan():
		if !ok {
			return nil, errStreamClosed
		}
		return func() (watch.EventType, runtime.Object, error) { return ev.Type, ev.Object, nil }, nil
	}
}
func (s *channelStream) Close() { s.w.Stop() }
