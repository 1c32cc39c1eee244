package main

import (
	"testing"
)

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
