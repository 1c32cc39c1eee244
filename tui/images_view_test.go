package tui

import (
	"strings"
	"testing"
)

// i on an env opens its images: each rollout's and job's image and the
// digest it is pinned to ("not pinned" for a tag only), as status prints.
func TestGoldenImages(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("i")
	s.waitFor("Images shop-feat-login", "Job/seed-3f9a")
	s.golden()
}

// The 60 workloads of the big env at 160×48, from its detail view.
func TestGoldenImagesBig160(t *testing.T) {
	s := openBig(t, 160, 48)
	s.keys("i")
	s.waitFor("Images "+bigNS, "tianon/exim4")
	s.golden()
}

// Every rollout and job of the big env has its row, scrolled to with G,
// with the digest its template names; the filter narrows the list.
func TestImagesListsEveryWorkload(t *testing.T) {
	m := bigModel(t, 200, 80)
	press(m, "i")
	screen := m.render()
	for _, name := range append(append([]string{}, bigServices...), "snuba-bootstrap", "sentry-upgrade-migrations", "create-kafka-topics") {
		img := bigTemplate(name).Spec.Containers[0].Image
		ref, digest, pinned := strings.Cut(img, "@")
		want := "not pinned"
		if pinned {
			want = digest[:len("sha256:")+12]
		}
		if !strings.Contains(screen, "/"+name+" ") || !strings.Contains(screen, ref+" ") || !strings.Contains(screen, want) {
			t.Errorf("%s: no row with %s and %s:\n%s", name, ref, want, screen)
		}
	}
	press(m, "/", "s", "m", "t", "p", "enter")
	screen = m.render()
	if !strings.Contains(screen, "tianon/exim4:latest") || strings.Contains(screen, "Deployment/web ") {
		t.Errorf("filter smtp:\n%s", screen)
	}
}
