package logs

import "testing"

func TestNamerShortestUniqueSuffix(t *testing.T) {
	n := newNamer("web")
	for _, tc := range []struct{ pod, want string }{
		{"web-7887448d46-js7bt", "js7bt"},
		{"web-7887448d46-qztlr", "qztlr"},
		{"web-5f6c8d9b7-js7bt", "5f6c8d9b7-js7bt"}, // same tail, another ReplicaSet
		{"web-7887448d46-js7bt", "js7bt"},          // a name stays
		{"other-thing", "thing"},                   // not the workload's prefix
		{"web-0", "0"},                             // StatefulSet
	} {
		if got := n.name(tc.pod); got != tc.want {
			t.Errorf("name(%s) = %q, want %q", tc.pod, got, tc.want)
		}
	}
	n.forget("web-7887448d46-js7bt")
	if got := n.name("web-9-js7bt"); got != "js7bt" {
		t.Errorf("after the pod went, its name is free again: got %q", got)
	}
}
