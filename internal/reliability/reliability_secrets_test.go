package reliability

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/internal/githubtest"
	"github.com/berth-dev/berth/internal/testcluster"
)

// leakHunt collects everything berth printed, sent or wrote, and the
// secrets that must appear in none of it.
type leakHunt struct {
	mu      sync.Mutex
	secrets map[string]string // what → value
	seen    map[string]string // where → text
}

func (h *leakHunt) secret(what, value string) {
	h.secrets[what] = value
	h.secrets[what+" (base64)"] = base64.StdEncoding.EncodeToString([]byte(value))
}

func (h *leakHunt) add(where, text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen[where] += text
}

// check fails the test for every secret found anywhere.
func (h *leakHunt) check(t testing.TB) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for where, text := range h.seen {
		for what, value := range h.secrets {
			if strings.Contains(text, value) {
				t.Errorf("%s leaks the %s", where, what)
			}
		}
	}
}

// webhookServer answers with status and records what it is sent.
func webhookServer(t testing.TB, h *leakHunt, status int) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.add("webhook payload", string(body))
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

// TestNoSecretsLeak runs berth as the developer token user on an app with a
// webhook and a secret file, in a GitHub Actions pull request run with
// GITHUB_TOKEN (GitHub served locally), through success and failure paths
// (webhook answering 500, a failing migration, a rejected kube token, a
// rejected GitHub token), and greps stdout, stderr (text and -o json),
// webhook payloads, what was sent to GitHub and every file berth wrote
// (also with --verbose debug logs) for the token, the admin key, the
// secret value, the webhook URL and the GitHub token.
func TestNoSecretsLeak(t *testing.T) {
	t.Parallel()
	p, admin := private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	applyRBAC(ctx, t, admin)

	h := &leakHunt{secrets: map[string]string{}, seen: map[string]string{}}
	cfg, err := clientcmd.LoadFromFile(p.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	token := cfg.AuthInfos[developerContext].Token
	if token == "" {
		t.Fatalf("no token for %s in %s", developerContext, p.Kubeconfig())
	}
	h.secret("developer token", token)
	for name, ai := range cfg.AuthInfos {
		if len(ai.ClientKeyData) > 0 {
			key := strings.TrimSpace(string(ai.ClientKeyData))
			lines := strings.Split(key, "\n")
			h.secrets[name+" client key"] = lines[len(lines)/2] // a line of the PEM body
		}
	}
	password := "pw-" + testcluster.UniqueName("s3cret")
	h.secret("secret value of secrets/db-password.txt", password)

	fail := webhookServer(t, h, http.StatusInternalServerError)
	hookPath := "/services/T000/B000/" + testcluster.UniqueName("hooktoken")
	hook := fail.URL + hookPath
	h.secrets["webhook path"] = hookPath

	branch := "no-leaks"
	ns := namespaceOf(t, branch)
	ghToken := "ghs_" + testcluster.UniqueName("ghtoken")
	h.secret("GitHub token", ghToken)
	gh := githubtest.New(t, "acme", "shop", ghToken)
	ghEnv := pullRequestEnv(t, gh.URL, branch, ghToken)
	dir := testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		switch rel {
		case "secrets/db-password.txt":
			return []byte(password + "\n")
		case "berth.yaml":
			return append(data, []byte("webhook: "+hook+"\n")...)
		}
		return data
	})
	deleteNamespace(t, admin, ns)

	run := func(name string, wantCode int, args ...string) result {
		t.Helper()
		r := berthEnv(ctx, dir, ghEnv, append([]string{"--context", developerContext}, args...)...)
		h.add(name+" stdout", r.stdout)
		h.add(name+" stderr", r.stderr)
		if r.code != wantCode {
			t.Errorf("berth %s: exit %d, want %d\n%s\n%s", strings.Join(args, " "), r.code, wantCode, r.stdout, r.stderr)
		}
		return r
	}
	up := run("up", 0, "up", "--timeout", "2m")
	if !strings.Contains(up.stderr, "warning") {
		t.Errorf("the failing webhook gave no warning:\n%s", up.stderr)
	}
	run("up -o json", 0, "up", "-o", "json", "--timeout", "2m")
	run("up --verbose (debug logs, client-go's included)", 0, "--verbose", "up", "--timeout", "2m")
	run("status --verbose", 0, "--verbose", "status", "-o", "json")
	run("status", 0, "status")
	run("status -o json", 0, "status", "-o", "json")
	run("ls -o json", 0, "ls", "-o", "json")
	run("ls -o yaml", 0, "ls", "-o", "yaml")
	// A rejected GitHub token: the warnings must not echo it.
	good := ghEnv
	wrong := githubtest.New(t, "acme", "shop", "another-token")
	ghEnv = pullRequestEnv(t, wrong.URL, branch, ghToken)
	if r := run("up with a rejected GitHub token", 0, "up", "--timeout", "2m"); !strings.Contains(r.stderr, "401") {
		t.Errorf("a rejected GitHub token gave no warning:\n%s", r.stderr)
	}
	ghEnv = good
	run("convert", 0, "convert", "--force")

	// A failing migration: deploy the converted tree (base: deploy) with the
	// migrate Job's pods simulating a failure: exit 3 with the failure's
	// details (pod logs, events).
	migrate := filepath.Join(dir, "deploy", "base", "migrate.yaml")
	raw, err := os.ReadFile(migrate)
	if err != nil {
		t.Fatal(err)
	}
	anchor := "        berth.dev/service: migrate\n    spec:"
	if !strings.Contains(string(raw), anchor) {
		t.Fatalf("deploy/base/migrate.yaml has no pod template labels:\n%s", raw)
	}
	raw = []byte(strings.Replace(string(raw), anchor, "        berth.dev/service: migrate\n        berth.dev/simulate: fail\n    spec:", 1))
	if err := os.WriteFile(migrate, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(dir, "berth.yaml"), "base: deploy\n")
	run("failing up", 3, "up", "-o", "json", "--timeout", "1m")
	run("failing up (text)", 3, "up", "--timeout", "1m")
	run("status of a failed env", 3, "status", "-o", "json")
	run("down", 0, "down", "--yes", "--wait")
	if len(gh.Comments(7)) != 1 || len(gh.Deployments()) == 0 {
		t.Errorf("nothing reported to GitHub: %d comments, %d deployments", len(gh.Comments(7)), len(gh.Deployments()))
	}
	for _, r := range gh.Requests() {
		h.add("sent to GitHub", r.Method+" "+r.Path+"?"+r.Query+"\n"+r.Body)
	}

	// A rejected token: the error must not echo it.
	bogus := "bogus-" + testcluster.UniqueName("tok")
	h.secret("rejected token", bogus)
	cfg.AuthInfos[developerContext].Token = bogus
	badKubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, badKubeconfig); err != nil {
		t.Fatal(err)
	}
	r := berth(ctx, dir, "--kubeconfig", badKubeconfig, "--context", developerContext, "ls", "-o", "json")
	h.add("ls with a rejected token stderr", r.stderr)
	h.add("ls with a rejected token stdout", r.stdout)
	if r.code != 1 || !strings.Contains(strings.ToLower(r.stderr), "unauthorized") {
		t.Errorf("ls with a rejected token: exit %d: %s", r.code, r.stderr)
	}

	// Every file berth wrote: the converted tree in the repo, and HOME.
	for _, root := range []string{dir, fx.home} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			// Not berth's: the repo's own secret file and config. Known
			// exception, listed in docs/reliability.md: `berth convert`
			// copies secret files into deploy/base/secrets/ for kustomize's
			// secretGenerator.
			if d.IsDir() && d.Name() == ".git" || rel == filepath.Join("secrets", "db-password.txt") || rel == "berth.yaml" ||
				strings.HasPrefix(rel, filepath.Join("deploy", "base", "secrets")+string(filepath.Separator)) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				h.add("file "+path, string(data))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := h.seen[fmt.Sprintf("file %s", filepath.Join(dir, "deploy", "base", "kustomization.yaml"))]; !ok {
		t.Errorf("berth convert wrote no deploy/base/kustomization.yaml: the file check saw %d files", len(h.seen))
	}
	if !strings.Contains(h.seen["webhook payload"], ns) {
		t.Errorf("the webhook got no message about %s: %q", ns, h.seen["webhook payload"])
	}
	h.check(t)
}

// appendFile appends text to the file at path.
func appendFile(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// pullRequestEnv is what GitHub Actions sets for a pull_request run of
// acme/shop's PR 7 from branch, with GitHub's API at api.
func pullRequestEnv(t testing.TB, api, branch, token string) []string {
	event := filepath.Join(t.TempDir(), "event.json")
	payload := `{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"ref":"` + branch + `","sha":"1111111111111111111111111111111111111111"}}}`
	if err := os.WriteFile(event, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"GITHUB_ACTIONS=true", "GITHUB_REPOSITORY=acme/shop", "GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH=" + event,
		"GITHUB_REF=refs/pull/7/merge", "GITHUB_HEAD_REF=" + branch, "GITHUB_RUN_ID=99", "GITHUB_API_URL=" + api, "GITHUB_TOKEN=" + token}
}
