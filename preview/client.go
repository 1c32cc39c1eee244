package preview

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"
)

// responseTimeout bounds the wait for the answer to one request (each
// retry waits anew; the caller's context bounds them all).
const responseTimeout = 30 * time.Second

// ClientOptions configure the GitHub client.
type ClientOptions struct {
	Retry Retry
	// Transport carries the requests; default http.DefaultTransport's
	// settings with a 30 s limit on waiting for an answer.
	Transport http.RoundTripper
}

// newClient is go-github's client for t: its API URL, GITHUB_TOKEN as the
// bearer token, requests retried as o.Retry says.
func newClient(t *Target, o ClientOptions) (*github.Client, error) {
	base, err := url.Parse(t.APIURL + "/")
	if err != nil || base.Scheme != "https" && base.Scheme != "http" || base.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q: want an http(s) URL", t.APIURL)
	}
	next := o.Transport
	if next == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = responseTimeout
		next = tr
	}
	// No Client.Timeout: it would cut the retries' waits short.
	hc := &http.Client{Transport: &retryTransport{next: next, retry: o.Retry.withDefaults()}}
	c := github.NewClient(hc).WithAuthToken(t.token)
	c.BaseURL = base
	c.UploadURL = base
	c.UserAgent = "berth"
	return c, nil
}

// unavailable reports an error that says GitHub cannot be reached or will
// not answer for a while (5xx, network errors, rate limits, timeouts),
// once retries are spent: further calls are not worth making.
func unavailable(err error) bool {
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var resp *github.ErrorResponse
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.As(err, &rl), errors.As(err, &abuse):
		return true
	case errors.As(err, &resp):
		return resp.Response != nil && (resp.Response.StatusCode >= 500 || resp.Response.StatusCode == http.StatusTooManyRequests)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne), errors.As(err, &ue):
		return true
	}
	return false
}

// apiError is err as a warning shows it: go-github's text (method, URL
// without query, status, GitHub's message), scrubbed of the token.
type apiError struct {
	what string
	err  error
	t    *Target
	skip bool // GitHub is unreachable: the calls after this one are skipped
}

func (e *apiError) Error() string {
	s := strings.TrimSpace(e.what + ": " + e.err.Error())
	if e.skip {
		s += " (GitHub unreachable: the rest of this report is skipped)"
	}
	return e.t.Scrub(s)
}

func (e *apiError) Unwrap() error { return e.err }
