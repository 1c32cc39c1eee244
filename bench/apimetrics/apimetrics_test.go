package apimetrics

import "testing"

func TestParse(t *testing.T) {
	text := `# HELP apiserver_request_total x
apiserver_request_total{code="200",resource="pods",verb="LIST"} 3
apiserver_request_total{code="200",resource="pods",verb="WATCH"} 2
apiserver_request_total{code="201",resource="leases",verb="PUT"} 7
other_metric 1
`
	ss := Parse(text, "apiserver_request_total")
	if len(ss) != 3 {
		t.Fatalf("%d samples, want 3", len(ss))
	}
	got := ss.SumBy("apiserver_request_total", "verb", func(l map[string]string) bool { return l["resource"] == "pods" })
	if got["LIST"] != 3 || got["WATCH"] != 2 || len(got) != 2 {
		t.Errorf("by verb = %v", got)
	}
	d := Delta(map[string]float64{"LIST": 3}, got)
	if Format(d) != "WATCH 2" {
		t.Errorf("delta = %q", Format(d))
	}
}

func TestWatchesByScope(t *testing.T) {
	ss := Parse(`apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="WATCH",version="v1"} 5
apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="WATCH",version="v1"} 500
apiserver_longrunning_requests{component="apiserver",group="apps",resource="deployments",scope="namespace",subresource="",verb="WATCH",version="v1"} 500
apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="log",verb="WATCH",version="v1"} 7
apiserver_longrunning_requests{component="apiserver",group="",resource="secrets",scope="cluster",subresource="",verb="WATCH",version="v1"} 2
apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="exec",verb="CONNECT",version="v1"} 1
`, "apiserver_longrunning_requests")
	got := ss.Watches([]string{"pods", "deployments"})
	if got["cluster"] != 5 || got["namespace"] != 1000 || Total(got) != 1005 {
		t.Errorf("watches by scope %v, want cluster 5, namespace 1000", got)
	}
}
