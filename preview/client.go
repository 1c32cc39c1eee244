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

// requestTimeout bounds one HTTP request to GitHub (retries are extra).
const requestTimeout = 30 * time.Second

// ClientOptions configure the GitHub client.
type ClientOptions struct {
	Retry Retry
	// Transport carries the requests; default http.DefaultTransport.
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
		next = http.DefaultTransport
	}
	hc := &http.Client{Timeout: requestTimeout, Transport: &retryTransport{next: next, retry: o.Retry.withDefaults()}}
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
