package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testcluster"
)

// EnvBadInputTable, when set, names a file the bad-input test writes its
// observed table to (markdown rows for docs/reliability.md).
const EnvBadInputTable = "BERTH_BADINPUT_TABLE"

// badInput is one kind of bad input and what berth must answer.
type badInput struct {
	kind  string
	args  []string
	edit  func(rel string, data []byte) []byte // of the example repo
	setup func(t *testing.T, dir string) []string
	code  int
	want  []string // substrings of stderr
}

// replaceFile returns an edit that replaces file rel of the repo.
func replaceFile(rel, content string) func(string, []byte) []byte {
	return func(r string, data []byte) []byte {
		if r == rel {
			return []byte(content)
		}
		return data
	}
}

// TestBadInput runs berth on each kind of bad input and checks the exit
// code and that the message names the problem (docs/reliability.md lists
// the same table).
func TestBadInput(t *testing.T) {
	t.Parallel()
	_, admin := private(t)
	unreachable := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(unreachable, []byte(`apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []badInput{
		{kind: "unknown flag", args: []string{"up", "--bogus"}, code: 2, want: []string{"unknown flag: --bogus"}},
		{kind: "unknown command", args: []string{"deploy"}, code: 2, want: []string{`unknown command "deploy"`}},
		{kind: "unknown output format", args: []string{"ls", "-o", "xml"}, code: 2, want: []string{`"xml"`}},
		{kind: "malformed duration flag", args: []string{"up", "--timeout", "soon"}, code: 2, want: []string{"--timeout"}},
		{kind: "berth.yaml: unknown field", args: []string{"up"}, edit: replaceFile("berth.yaml", "project: shop\nttl: 7d\nreplicas: 3\n"), code: 1,
			want: []string{"line 3", `unknown field "replicas"`}},
		{kind: "berth.yaml: bad duration", args: []string{"up"}, edit: replaceFile("berth.yaml", "project: shop\nttl: 7 days\n"), code: 1,
			want: []string{"line 2", "ttl", `invalid duration "7 days"`}},
		{kind: "berth.yaml: bad project name", args: []string{"up"}, edit: replaceFile("berth.yaml", "project: My_Shop\n"), code: 1,
			want: []string{"line 1", "project"}},
		{kind: "berth.yaml: not YAML", args: []string{"up"}, edit: replaceFile("berth.yaml", "project: [shop\n"), code: 1, want: []string{"berth.yaml"}},
		{kind: "berth.yaml: invalid webhook URL", args: []string{"up"}, edit: replaceFile("berth.yaml", "project: shop\nwebhook: hooks.example.com/T0/B0/secret\n"), code: 1,
			want: []string{"webhook", "value not shown"}},
		{kind: "berth.yaml: external mapping of a claim no workload mounts", args: []string{"up"}, edit: replaceFile("berth.yaml", "project: shop\nexternal:\n  volumes:\n    nope: {size: 2Gi}\n"), code: 1,
			want: []string{"berth.yaml", "line 4", "external.volumes.nope"}},
		{kind: "compose: syntax error", args: []string{"up"}, edit: replaceFile("compose.yaml", "services:\n  web:\n    image: x\n   ports: [80]\n"), code: 1,
			want: []string{"compose.yaml", "line 3"}},
		{kind: "compose: invalid field value", args: []string{"up"}, edit: replaceFile("compose.yaml", "services:\n  web:\n    image: x\n    ports: [\"eighty\"]\n"), code: 1,
			want: []string{"compose.yaml", "eighty"}},
		{kind: "compose: depends_on an unknown service", args: []string{"up"}, edit: replaceFile("compose.yaml", "services:\n  web:\n    image: x\n    depends_on: [db]\n"), code: 1,
			want: []string{"db"}},
		{kind: "no compose file", args: []string{"up"}, setup: func(t *testing.T, dir string) []string {
			if err := os.Remove(filepath.Join(dir, "compose.yaml")); err != nil {
				t.Fatal(err)
			}
			return nil
		}, code: 1, want: []string{"compose"}},
		{kind: "not a git repository, no --branch", args: []string{"up"}, setup: func(t *testing.T, dir string) []string {
			if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
				t.Fatal(err)
			}
			return nil
		}, code: 1, want: []string{"--branch"}},
		{kind: "invalid image tag", args: []string{"up", "--tag", "-bad tag"}, code: 1, want: []string{"image tag"}},
		{kind: "unknown kubeconfig context", args: []string{"--context", "nope", "ls"}, code: 1, want: []string{"nope"}},
		{kind: "unreachable cluster", args: []string{"--kubeconfig", unreachable, "ls"}, code: 1, want: []string{"127.0.0.1:1"}},
		{kind: "status of an environment that does not exist", args: []string{"status", "no-such-branch"}, code: 1, want: []string{"no berth environment"}},
		{kind: "down of a namespace berth does not own", args: []string{"down", "kube-system", "--yes"}, code: 1, want: []string{"kube-system", "not"}},
		{kind: "sleep of a namespace berth does not own", args: []string{"sleep", "default"}, code: 1, want: []string{"default", "not"}},
		{kind: "a migration that fails", args: []string{"up", "--timeout", "1m"}, setup: func(t *testing.T, dir string) []string {
			r := berth(context.Background(), dir, "convert")
			if r.code != 0 {
				t.Fatalf("convert: %s", r.stderr)
			}
			migrate := filepath.Join(dir, "deploy", "base", "migrate.yaml")
			raw, err := os.ReadFile(migrate)
			if err != nil {
				t.Fatal(err)
			}
			raw = []byte(strings.Replace(string(raw), "        berth.dev/service: migrate\n    spec:", "        berth.dev/service: migrate\n        berth.dev/simulate: fail\n    spec:", 1))
			if err := os.WriteFile(migrate, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			appendFile(t, filepath.Join(dir, "berth.yaml"), "base: deploy\n")
			return nil
		}, code: 3, want: []string{"job", "migrate", "failed"}},
		{kind: "berth.yaml: quota too small for the app", args: []string{"up"}, edit: replaceFile("berth.yaml", "project: shop\nquota:\n  hard: {pods: \"2\"}\n"), code: 2,
			want: []string{"does not fit its quota", "nothing was applied", "pods: need", "berth.yaml:3 quota.hard.pods"}},
	}
	var table strings.Builder
	for i, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			branch := fmt.Sprintf("bad-input-%d", i)
			dir := testcluster.ExampleRepo(t, "shop", branch, c.edit)
			if c.setup != nil {
				c.setup(t, dir)
			}
			deleteNamespace(t, admin, namespaceOf(t, branch))
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			r := berth(ctx, dir, c.args...)
			msg := strings.TrimSpace(r.stderr)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
				t.Errorf("berth crashed:\n%s", msg)
			}
			first := strings.SplitN(msg, "\n", 2)[0]
			fmt.Fprintf(&table, "| %s | `berth %s` | %d | `%s` |\n", c.kind, strings.Join(c.args, " "), r.code, strings.ReplaceAll(first, "|", `\|`))
		})
	}
	if path := os.Getenv(EnvBadInputTable); path != "" {
		if err := os.WriteFile(path, []byte(table.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
