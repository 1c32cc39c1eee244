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
