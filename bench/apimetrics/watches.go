package apimetrics

import (
	"context"
	"slices"

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
