package rollout

import "testing"

func TestEventAbout(t *testing.T) {
	for _, c := range []struct {
		event, obj string
		want       bool
	}{
		{"Deployment/web", "Deployment/web", true},
		{"ReplicaSet/web-5d8f7c9b6", "Deployment/web", true},
		{"Pod/web-5d8f7c9b6-x2k4q", "Deployment/web", true},
		{"Pod/migrate-8c1d-7zq9w", "Job/migrate-8c1d", true},
		{"Pod/db-0", "StatefulSet/db", true},
		{"Pod/db-12", "StatefulSet/db", true},
		// Another service whose name starts with this one's.
		{"Deployment/web-admin", "Deployment/web", false},
		{"ReplicaSet/web-admin-5d8f7c9b6", "Deployment/web", false},
		{"Pod/web-admin-5d8f7c9b6-x2k4q", "Deployment/web", false},
		{"ReplicaSet/web-admin", "Deployment/web", false},
		{"Pod/web-api", "Deployment/web", false},
		// Same name, other kinds berth did not make from it.
		{"Service/web", "Deployment/web", false},
		{"PersistentVolumeClaim/web-data", "Deployment/web", false},
		{"Pod/web", "Deployment/web", false},
		{"Pod/web-", "Deployment/web", false},
		{"Pod/web-5d8f7c9b6-x2k4q-zz", "Deployment/web", false},
	} {
		if got := eventAbout(c.event, c.obj); got != c.want {
			t.Errorf("eventAbout(%q, %q) = %v, want %v", c.event, c.obj, got, c.want)
		}
	}
}
