package preview

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry bounds how GitHub calls are retried.
type Retry struct {
	// Attempts is how many times a call is tried in all; default 4.
	Attempts int
	// Backoff is the first wait after a 5xx or a network error, doubled
	// for every further attempt (plus up to 20% jitter); default 1s.
	Backoff time.Duration
	// MaxWait is the longest wait a rate limit may ask for (Retry-After,
	// X-RateLimit-Reset); a longer one is not waited for: the call fails
	// with GitHub's answer. Default 60s.
	MaxWait time.Duration
	// Now is the clock, for X-RateLimit-Reset; default time.Now.
	Now func() time.Time
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 4
	}
	if r.Backoff <= 0 {
		r.Backoff = time.Second
	}
	if r.MaxWait <= 0 {
		r.MaxWait = time.Minute
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// retryTransport retries what GitHub says to retry: 500, 502, 503, 504 and
// network errors with exponential backoff; 429, and 403 when it is a rate
// limit (Retry-After set, or X-RateLimit-Remaining 0), after the time
// GitHub asks for. Waits end early when the request's context does.
type retryTransport struct {
	next  http.RoundTripper
	retry Retry
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := t.retry
	for attempt := 1; ; attempt++ {
		try := req
		if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, errors.New("cannot retry a request whose body cannot be read again")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			try = req.Clone(req.Context())
			try.Body = body
		}
		resp, err := t.next.RoundTrip(try)
		wait, again := r.wait(resp, err, attempt)
		if !again || attempt >= r.Attempts || req.Context().Err() != nil {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// wait says whether the outcome of attempt is worth another and after
// how long.
func (r Retry) wait(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	backoff := r.Backoff << (attempt - 1)
	backoff += time.Duration(rand.Int64N(int64(backoff)/5 + 1))
	if err != nil {
		return backoff, !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	limit, limited := r.rateLimitWait(resp)
	switch {
	case limited:
		return limit, limit <= r.MaxWait
	case resp.StatusCode == http.StatusTooManyRequests:
		return backoff, true
	case resp.StatusCode == http.StatusInternalServerError, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		return backoff, true
	}
	return 0, false
}

// rateLimitWait reads a rate-limit answer (403 or 429) as GitHub's docs
// say to: Retry-After seconds, else X-RateLimit-Remaining 0 until
// X-RateLimit-Reset (epoch seconds). ok is false for other answers.
func (r Retry) rateLimitWait(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
		if at, err := http.ParseTime(s); err == nil {
			return max(at.Sub(r.Now()), 0), true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(n, 0).Sub(r.Now()), 0) + time.Second, true
		}
	}
	return 0, false
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
