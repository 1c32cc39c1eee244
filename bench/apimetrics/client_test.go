package apimetrics

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestRequestKey(t *testing.T) {
	apply := http.Header{"Content-Type": {"application/apply-patch+yaml"}}
	for _, tc := range []struct {
		method, path string
		header       http.Header
		want         string
	}{
		{"PATCH", "/api/v1/namespaces/ns/services/web1", apply, "APPLY services"},
		{"PATCH", "/apis/apps/v1/namespaces/ns/deployments/db0", apply, "APPLY deployments"},
		{"PATCH", "/api/v1/namespaces/ns", apply, "APPLY namespaces"},
		{"PATCH", "/api/v1/namespaces/ns/pods/p/status", nil, "PATCH pods/status"},
		{"PUT", "/api/v1/namespaces/ns/finalize", nil, "PUT namespaces/finalize"},
		{"GET", "/api/v1/namespaces/ns/pods", nil, "LIST pods"},
		{"GET", "/api/v1/namespaces/ns/pods?watch=true", nil, "WATCH pods"},
		{"GET", "/api/v1/namespaces/ns/pods/p", nil, "GET pods"},
		{"GET", "/metrics", nil, "GET /metrics"},
		{"GET", "/api/v1/pods?watch=1", nil, "WATCH pods"},
		{"GET", "/api/v1/namespaces", nil, "LIST namespaces"},
		{"GET", "/apis/apps/v1/deployments", nil, "LIST deployments"},
		{"GET", "/api/v1/namespaces/ns", nil, "GET namespaces"},
	} {
		u, err := url.Parse(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		req := &http.Request{Method: tc.method, URL: u, Header: tc.header}
		if got := RequestKey(req); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestRequestVerb(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/namespaces/ns/pods?watch=true": "WATCH",
		"/api/v1/namespaces/ns/pods":            "LIST",
		"/api/v1/namespaces/ns/pods/p":          "GET",
		"/metrics":                              "GET",
	} {
		u, err := url.Parse(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := RequestVerb(&http.Request{Method: "GET", URL: u}); got != want {
			t.Errorf("GET %s: %q, want %q", path, got, want)
		}
	}
}

func TestCounterCountsAsRequestsStart(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c := NewCounter(RequestKey)
	client := &http.Client{Transport: c.Wrap(http.DefaultTransport)}
	for _, path := range []string{"/api/v1/pods", "/api/v1/pods?watch=true", "/api/v1/pods"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	got := c.Snapshot()
	if len(got) != 2 || got["LIST pods"] != 2 || got["WATCH pods"] != 1 {
		t.Errorf("counts = %v, want LIST pods 2, WATCH pods 1", got)
	}
}
