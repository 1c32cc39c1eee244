package compose

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/transform"
	"github.com/compose-spec/compose-go/v2/tree"
)

// walkCases are compose files with every kind of relative path compose-go
// resolves and every default it sets, next to the keys the walks' view
// leaves out; TestCastsKeepTheProject loads them lean and as compose-go
// does. Files compose-go rejects must fail with the same error.
var walkCases = map[string]map[string]string{
	"walks: paths and defaults": {"compose.yaml": `
x-common: &common
  environment: {A: ./a, B: "${CTX}"}
  labels: {com.example.path: ./labelled}
services:
  web:
    <<: *common
    image: nginx
    build: {context: "${CTX}", dockerfile: Dockerfile, additional_contexts: {extra: ./extra, remote: "https://github.com/x/y.git"}, ssh: ["default=./ssh.pem"]}
    env_file: [./web.env, {path: ./opt.env, required: false}]
    label_file: ./labels.properties
    volumes: [./data:/data, "~/cache:/cache:ro", "named:/named", {type: bind, source: ./conf, target: /conf}, {type: bind, source: ./ro, target: /ro, bind: {create_host_path: false}}]
    ports: [{target: 80, published: "8080"}, "9090:90/udp"]
    secrets: [token, {source: key, target: /etc/key}]
    configs: [site]
    develop: {watch: [{path: ./src, action: sync, target: /app}]}
    command: [serve, ./public]
    healthcheck: {test: [CMD, ./check], interval: 10s}
    depends_on: [api]
    x-berth: {note: ./not-a-path}
  api:
    build: ./api
    gpus: [{driver: nvidia}]
    deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}
    entrypoint: ./start.sh
    sysctls: {net.core.somaxconn: 1024}
    extra_hosts: ["db:10.0.0.2"]
  x-named-service:
    image: busybox
    volumes: [./x:/x]
secrets:
  token: {file: ./token.txt}
  key: {environment: KEY}
configs:
  site: {file: ./site.conf}
volumes:
  named: {}
  local: {driver: local, driver_opts: {type: none, o: bind, device: ./device}}
`,
		"web.env": "A=1\n", "labels.properties": "a=b\n", "token.txt": "t\n", "site.conf": "c\n",
		"api/Dockerfile": "FROM scratch\n",
	},
	"walks: override and profile": {
		"compose.yaml":          "services:\n  web: {image: nginx, volumes: [./data:/data]}\n  tools: {image: tools, profiles: [debug], build: ./tools, env_file: ./tools.env}\n",
		"compose.override.yaml": "services:\n  web: {volumes: [./more:/more], environment: [X=./x]}\n",
		"tools.env":             "T=1\n",
	},
	"walks: pre_start hooks": {"compose.yaml": `
services:
  web:
    image: nginx
    env_file: ./web.env
    volumes: [./data:/data]
    pre_start:
      - command: [migrate]
        volumes: [./migrations:/migrations]
        env_file: ./hook.env
`, "web.env": "A=1\n", "hook.env": "B=2\n"},
	"walks: jobs":                {"compose.yaml": "services:\n  web: {image: nginx}\njobs:\n  backup: {image: tools, triggers: {manual: true}, volumes: [./backup:/backup], env_file: ./job.env, build: ./tools}\n", "job.env": "J=1\n"},
	"walks: bind without source": {"compose.yaml": "services:\n  web: {image: nginx, volumes: [{type: bind, target: /data}]}\n"},
	"walks: bad device request":  {"compose.yaml": "services:\n  web: {image: nginx, gpus: [{count: 1, device_ids: ['0']}]}\n"},
}

// TestWalksRunOnTheView checks the lean load runs compose-go's walks through
// the hook (else it would quietly load the whole way) and that the view
// leaves out what it should.
func TestWalksRunOnTheView(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(walkCases["walks: override and profile"]["compose.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	po, err := cli.NewProjectOptions(nil, cli.WithWorkingDirectory(dir), cli.WithDefaultConfigPath, cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatal(err)
	}
	w, err := leanOptions(po)
	if err != nil || w == nil {
		t.Fatalf("lean options: %v, %v", w, err)
	}
	p, err := po.LoadProject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !w.ran || w.err != nil || !w.defaults || !w.resolve {
		t.Fatalf("walks ran %v (err %v, defaults %v, paths %v), want run with both", w.ran, w.err, w.defaults, w.resolve)
	}
	if got := p.Services["web"].Volumes[0].Source; got != filepath.Join(dir, "data") {
		t.Errorf("web's bind source %q, want it absolute", got)
	}
	view := walkView(map[string]any{
		"x-top":    map[string]any{},
		"volumes":  map[string]any{},
		"services": map[string]any{"web": map[string]any{"environment": 1, "x-e": 1, "volumes": 1, "build": 1}},
	})
	if _, ok := view["x-top"]; ok || view["volumes"] == nil {
		t.Errorf("view %v: want volumes and no x-top", view)
	}
	if web := view["services"].(map[string]any)["web"].(map[string]any); len(web) != 2 || web["volumes"] == nil || web["build"] == nil {
		t.Errorf("web in the view %v, want volumes and build only", web)
	}
}

// TestWalksViewHoldsEveryPattern fails when compose-go sets a default or
// resolves a path under a key the view leaves out: the default values'
// patterns are exported, the paths' resolvers are read from compose-go's
// source (paths/resolve.go, in the module cache the build used).
func TestWalksViewHoldsEveryPattern(t *testing.T) {
	patterns := slices.Collect(maps.Keys(transform.DefaultValues))
	if len(patterns) < 5 {
		t.Fatal("compose-go has few default values: update walks.go")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/compose-spec/compose-go/v2").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "paths", "resolve.go"))
	if err != nil {
		t.Fatal(err)
	}
	resolvers := regexp.MustCompile(`"([a-z_.*\[\]]+)":\s+r\.`).FindAllSubmatch(src, -1)
	if len(resolvers) < 10 {
		t.Fatalf("found %d resolvers in compose-go's paths/resolve.go: update the test", len(resolvers))
	}
	for _, m := range resolvers {
		patterns = append(patterns, tree.Path(m[1]))
	}
	for _, p := range patterns {
		parts := strings.Split(string(p), ".")
		switch {
		case p == rootPattern:
		case !walkSections[parts[0]]:
			t.Errorf("compose-go walks %s, under a section the view leaves out", p)
		case len(parts) > 2 && (parts[0] == "services" || parts[0] == "jobs") && !walkKeys[parts[2]]:
			t.Errorf("compose-go walks %s, under a key the view leaves out", p)
		}
	}
}

// TestMergeView checks that values the walks replace in the view, not only
// those they change in place, reach the model.
func TestMergeView(t *testing.T) {
	web := map[string]any{"build": "./web", "environment": map[string]any{"A": "1"}}
	dict := map[string]any{"services": map[string]any{"web": web}, "x-a": 1, "volumes": map[string]any{}}
	view := walkView(dict)
	view["services"].(map[string]any)["web"].(map[string]any)["build"] = map[string]any{"context": "/abs/web"}
	view["volumes"] = map[string]any{"data": nil}
	mergeView(dict, view)
	if b, ok := web["build"].(map[string]any); !ok || b["context"] != "/abs/web" || web["environment"] == nil {
		t.Errorf("web after the merge %v, want the view's build and its environment", web)
	}
	if v := dict["volumes"].(map[string]any); len(v) != 1 || dict["x-a"] != 1 {
		t.Errorf("model after the merge %v, want the view's volumes and x-a kept", dict)
	}
}

// FuzzLeanLoad: for any single compose file, the lean load (narrowed casts
// and walks) gives compose-go's own project, or its error.
func FuzzLeanLoad(f *testing.F) {
	for _, cases := range []map[string]map[string]string{castCases, walkCases} {
		for _, files := range cases {
			f.Add([]byte(files["compose.yaml"]))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		o := LoadOptions{WorkingDir: dir, ProjectName: "fuzz", Environment: []string{"CTX=./ctx", "REPLICAS=2"}}
		lean, lerr := load(context.Background(), o, true)
		whole, werr := load(context.Background(), o, false)
		// compose-go lists several unknown keys in map order: its own
		// message varies from load to load, so look for the lean one
		for i := 0; i < 20 && lerr != nil && werr != nil && lerr.Error() != werr.Error(); i++ {
			whole, werr = load(context.Background(), o, false)
		}
		if (lerr == nil) != (werr == nil) || lerr != nil && lerr.Error() != werr.Error() {
			t.Fatalf("errors differ: lean %v, compose-go's %v", lerr, werr)
		}
		if !reflect.DeepEqual(lean, whole) {
			t.Fatalf("the lean project differs from compose-go's")
		}
	})
}
