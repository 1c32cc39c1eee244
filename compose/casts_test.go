package compose

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/genapp"
)

// castCases are compose files whose string values compose-go must cast:
// quoted and interpolated numbers and booleans at cast paths, a value that
// does not cast, and files whose keys the text alone does not tell.
var castCases = map[string]map[string]string{
	"casts": {"compose.yaml": `
services:
  web:
    image: nginx
    deploy: {replicas: "${REPLICAS}"}
    healthcheck: {test: ["CMD", "true"], retries: "3", disable: "false"}
    ports: [{target: "80", published: "8080"}]
    tty: "true"
    read_only: "${RO:-yes}"
    cpus: "0.5"
    ulimits: {nofile: {soft: "1024", hard: "2048"}, nproc: "65535"}
    volumes: [{type: volume, source: data, target: /data, read_only: "true"}]
    depends_on: {db: {condition: service_started, required: "false"}}
  db:
    image: postgres
    scale: "${SCALE}"
volumes:
  data: {external: "true"}
`},
	"casts: numbers as numbers": {"compose.yaml": `
services:
  web:
    image: nginx
    healthcheck:
      test: [CMD, "true"]
      retries: 3 # a number, not cast
    deploy:
      replicas: 2
    ports:
      - target: 80
        published: "8080"
    volumes:
      - type: volume
        source: data
        target: /data
        read_only: true
    tty:
      "true"
    stdin_open: &open "true"
  db:
    image: postgres
    stdin_open: *open
volumes:
  data:
    external: false
`},
	"bad cast":    {"compose.yaml": "services:\n  web:\n    image: nginx\n    healthcheck: {test: [CMD, 'true'], retries: three}\n"},
	"escaped key": {"compose.yaml": "services:\n  web:\n    image: nginx\n    deploy: {\"repl\\u0069cas\": \"${REPLICAS}\"}\n"},
	"include": {
		"compose.yaml": "include: [other.yaml]\nservices:\n  web: {image: nginx}\n",
		"other.yaml":   "services:\n  api: {image: api, deploy: {replicas: \"${REPLICAS}\"}}\n",
	},
	"extends": {
		"compose.yaml": "services:\n  web: {image: nginx, extends: {file: base.yaml, service: base}}\n",
		"base.yaml":    "services:\n  base: {image: base, tty: \"true\", healthcheck: {test: [CMD, 'true'], retries: \"2\"}}\n",
	},
}

// TestCastsKeepTheProject loads every app lean (the casts narrowed to the
// files' keys, the defaults and path walks narrowed to a view of the model,
// walks.go) and as compose-go loads it by itself: the projects (or the
// errors) must be the same.
func TestCastsKeepTheProject(t *testing.T) {
	for name, o := range equivalenceApps(t) {
		t.Run(name, func(t *testing.T) {
			narrow, nerr := load(context.Background(), o, true)
			whole, werr := load(context.Background(), o, false)
			if (nerr == nil) != (werr == nil) || nerr != nil && nerr.Error() != werr.Error() {
				t.Fatalf("errors differ: narrowed %v, compose-go's %v", nerr, werr)
			}
			if !reflect.DeepEqual(narrow, whole) {
				t.Errorf("the project differs from the one loaded with compose-go's casts")
			}
		})
	}
}

// equivalenceApps are the apps on which a narrowed load is compared with
// compose-go's own: the cast and walk cases, the corpus, the realistic
// and a generated app, each with its load options.
func equivalenceApps(t *testing.T) map[string]LoadOptions {
	dirs := map[string]string{}
	cases := map[string]map[string]string{}
	for name, files := range castCases {
		cases[name] = files
	}
	for name, files := range walkCases {
		cases[name] = files
	}
	for name, files := range canonicalCases {
		cases[name] = files
	}
	for name, files := range cases {
		dir := t.TempDir()
		for rel, text := range files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, rel), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dirs[name] = dir
	}
	for _, app := range corpusApps(t) {
		d, err := filepath.Abs(filepath.Join(corpusDir, app))
		if err != nil {
			t.Fatal(err)
		}
		dirs[app] = d
	}
	dirs["realistic"] = t.TempDir()
	if err := genapp.WriteRealistic(dirs["realistic"], genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	dirs["generated"] = t.TempDir()
	if err := os.WriteFile(filepath.Join(dirs["generated"], "compose.yaml"), []byte(genapp.Compose(40)), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"REPLICAS=4", "SCALE=2", "SENTRY_IMAGE=getsentry/sentry:25.1.0", "HOME=/home/dev", "CTX=./ctx"}
	apps := map[string]LoadOptions{}
	for name, dir := range dirs {
		o := LoadOptions{WorkingDir: dir, Environment: env}
		if name == "walks: override and profile" {
			o.Files = []string{"compose.yaml", "compose.override.yaml"}
		}
		apps[name] = o
	}
	return apps
}

// TestCastsStillCast checks the values the narrowed casts convert.
func TestCastsStillCast(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(castCases["casts"]["compose.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(context.Background(), LoadOptions{WorkingDir: dir, Environment: []string{"REPLICAS=4", "SCALE=2"}})
	if err != nil {
		t.Fatal(err)
	}
	web := p.Services["web"]
	if web.Deploy == nil || web.Deploy.Replicas == nil || *web.Deploy.Replicas != 4 {
		t.Errorf("deploy.replicas %v, want 4", web.Deploy)
	}
	if web.HealthCheck == nil || web.HealthCheck.Retries == nil || *web.HealthCheck.Retries != 3 {
		t.Errorf("healthcheck.retries %v, want 3", web.HealthCheck)
	}
	if !web.Tty || !web.ReadOnly || web.CPUS != 0.5 || web.Ports[0].Target != 80 {
		t.Errorf("tty %v read_only %v cpus %v target %d, want true true 0.5 80", web.Tty, web.ReadOnly, web.CPUS, web.Ports[0].Target)
	}
	if !p.Volumes["data"].External {
		t.Error("volumes.data.external not true")
	}
}

func TestCastsIn(t *testing.T) {
	all := loader.ToOptions(&types.ConfigDetails{}, nil).Interpolate.TypeCastMapping
	kept := castsIn(all, [][]byte{[]byte("services:\n  web:\n    tty: 'true'\n    deploy: {resources: {}}\n")})
	var got []string
	for p := range kept {
		got = append(got, string(p))
	}
	slices.Sort(got)
	if want := []string{"services.*.tty"}; !slices.Equal(got, want) {
		t.Errorf("kept %v, want %v", got, want)
	}
	if n := len(castsIn(all, [][]byte{[]byte("x")})); n != 0 {
		t.Errorf("%d patterns kept for a text with no keys", n)
	}
	// every key of every pattern in the text: all kept
	var text []byte
	for p := range all {
		text = append(text, string(p)+"\n"...)
	}
	if n := len(castsIn(all, [][]byte{text})); n != len(all) {
		t.Errorf("%d of %d patterns kept for a text with all their keys", n, len(all))
	}
	if _, ok := all[tree.NewPath("services", tree.PathMatchAll, "tty")]; !ok {
		t.Error("compose-go no longer casts services.*.tty: update the tests")
	}
}

// TestMayHoldString: a key holds no string only where every occurrence of
// it is a line with a number or a bool.
func TestMayHoldString(t *testing.T) {
	for text, want := range map[string]bool{
		"retries: 10\n":                     false,
		"  retries: 10 # ten\n":             false,
		"- retries: -1\nx:\n  retries: 1.5": false,
		"retries: true\nretries: false\n":   false,
		"image: x\n":                        false, // no occurrence
		"retries: '3'\n":                    true,
		"retries: \"3\"\n":                  true,
		"retries: ${R}\n":                   true,
		"retries: &a 3\n":                   true,
		"retries: *a\n":                     true,
		"retries:\n  3\n":                   true,
		"hc: {retries: 3}\n":                true,
		"max_retries: 3\nretries: 3\n":      true,
		"retries: 10#c\n":                   true,
		"retries: 1_0\n":                    true,
		"retries: 0x1\n":                    true,
		"retries: True\n":                   true,
		"retries: 3\r\n":                    true,
		"retries: abc\n":                    true,
		"retries: 3 # a\nx: '# retries'\n":  true,
	} {
		if got := mayHoldString([][]byte{[]byte(text)}, "retries"); got != want {
			t.Errorf("%q: may hold a string %v, want %v", text, got, want)
		}
	}
	if !mayHoldString([][]byte{[]byte("retries: 3\n"), []byte("retries: '3'\n")}, "retries") {
		t.Error("a string in the second file was missed")
	}
}

// TestComposeTextsFallBack lists the files whose keys the text does not
// tell, for which compose-go's whole mapping is kept.
func TestComposeTextsFallBack(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"plain.yaml":   "services:\n  web: {image: nginx}\n",
		"escape.yaml":  "services:\n  web: {image: \"ngin\\x78\"}\n",
		"include.yaml": "include: [plain.yaml]\n",
		"extends.yaml": "services:\n  web: {extends: {service: x}}\n",
		"utf16.yaml":   "\xff\xfes\x00e\x00",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	if _, ok := composeTexts([]string{at("plain.yaml")}); !ok {
		t.Error("plain.yaml: whole mapping kept, want narrowed")
	}
	for _, files := range [][]string{
		{at("plain.yaml"), at("escape.yaml")}, {at("include.yaml")}, {at("extends.yaml")},
		{at("utf16.yaml")}, {"-"}, {at("missing.yaml")}, nil,
	} {
		if _, ok := composeTexts(files); ok {
			t.Errorf("%v: narrowed, want compose-go's whole mapping", files)
		}
	}
}

// TestDollarsOnly: values without a "$" come back as compose-go's
// substitution returns them; the others go through it.
func TestDollarsOnly(t *testing.T) {
	env := map[string]string{"A": "1", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	calls := 0
	counted := func(s string, m template.Mapping) (string, error) { calls++; return template.Substitute(s, m) }
	sub := dollarsOnly(counted)
	for _, v := range []string{"", "plain", "a{b}c", "100%", "${A}", "$A", "$$A", "x$", "${EMPTY:-d}", "${MISSING?gone}", "${", "a $ b", "{A}", "\\$A"} {
		want, werr := template.Substitute(v, lookup)
		got, gerr := sub(v, lookup)
		if got != want || (werr == nil) != (gerr == nil) {
			t.Errorf("%q: got %q, %v; compose-go %q, %v", v, got, gerr, want, werr)
		}
	}
	if calls != 9 {
		t.Errorf("substitution ran %d times, want 9 (the values with a $)", calls)
	}
}
