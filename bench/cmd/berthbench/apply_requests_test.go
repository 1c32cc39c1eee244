package main

import (
	"net/http"
	"net/url"
	"testing"
)

func TestClientRequestKey(t *testing.T) {
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
	} {
		u, err := url.Parse(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		req := &http.Request{Method: tc.method, URL: u, Header: tc.header}
		if got := clientRequestKey(req); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestRequestKeyAndWindow(t *testing.T) {
	if got := requestKey(map[string]string{"verb": "PATCH", "resource": "pods", "subresource": "status"}); got != "PATCH pods/status" {
		t.Errorf("requestKey = %q", got)
	}
	if got := requestKey(map[string]string{"verb": "GET", "subresource": "/metrics"}); got != ownScrape {
		t.Errorf("requestKey(non-resource) = %q, want %q", got, ownScrape)
	}
	before := apiCounters{reqs: map[string]float64{"APPLY services": 10, "POST pods": 5}}
	after := apiCounters{reqs: map[string]float64{"APPLY services": 81, "APPLY persistentvolumes": 1, "POST pods": 55, ownScrape: 1}}
	w := windowOf(before, after, map[string]float64{"APPLY services": 71})
	if len(w.others) != 2 || w.others["POST pods"] != 50 || w.others["APPLY persistentvolumes"] != 1 {
		t.Errorf("others = %v, want POST pods 50 and the PV apply", w.others)
	}
	m := mixOf(w, window{others: map[string]float64{"POST pods": 30}})
	if got := top(m.others, 1); got != "POST pods 40, 1 more 0" {
		t.Errorf("top = %q", got)
	}
}
