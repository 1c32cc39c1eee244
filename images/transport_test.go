package images

import (
	"net/http"
	"sync/atomic"
)

// countingTransport records the most requests in flight at once.
type countingTransport struct {
	now, max atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for {
		m := c.max.Load()
		if n <= m || c.max.CompareAndSwap(m, n) {
			break
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}
