package k8s

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s/kube"
)

// statusBody encodes a failed Status as the API server sends it, in the
// media type given.
func statusBody(t *testing.T, mediaType string, code int32, reason metav1.StatusReason) []byte {
	t.Helper()
	info, ok := runtime.SerializerInfoForMediaType(kube.Scheme().Factory.SupportedMediaTypes(), mediaType)
	if !ok {
		t.Fatalf("no serializer for %s", mediaType)
	}
	st := &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Code: code, Reason: reason, Message: "said the server"}
	var b bytes.Buffer
	if err := info.Serializer.Encode(st, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A watch opened by streamBody: the URL and header the feed asks for, the
// body streamed, and an error answer as client-go returns it — the
// server's Status in protobuf or JSON (a refusal, a version too old),
// else one made of the status code.
func TestStreamBody(t *testing.T) {
	var got *http.Request
	answer := func(w http.ResponseWriter) {}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		answer(w)
	}))
	defer srv.Close()
	cs, err := kube.NewForConfig(&rest.Config{Host: srv.URL, UserAgent: "berth-test"})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := kindOf(Kinds(), ResourcePods)
	header := streamHeader(cs)
	open := func() (io.ReadCloser, error) {
		o := metav1.ListOptions{Watch: true, ResourceVersion: "7", AllowWatchBookmarks: true}
		req := feedRequest(cs, &k, "dev-x", &o)
		return streamBody(context.Background(), restClient(cs, k.Group), req, header, k.groupResource())
	}

	answer = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", runtime.ContentTypeProtobuf)
		_, _ = w.Write([]byte("frames"))
	}
	body, err := open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(body)
	body.Close()
	if string(b) != "frames" {
		t.Errorf("body %q", b)
	}
	if got.URL.Path != "/api/v1/namespaces/dev-x/pods" || got.URL.Query().Get("watch") != "true" ||
		got.URL.Query().Get("resourceVersion") != "7" || got.URL.Query().Get("allowWatchBookmarks") != "true" {
		t.Errorf("request %s", got.URL)
	}
	if got.Header.Get("Accept") != runtime.ContentTypeProtobuf || got.Header.Get("User-Agent") != "berth-test" {
		t.Errorf("request header %v", got.Header)
	}

	for _, c := range []struct {
		name        string
		code        int
		contentType string
		body        []byte
		is          func(error) bool
	}{
		{"forbidden, protobuf Status", 403, runtime.ContentTypeProtobuf, statusBody(t, runtime.ContentTypeProtobuf, 403, metav1.StatusReasonForbidden), apierrors.IsForbidden},
		{"gone, JSON Status", 410, runtime.ContentTypeJSON, statusBody(t, runtime.ContentTypeJSON, 410, metav1.StatusReasonGone), tooOld},
		{"too many requests, no Status", 429, "text/plain", []byte("slow down"), apierrors.IsTooManyRequests},
		{"server error, no Status", 500, "text/plain", []byte("boom"), apierrors.IsInternalError},
	} {
		answer = func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", c.contentType)
			w.WriteHeader(c.code)
			_, _ = w.Write(c.body)
		}
		body, err := open()
		if body != nil {
			body.Close()
		}
		if err == nil || !c.is(err) {
			t.Errorf("%s: %v", c.name, err)
		}
		want := "said the server" // the Status's message
		switch {
		case c.code == 500:
			want = string(c.body) // client-go's message of a 500 quotes it
		case c.contentType == "text/plain":
			want = ""
		}
		if err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not say %q", c.name, err, want)
		}
	}
	if header.Get("Accept") != runtime.ContentTypeProtobuf || len(header) != 2 {
		t.Errorf("the shared header changed: %v", header)
	}
}
