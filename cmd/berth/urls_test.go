package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/status"
)

// payloads records the webhook messages posted to it, whole.
type payloads struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []lifecycle.Message
}

func newPayloads(t *testing.T) *payloads {
	p := &payloads{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var m lifecycle.Message
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		p.mu.Lock()
		p.got = append(p.got, m)
		p.mu.Unlock()
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *payloads) all() []lifecycle.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]lifecycle.Message(nil), p.got...)
}

// urlsRepo is examples/shop with an ingress on web (the prod host) and
// berth.yaml giving each env its URLs under domain, plus extra lines.
func urlsRepo(t *testing.T, project, hook, extra string) string {
	t.Helper()
	return testcluster.ExampleRepo(t, "shop", "main", func(rel string, data []byte) []byte {
		switch rel {
		case envs.ConfigFile:
			return regexp.MustCompile(`(?m)^project: .*$`).ReplaceAll(data, []byte("project: "+project+"\nwebhook: "+hook+"\ndomain: dev.example.test\n"+extra))
		case "compose.yaml":
			return []byte(strings.Replace(string(data), "    build: ./web\n", "    build: ./web\n    x-berth: {ingress: shop.example.com}\n", 1))
		}
		return data
	})
}

// doneURLs returns the urls of the last event of `up -o json`.
func doneURLs(t *testing.T, out string) []status.URL {
	t.Helper()
	var last struct {
		Step, Phase string
		URLs        []status.URL
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("not a JSON event: %q: %v", sc.Text(), err)
		}
	}
	if last.Step != "done" || last.Phase != "done" {
		t.Fatalf("last event %+v, want done", last)
	}
	return last.URLs
}

// Two branches of one app with an ingress get two hosts of their own: both
// Ingresses are applied, and the URLs show in up -o json, ls -o json|wide,
// status (text and JSON) and the webhook payload. With gateway: in
// berth.yaml, the same env gets HTTPRoutes instead, and its Ingress is
// pruned.
func TestURLsPerEnvironment(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	project := testcluster.UniqueName("urls")
	hook := newPayloads(t)
	dir := urlsRepo(t, project, hook.srv.URL+"/hooks/s3cr3t", "")
	cfg, err := envs.LoadConfig(dir + "/" + envs.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}

	branches := []string{"feature/login", "main"}
	want := map[string]string{} // namespace → web's host
	for _, b := range branches {
		ns := envs.Namespace("dev", project, b)
		t.Cleanup(func() { _ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
		code, out, errOut := berthAt(t, ctx, nil, "up", "--dir", dir, "--branch", b, "-o", "json", "--timeout", "3m")
		if code != exitOK {
			t.Fatalf("up %s: exit %d\n%s", b, code, errOut)
		}
		env, err := envs.Resolve(cfg, envs.GitInfo{Branch: b}, envs.Overrides{}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		host := envs.Host(cfg, env, "web")
		want[ns] = host
		urls := doneURLs(t, out)
		if len(urls) != 1 || urls[0] != (status.URL{Service: "web", URL: "http://" + host}) {
			t.Errorf("up %s -o json urls %v, want web on %s", b, urls, host)
		}
		ing, err := testcluster.Clientset(t, c).NetworkingV1().Ingresses(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("Ingress web in %s: %v", ns, err)
		}
		if got := ing.Spec.Rules[0].Host; got != host {
			t.Errorf("Ingress web in %s: host %q, want %q", ns, got, host)
		}
	}
	hosts := map[string]bool{}
	for _, h := range want {
		hosts[h] = true
	}
	if len(hosts) != len(branches) || hosts["shop.example.com"] {
		t.Fatalf("hosts %v: want one per branch, never the prod host", want)
	}

	// ls -o json and -o wide.
	code, out, errOut := berthAt(t, ctx, nil, "ls", "--project", project, "--dir", dir, "-o", "json")
	if code != exitOK {
		t.Fatalf("ls: exit %d %s", code, errOut)
	}
	var rows []struct {
		Namespace string
		URLs      []status.URL
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(branches) {
		t.Fatalf("ls -o json: %d envs, want %d:\n%s", len(rows), len(branches), out)
	}
	for _, r := range rows {
		if len(r.URLs) != 1 || r.URLs[0].URL != "http://"+want[r.Namespace] {
			t.Errorf("ls -o json %s: urls %v, want http://%s", r.Namespace, r.URLs, want[r.Namespace])
		}
	}
	_, out, _ = berthAt(t, ctx, nil, "ls", "--project", project, "--dir", dir, "-o", "wide")
	if !strings.Contains(out, "URL") {
		t.Errorf("ls -o wide has no URL column:\n%s", out)
	}
	for _, h := range want {
		if !strings.Contains(out, "http://"+h) {
			t.Errorf("ls -o wide lacks http://%s:\n%s", h, out)
		}
	}

	// status, text and JSON.
	ns := envs.Namespace("dev", project, branches[0])
	defer func() {
		// up in text ends with the URLs (after the webhook checks: it posts too).
		code, out, errOut := berthAt(t, ctx, nil, "up", "--dir", dir, "--branch", branches[0], "--timeout", "3m")
		if lines := strings.Split(strings.TrimSpace(out), "\n"); code != exitOK || lines[len(lines)-1] != "URLs: web http://"+want[ns] {
			t.Errorf("up in text: exit %d, last line %q, want the URLs\n%s", code, lines[len(lines)-1], errOut)
		}
	}()
	_, out, errOut = berthAt(t, ctx, nil, "status", ns, "--project", project, "--dir", dir)
	if !strings.Contains(out, "URLs: web http://"+want[ns]) {
		t.Errorf("status lacks the URL line:\n%s%s", out, errOut)
	}
	_, out, _ = berthAt(t, ctx, nil, "status", ns, "--project", project, "--dir", dir, "-o", "json")
	var sv struct{ URLs []status.URL }
	if err := json.Unmarshal([]byte(out), &sv); err != nil || len(sv.URLs) != 1 || sv.URLs[0].URL != "http://"+want[ns] {
		t.Errorf("status -o json urls %v (%v):\n%s", sv.URLs, err, out)
	}

	// The webhook: one ready message per up, linking to its URL.
	msgs := hook.all()
	if len(msgs) != len(branches) {
		t.Fatalf("webhook got %d messages, want %d: %+v", len(msgs), len(branches), msgs)
	}
	for i, m := range msgs {
		host := want[envs.Namespace("dev", project, branches[i])]
		if !strings.HasSuffix(m.Text, ": http://"+host) || len(m.URLs) != 1 || m.URLs[0].URL != "http://"+host {
			t.Errorf("webhook message %d: %+v, want a link to http://%s", i, m, host)
		}
	}

	t.Run("gateway", func(t *testing.T) {
		if !servesHTTPRoutes(t, c) {
			t.Skip("the local cluster has no Gateway API CRDs (HTTPRoute in gateway.networking.k8s.io/v1); install them to run this")
		}
		gw := urlsRepo(t, project, hook.srv.URL, "gateway:\n  parentRefs: [{name: dev, namespace: gateway-system}]\n")
		for _, b := range branches {
			ns := envs.Namespace("dev", project, b)
			code, out, errOut := berthAt(t, ctx, nil, "up", "--dir", gw, "--branch", b, "-o", "json", "--timeout", "3m")
			if code != exitOK {
				t.Fatalf("up %s with gateway: exit %d\n%s", b, code, errOut)
			}
			if urls := doneURLs(t, out); len(urls) != 1 || urls[0].URL != "http://"+want[ns] {
				t.Errorf("up %s with gateway: urls %v, want http://%s", b, urls, want[ns])
			}
			route, err := c.Dynamic.Resource(httpRoutes).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("HTTPRoute web in %s: %v", ns, err)
			}
			hostnames, _, _ := unstructured.NestedStringSlice(route.Object, "spec", "hostnames")
			if len(hostnames) != 1 || hostnames[0] != want[ns] {
				t.Errorf("HTTPRoute web in %s: hostnames %v, want [%s]", ns, hostnames, want[ns])
			}
			if _, err := testcluster.Clientset(t, c).NetworkingV1().Ingresses(ns).Get(ctx, "web", metav1.GetOptions{}); err == nil {
				t.Errorf("Ingress web in %s not pruned after switching to gateway", ns)
			}
		}
	})
}

var httpRoutes = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}

// servesHTTPRoutes reports whether the cluster has the HTTPRoute CRD.
func servesHTTPRoutes(t *testing.T, c *k8s.Client) bool {
	t.Helper()
	list, err := testcluster.Clientset(t, c).Discovery().ServerResourcesForGroupVersion(httpRoutes.GroupVersion().String())
	if err != nil {
		return false
	}
	for _, r := range list.APIResources {
		if r.Name == httpRoutes.Resource {
			return true
		}
	}
	return false
}
