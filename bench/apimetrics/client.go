package apimetrics

import (
	"maps"
	"net/http"
	"strings"
	"sync"
)

// Counter counts a client's requests as they start, keyed as the apiserver
// would label them (RequestVerb, RequestKey), so its own requests can be
// told from everyone else's in apiserver_request_total.
type Counter struct {
	key func(*http.Request) string
	mu  sync.Mutex
	m   map[string]float64
}

// NewCounter counts requests by key.
func NewCounter(key func(*http.Request) string) *Counter {
	return &Counter{key: key, m: map[string]float64{}}
}

// Wrap is a rest.Config WrapTransport.
func (c *Counter) Wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		k := c.key(req)
		c.mu.Lock()
		c.m[k]++
		c.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

// Snapshot copies the counts.
func (c *Counter) Snapshot() map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// RequestVerb is the apiserver's verb for a request as the client sends it:
// APPLY for a server-side apply patch, WATCH, LIST for a GET of a
// collection, else the HTTP method.
func RequestVerb(req *http.Request) string {
	_, named, ok := resourceOf(req.URL.Path)
	switch w := req.URL.Query().Get("watch"); {
	case req.Method == http.MethodPatch && strings.HasPrefix(req.Header.Get("Content-Type"), "application/apply-patch"):
		return "APPLY"
	case req.Method == http.MethodGet && (w == "true" || w == "1"):
		return "WATCH"
	case req.Method == http.MethodGet && ok && !named:
		return "LIST"
	}
	return req.Method
}

// RequestKey is "VERB resource[/subresource]" as apiserver_request_total
// labels a request, e.g. /api/v1/namespaces/NS/services/NAME → "APPLY
// services" for a server-side apply patch; "GET /metrics" for a
// non-resource path.
func RequestKey(req *http.Request) string {
	res, _, ok := resourceOf(req.URL.Path)
	if !ok {
		return req.Method + " " + req.URL.Path
	}
	return RequestVerb(req) + " " + res
}

// resourceOf parses an API path: its resource (with a subresource,
// "pods/status"), whether it names one object, and whether it is a
// resource path at all (not /metrics or a group's discovery).
func resourceOf(path string) (res string, named, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		rest = parts[3:]
	default:
		return "", false, false
	}
	if len(rest) >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize" {
		rest = rest[2:] // namespaces/NS/RESOURCE..., not a namespace's own subresource
	}
	if len(rest) == 0 {
		return "", false, false
	}
	res = rest[0]
	if len(rest) > 2 {
		res += "/" + rest[2]
	}
	return res, len(rest) > 1, true
}
