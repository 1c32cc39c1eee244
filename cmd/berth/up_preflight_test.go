package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/rollout"
)

// An app with a quota too small in berth.yaml: `berth up -o json` fails at
// once with exit code 2, names each shortfall and its berth.yaml line (in
// the error and in the JSON events), and creates nothing, not even the
// namespace.
func TestUpPreflightTooSmallQuota(t *testing.T) {
	c := testcluster.Client(t)
	branch := testcluster.UniqueName("preflight")
	const quota = "quota:\n  hard:\n    pods: \"2\"\n    persistentvolumeclaims: \"0\"\n"
	var cfg string
	dir := testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		if rel == envs.ConfigFile {
			cfg = string(data) + quota
			return []byte(cfg)
		}
		return data
	})
	lineOf := func(key string) int {
		for i, l := range strings.Split(cfg, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), key+":") {
				return i + 1
			}
		}
		t.Fatalf("no %s in berth.yaml", key)
		return 0
	}

	start := time.Now()
	code, out, errOut := berthAt(t, context.Background(), nil, "up", "--dir", dir, "--branch", branch, "-o", "json")
	took := time.Since(start)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, exitUsage, errOut)
	}
	t.Logf("in %s, stderr:\n%s", took, errOut)
	if took > 5*time.Second {
		t.Errorf("took %s, want < 5s", took)
	}
	for _, want := range []string{
		"pods: need ", fmt.Sprintf("limit 2 (berth.yaml:%d quota.hard.pods)", lineOf("pods")),
		fmt.Sprintf("limit 0 (berth.yaml:%d quota.hard.persistentvolumeclaims)", lineOf("persistentvolumeclaims")),
		"nothing was applied",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	var failed *rollout.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e rollout.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not a JSON event: %q: %v", sc.Text(), err)
		}
		if e.Phase == rollout.UpFailed {
			failed = &e
		}
		if e.Phase == rollout.UpApplied {
			t.Errorf("applied despite the preflight: %+v", e)
		}
	}
	if failed == nil || failed.Step != "preflight" {
		t.Fatalf("no failed preflight event in:\n%s", out)
	}
	got := map[string]rollout.Shortfall{}
	for _, s := range failed.Shortfalls {
		got[s.Resource] = s
	}
	if s := got["pods"]; s.Limit != "2" || s.Line != lineOf("pods") || s.Setting != "quota.hard.pods" || s.Quota != envs.QuotaName || s.Need == "" {
		t.Errorf("pods shortfall %+v", s)
	}
	if s := got["persistentvolumeclaims"]; s.Limit != "0" || s.Line != lineOf("persistentvolumeclaims") {
		t.Errorf("persistentvolumeclaims shortfall %+v", s)
	}

	env := envs.Namespace("dev", "shop", branch)
	if !strings.Contains(errOut, env) {
		t.Errorf("stderr does not name the environment %s", env)
	}
	if _, err := c.Typed.CoreV1().Namespaces().Get(context.Background(), env, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s: %v, want not found (nothing applied)", env, err)
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), env, metav1.DeleteOptions{})
	}
}

// `berth render` prints the quota as up sizes it: need × 1.5 for an app
// bigger than the floor.
func TestRenderSizesQuota(t *testing.T) {
	const replicas = 60
	branch := "render-quota"
	dir := testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		if rel == "compose.yaml" {
			return []byte(fmt.Sprintf("services:\n  web:\n    image: nginx:1.27\n    deploy:\n      replicas: %d\n", replicas))
		}
		return data
	})
	code, out, errOut := runRoot(t, "render", "--dir", dir, "--branch", branch, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list struct {
		Items []struct {
			Kind string
			Spec struct{ Hard map[string]string }
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Items {
		if o.Kind == "ResourceQuota" {
			if want := fmt.Sprint(replicas * 3 / 2); o.Spec.Hard["pods"] != want {
				t.Errorf("rendered quota pods = %q, want %s (%d × 1.5)", o.Spec.Hard["pods"], want, replicas)
			}
			return
		}
	}
	t.Error("no ResourceQuota rendered")
}
