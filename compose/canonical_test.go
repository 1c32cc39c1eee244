package compose

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/transform"
	"github.com/compose-spec/compose-go/v2/tree"
)

// canonicalCases hold what compose-go's transformers change below a
// service: short syntaxes, strings for lists, lists for maps, build
// options, an extends from another file and an include (loaded by
// compose-go's whole load, not the lean one).
var canonicalCases = map[string]map[string]string{
	"canonical: short syntaxes": {
		"compose.yaml": `
include:
  - inc/compose.yaml
services:
  web:
    extends:
      file: base.yaml
      service: base
    build:
      context: .
      ssh: [default]
      secrets: [npmrc]
      additional_contexts: ["lib=../lib"]
      ulimits:
        nofile: 1024
    ports: ["8080:80", "9000-9001:9000-9001/udp"]
    volumes: ["./data:/data:ro", "cache:/cache"]
    devices: ["/dev/fuse:/dev/fuse"]
    secrets: [npmrc]
    configs: [app]
    networks: [front, back]
    dns: 8.8.8.8
    env_file: web.env
    depends_on: [db]
    ulimits:
      nproc: 65535
    develop:
      watch:
        - path: ./src
          action: sync
          target: /src
          ignore: node_modules
    environment:
      A: "1"
      B:
    command: ["serve", "--port", "80"]
    labels: ["x.y=z"]
    healthcheck:
      test: curl -f http://localhost/
  db:
    image: postgres
volumes:
  cache: {}
networks:
  front: {}
  back:
    external: true
secrets:
  npmrc:
    file: ./npmrc
configs:
  app:
    file: ./app.conf
`,
		"base.yaml": `
services:
  base:
    image: nginx
    environment: ["C=3"]
    volumes: ["./base:/base"]
`,
		"inc/compose.yaml": `
services:
  worker:
    image: busybox
    volumes: ["./w:/w"]
    ports: ["7000"]
`,
		"web.env":  "D=4\n",
		"npmrc":    "token\n",
		"app.conf": "x\n",
	},
}

// TestCanonicalWalkKeepsTheModel loads every app with berth's walk of
// services and with compose-go's own (the hooks' transformers put back),
// lean and whole: the projects (or the errors) must be the same.
func TestCanonicalWalkKeepsTheModel(t *testing.T) {
	for name, o := range equivalenceApps(t) {
		t.Run(name, func(t *testing.T) {
			for _, lean := range []bool{true, false} {
				pruned, perr := load(context.Background(), o, lean)
				if _, ours := canonicalCases[name]; ours && perr != nil {
					t.Fatalf("lean %v: %v", lean, perr)
				}
				restore := withOriginalTransformers()
				whole, werr := load(context.Background(), o, lean)
				restore()
				if (perr == nil) != (werr == nil) || perr != nil && perr.Error() != werr.Error() {
					t.Fatalf("lean %v: errors differ: berth's walk %v, compose-go's %v", lean, perr, werr)
				}
				if !reflect.DeepEqual(pruned, whole) {
					t.Errorf("lean %v: the project differs from the one compose-go's walk makes", lean)
				}
			}
		})
	}
}

// withOriginalTransformers puts compose-go's own transformers back at the
// hooks until the returned func is called. Tests of this package do not
// run in parallel.
func withOriginalTransformers() (restore func()) {
	ours := map[tree.Path]transform.Func{}
	for _, p := range canonicalHooks {
		ours[p] = canonicalTransformers[p]
		canonicalTransformers[p] = canonical.original[p]
	}
	return func() {
		for p, fn := range ours {
			canonicalTransformers[p] = fn
		}
	}
}

// TestCanonicalPatternsAreApart checks, on the compose-go linked, what
// lets berth's walk take the first pattern matching a path: no path
// matches two of them (compose-go tries them in the map's random order).
// It also checks that the hooks are installed and are the patterns of a
// service's transformer.
func TestCanonicalPatternsAreApart(t *testing.T) {
	if len(canonicalTransformers) < 20 {
		t.Fatalf("compose-go's registry holds %d transformers: the linkname no longer reaches it", len(canonicalTransformers))
	}
	ours := reflect.ValueOf(canonical.service).Pointer()
	for _, p := range canonicalHooks {
		if fn := canonicalTransformers[p]; fn == nil || reflect.ValueOf(fn).Pointer() != ours {
			t.Errorf("%s: berth's walk is not installed", p)
		}
	}
	var patterns []tree.Path
	for p := range canonicalTransformers {
		patterns = append(patterns, p)
	}
	slices.Sort(patterns)
	for i, a := range patterns {
		for _, b := range patterns[i+1:] {
			if overlap(a, b) {
				t.Errorf("patterns %s and %s match the same paths", a, b)
			}
		}
	}
	if !overlap("services.*.ports", "*.web.ports") || overlap("services.*.ports", "services.*.volumes") || overlap("services.*", "services.*.ports") {
		t.Errorf("overlap is wrong")
	}
}

// overlap reports whether some path matches both patterns.
func overlap(a, b tree.Path) bool {
	pa, pb := a.Parts(), b.Parts()
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if pa[i] != tree.PathMatchAll && pb[i] != tree.PathMatchAll && pa[i] != pb[i] {
			return false
		}
	}
	return true
}

// match finds the pattern of a path and says when a pattern lies below.
func TestCanonicalWalkMatch(t *testing.T) {
	fn := func(data any, _ tree.Path, _ bool) (any, error) { return data, nil }
	w := newCanonicalWalk(map[tree.Path]transform.Func{
		"services.*":             fn,
		"services.*.ports":       fn,
		"services.*.volumes.*":   fn,
		"services.*.build.ssh":   fn,
		"services.*.develop.*.x": fn,
	})
	for _, c := range []struct {
		path         tree.Path
		found, below bool
	}{
		{"services.web", true, false},
		{"services.web.ports", true, false},
		{"services.web.volumes", false, true},
		{"services.web.volumes.[]", true, false},
		{"services.web.build", false, true},
		{"services.web.environment", false, false},
		{"services.web.environment.A", false, false},
		{"services.web.develop.watch", false, true},
	} {
		f, below := w.match(c.path.Parts())
		if (f != nil) != c.found || below != c.below {
			t.Errorf("%s: found %v below %v, want %v %v", c.path, f != nil, below, c.found, c.below)
		}
	}
}
