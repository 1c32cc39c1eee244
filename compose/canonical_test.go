package compose

import (
	"context"
	"maps"
	"os"
	"path/filepath"
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

// invalidCases each break one of compose-go's semantic checks (one each:
// with two, which of them a walk reports first depends on map order).
var invalidCases = map[string]map[string]string{
	"invalid: config file and content": {"compose.yaml": `
services:
  web:
    image: nginx
    configs: [app]
configs:
  app:
    file: ./app.conf
    content: x
`, "app.conf": "x\n"},
	"invalid: port host ip": {"compose.yaml": `
services:
  web:
    image: nginx
    environment: [A=1]
    ports:
      - target: 80
        host_ip: not-an-ip
`},
	"invalid: external volume with driver": {"compose.yaml": `
services:
  web:
    image: nginx
    volumes: [data:/data]
volumes:
  data:
    external: true
    driver: local
`},
	"invalid: gpu count and ids": {"compose.yaml": `
services:
  web:
    image: nginx
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [gpu]
              count: 1
              device_ids: ["0"]
`},
	"invalid: watch without path": {"compose.yaml": `
services:
  web:
    image: nginx
    develop:
      watch:
        - action: sync
          target: /src
`},
}

// TestRegistryWalksKeepTheModel loads every app with berth's walks of
// compose-go's registries and with compose-go's own (the root hooks taken
// out), lean and whole: the projects (or the errors) must be the same.
func TestRegistryWalksKeepTheModel(t *testing.T) {
	apps := equivalenceApps(t)
	for name, files := range invalidCases {
		apps[name] = LoadOptions{WorkingDir: writeApp(t, files)}
	}
	for name, o := range apps {
		t.Run(name, func(t *testing.T) {
			for _, lean := range []bool{true, false} {
				pruned, perr := load(context.Background(), o, lean)
				if _, ours := canonicalCases[name]; ours && perr != nil {
					t.Fatalf("lean %v: %v", lean, perr)
				}
				if _, bad := invalidCases[name]; bad && perr == nil {
					t.Fatalf("lean %v: the invalid app loaded", lean)
				}
				restore := withComposeGoWalks()
				whole, werr := load(context.Background(), o, lean)
				restore()
				if (perr == nil) != (werr == nil) || perr != nil && perr.Error() != werr.Error() {
					t.Fatalf("lean %v: errors differ: berth's walks %v, compose-go's %v", lean, perr, werr)
				}
				if !reflect.DeepEqual(pruned, whole) {
					t.Errorf("lean %v: the project differs from the one compose-go's walks make", lean)
				}
			}
		})
	}
}

// writeApp writes files to a new directory.
func writeApp(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, text := range files {
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// withComposeGoWalks takes berth's walks out of compose-go's registries
// until the returned func is called. Tests of this package do not run in
// parallel.
func withComposeGoWalks() (restore func()) {
	transformer, defaults, check := canonicalTransformers[rootPattern], transform.DefaultValues[rootPattern], validationChecks[rootPattern]
	delete(canonicalTransformers, rootPattern)
	delete(transform.DefaultValues, rootPattern)
	delete(validationChecks, rootPattern)
	return func() {
		canonicalTransformers[rootPattern] = transformer
		transform.DefaultValues[rootPattern] = defaults
		validationChecks[rootPattern] = check
	}
}

// TestRegistryPatternsAreApart checks, on the compose-go linked, what
// lets berth's walks take the first pattern matching a path: no path
// matches two patterns of a registry (compose-go tries them in the map's
// random order). It also checks that the root hooks are installed.
func TestRegistryPatternsAreApart(t *testing.T) {
	if len(canonicalTransformers) < 20 || len(validationChecks) < 5 || len(transform.DefaultValues) < 5 {
		t.Fatalf("compose-go's registries hold %d transformers, %d checks, %d default values: the linknames no longer reach them",
			len(canonicalTransformers), len(validationChecks), len(transform.DefaultValues))
	}
	if canonicalTransformers[rootPattern] == nil || validationChecks[rootPattern] == nil || transform.DefaultValues[rootPattern] == nil {
		t.Fatal("berth's walks are not installed at the root pattern")
	}
	for name, registry := range map[string][]tree.Path{
		"transformers":   slices.Collect(maps.Keys(canonicalTransformers)),
		"checks":         slices.Collect(maps.Keys(validationChecks)),
		"default values": slices.Collect(maps.Keys(transform.DefaultValues)),
	} {
		slices.Sort(registry)
		for i, a := range registry {
			for _, b := range registry[i+1:] {
				if overlap(a, b) {
					t.Errorf("%s: patterns %s and %s match the same paths", name, a, b)
				}
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
func TestRegistryWalkMatch(t *testing.T) {
	fn := func(data any, _ tree.Path, _ bool) (any, error) { return data, nil }
	w := newRegistryWalk(map[tree.Path]transform.Func{
		"services.*":             fn,
		"services.*.ports":       fn,
		"services.*.volumes.*":   fn,
		"services.*.build.ssh":   fn,
		"services.*.develop.*.x": fn,
	}, true)
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
