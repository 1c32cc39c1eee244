package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/bench/apimetrics"
	"github.com/berth-dev/berth/k8s"
)

// apiCounters is one scrape of the apiserver's counters the apply bench
// reads: APPLY server time and every request by verb and resource.
type apiCounters struct {
	apply serverTime
	reqs  map[string]float64 // apiserver_request_total by requestKey
}

// scrapeAPI scrapes the apiserver's /metrics once.
func scrapeAPI(ctx context.Context, c *k8s.Client) (apiCounters, error) {
	ss, err := apimetrics.Scrape(ctx, c.Typed.CoreV1().RESTClient(),
		"apiserver_request_duration_seconds_count", "apiserver_request_duration_seconds_sum", "apiserver_request_total")
	if err != nil {
		return apiCounters{}, err
	}
	apply := func(l map[string]string) bool { return l["verb"] == "APPLY" }
	out := apiCounters{
		apply: serverTime{
			count: ss.SumBy("apiserver_request_duration_seconds_count", "verb", apply)["APPLY"],
			sum:   ss.SumBy("apiserver_request_duration_seconds_sum", "verb", apply)["APPLY"],
		},
		reqs: map[string]float64{},
	}
	for _, s := range ss {
		if s.Name == "apiserver_request_total" {
			out.reqs[requestKey(s.Labels)] += s.Value
		}
	}
	return out, nil
}

// requestKey is "VERB resource[/subresource]", e.g. "PATCH pods/status";
// for a non-resource path the apiserver puts the path in subresource:
// "GET /metrics".
func requestKey(l map[string]string) string {
	r, sub := l["resource"], l["subresource"]
	switch {
	case r == "":
		r = sub
	case sub != "":
		r += "/" + sub
	}
	return l["verb"] + " " + r
}

// ownScrape is the bench's own GET of /metrics, which the apiserver counts
// when it ends — inside the window it opens.
const ownScrape = "GET /metrics"

// window is what the apiserver did between two scrapes, split into the
// requests of berth's client (counted as it sent them) and everyone else's.
type window struct {
	apply  serverTime         // every APPLY, berth's and others'
	own    map[string]float64 // berth's client
	others map[string]float64 // the apiserver's count less berth's and the scrape
}

// windowOf is after − before on the apiserver, less own (berth's requests
// in the window).
func windowOf(before, after apiCounters, own map[string]float64) window {
	others := apimetrics.Delta(before.reqs, after.reqs)
	delete(others, ownScrape)
	for k, v := range own {
		others[k] -= v
		if others[k] <= 0 {
			delete(others, k)
		}
	}
	return window{apply: after.apply.sub(before.apply), own: own, others: others}
}

// requestMix is the requests of windows, mean per window.
type requestMix struct {
	own, others map[string]float64
}

func mixOf(ws ...window) requestMix {
	m := requestMix{own: map[string]float64{}, others: map[string]float64{}}
	n := float64(len(ws))
	for _, w := range ws {
		for k, v := range w.own {
			m.own[k] += v / n
		}
		for k, v := range w.others {
			m.others[k] += v / n
		}
	}
	return m
}

func total(m map[string]float64) float64 {
	var t float64
	for _, v := range m {
		t += v
	}
	return t
}

// top formats the n largest counts of m, "POST pods 212, PATCH pods/status
// 200, …, 14 more 31"; counts under 0.5 (means of a few runs) go to "more".
func top(m map[string]float64, n int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	var parts []string
	var rest float64
	var more int
	for i, k := range keys {
		if i < n && m[k] >= 0.5 {
			parts = append(parts, fmt.Sprintf("%s %.0f", k, m[k]))
		} else {
			rest += m[k]
			more++
		}
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("%d more %.0f", more, rest))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
