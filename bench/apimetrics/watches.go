package apimetrics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"k8s.io/client-go/rest"
)

// Watches is how many watches the API server serves right now on
// resources (apiserver_longrunning_requests, verb WATCH, no subresource),
// by scope: "cluster" for all namespaces, "namespace" for one.
func Watches(ctx context.Context, rc rest.Interface, resources []string) (map[string]float64, error) {
	ss, err := Scrape(ctx, rc, "apiserver_longrunning_requests")
	if err != nil {
		return nil, err
	}
	return ss.Watches(resources), nil
}

// Watches is Watches of one scrape.
func (ss Samples) Watches(resources []string) map[string]float64 {
	return ss.SumBy("apiserver_longrunning_requests", "scope", func(l map[string]string) bool {
		return l["verb"] == "WATCH" && l["subresource"] == "" && slices.Contains(resources, l["resource"])
	})
}

// Total sums the values of m.
func Total(m map[string]float64) float64 {
	t := 0.0
	for _, v := range m {
		t += v
	}
	return t
}

// SettleWatches polls Watches every 250 ms until their total has not
// changed for quiet (a watcher has opened all its watches) and each scope
// in atLeast counts at least that many, or timeout passes; it returns the
// last count and how long it took. atLeast keeps a pause before the
// watches open from passing for their end: a watcher namespace by
// namespace opens them once its lists are in, which can take longer than
// quiet after its first screen.
func SettleWatches(ctx context.Context, rc rest.Interface, resources []string, quiet, timeout time.Duration, atLeast map[string]float64) (map[string]float64, time.Duration, error) {
	start := time.Now()
	var last map[string]float64
	stable := start
	for {
		m, err := Watches(ctx, rc, resources)
		if err != nil {
			return nil, time.Since(start), err
		}
		if last == nil || Total(m) != Total(last) {
			last, stable = m, time.Now()
		}
		if reaches(last, atLeast) && time.Since(stable) >= quiet {
			return last, stable.Sub(start), nil
		}
		if time.Since(start) > timeout {
			return last, time.Since(start), fmt.Errorf("watches still changing after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return last, time.Since(start), ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// reaches reports whether m counts at least min's count in each scope.
func reaches(m, min map[string]float64) bool {
	for scope, n := range min {
		if m[scope] < n {
			return false
		}
	}
	return true
}
