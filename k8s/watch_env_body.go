package k8s

import (
	"context"
	"io"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s/kube"
)

// A watch's request and response live as long as the watch: x/net/http2's
// goroutine for the stream holds the request, its stream the response.
// rest.Request.Stream builds the request with a header map of its own and a
// context carrying client-go's DNS and connection traces, and keeps the
// response's headers; with a thousand watches (a developer's live view of
// 500 envs) that is about a megabyte. streamBody sends the same GET
// itself: the URL rest.Request builds, one header map shared by every
// watch, the caller's context, and the response's headers dropped once
// its status is read.

// streamHeader is the header of the env feeds' watches: protobuf, and
// cs's User-Agent (client-go's transport clones a request without one to
// add it). Nothing writes it: the transport's round trippers clone a
// request before adding a header.
func streamHeader(cs kube.Interface) http.Header {
	h := http.Header{"Accept": {runtime.ContentTypeProtobuf}}
	if ua := userAgent(cs); ua != "" {
		h.Set("User-Agent", ua)
	}
	return h
}

// userAgent is the User-Agent cs's transport adds to a request without
// one (kube.Clientset.UserAgent); "" for a clientset without it (a fake).
func userAgent(cs kube.Interface) string {
	if a, ok := cs.(interface{ UserAgent() string }); ok {
		return a.UserAgent()
	}
	return ""
}

// streamBody opens the watch req describes on rc's HTTP client, with
// header, after rc's rate limiter if it has one (as req.Stream would),
// and returns its body; an answer other than 2xx is an error as
// client-go returns it (the server's Status, e.g. Forbidden or Gone, else
// one made from the status code), gr naming the resource in it. Without
// an HTTP client of its own (rest's default), req streams itself.
func streamBody(ctx context.Context, rc rest.Interface, req *rest.Request, header http.Header, gr schema.GroupResource) (io.ReadCloser, error) {
	c, ok := rc.(*rest.RESTClient)
	if !ok || c.Client == nil {
		return req.Stream(ctx)
	}
	if l := c.GetRateLimiter(); l != nil {
		if err := l.Wait(ctx); err != nil {
			return nil, err
		}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL().String(), nil)
	if err != nil {
		return nil, err
	}
	hr.Header = header
	resp, err := c.Client.Do(hr)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		resp.Header = nil // the stream keeps resp; nothing reads them
		return resp.Body, nil
	}
	defer resp.Body.Close()
	return nil, responseError(resp, gr)
}

// maxErrorBody bounds the body of an error answer read for its Status.
const maxErrorBody = 1 << 20

// responseError is the error an answer other than 2xx means, as
// client-go's rest.Request makes it: the Status the server sent (in
// protobuf or JSON), else a generic error of the status code with the
// body as its message.
func responseError(resp *http.Response, gr schema.GroupResource) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if obj, err := runtime.Decode(kube.Scheme().Factory.UniversalDeserializer(), body); err == nil {
		if st, ok := obj.(*metav1.Status); ok && st.Status != metav1.StatusSuccess {
			return &apierrors.StatusError{ErrStatus: *st}
		}
	}
	return apierrors.NewGenericServerResponse(resp.StatusCode, http.MethodGet, gr, "", string(body), 0, true)
}
