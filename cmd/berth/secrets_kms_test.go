package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testkms"
	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
	"github.com/berth-dev/berth/tui"
)

// writeRules writes dir/.sops.yaml: per directory under secrets/, one key
// group of the keys given, each with the context {team: <directory>}.
func writeRules(t *testing.T, dir string, rules ...[2]string) {
	t.Helper()
	conf := "creation_rules:\n"
	for _, r := range rules {
		conf += "  - path_regex: ^secrets/" + r[0] + "/\n    key_groups:\n      - kms:\n"
		for _, arn := range strings.Fields(r[1]) {
			conf += "          - arn: " + arn + "\n            context:\n              team: " + r[0] + "\n"
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

// whoJSON runs `berth secrets who -o json` on files.
func whoJSON(t *testing.T, files ...string) []whoFile {
	t.Helper()
	code, stdout, stderr := runBerth(append([]string{"secrets", "who", "-o", "json"}, files...)...)
	if code != exitOK {
		t.Fatalf("who: exit %d\n%s", code, stderr)
	}
	var list []whoFile
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("who -o json: %v\n%s", err, stdout)
	}
	return list
}

// TestSecretsWhoAndUpdateKeys: who lists each file's keys and whether the
// identity can use them; updatekeys --dry-run shows a rule change without
// writing, updatekeys applies it. local-kms has no IAM: the search team's
// identity is modelled by disabling the payments key.
func TestSecretsWhoAndUpdateKeys(t *testing.T) {
	s := testkms.Start(t)
	secretstest.Use(t, "")
	payments, search := s.CreateKey(t, "payments"), s.CreateKey(t, "search")
	dir := t.TempDir()
	writeRules(t, dir, [2]string{"payments", payments}, [2]string{"shared", payments + " " + search})
	plainDir := t.TempDir()
	encrypt := func(rel, plain string) string {
		t.Helper()
		src := filepath.Join(plainDir, filepath.Base(rel))
		if err := os.WriteFile(src, []byte(plain), 0o600); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		// The rule is picked by the path written (-o), as sops picks it.
		if code, _, stderr := runBerth("secrets", "encrypt", "-o", dst, src); code != exitOK {
			t.Fatalf("encrypt %s: exit %d\n%s", rel, code, stderr)
		}
		return dst
	}
	pay := encrypt("secrets/payments/db.env", "DB_PASSWORD=who-s3cret\n")
	shared := encrypt("secrets/shared/api.yaml", "token: who-s3cret\n")

	list := whoJSON(t, pay, shared)
	if len(list) != 2 || !list[0].CanOpen || !list[1].CanOpen || len(list[0].Keys) != 1 || len(list[1].Keys) != 2 || !list[0].UpToDate {
		t.Fatalf("who: %+v", list)
	}
	if k := list[1].Keys[1]; k.Type != "kms" || k.ID != search+"|team:shared" || !k.CanDecrypt || k.Group != 1 {
		t.Errorf("shared file's second key: %+v", k)
	}

	s.Disable(t, payments)
	list = whoJSON(t, pay, shared)
	if list[0].CanOpen || list[0].Keys[0].ErrorClass != "KeyDisabled" || list[0].Keys[0].ErrorCode != "DisabledException" || !list[1].CanOpen {
		t.Errorf("who with the payments key disabled: %+v", list)
	}
	code, stdout, stderr := runBerth("secrets", "who", pay, shared)
	if code != exitOK {
		t.Fatalf("who: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"FILE", "GROUP", "KEY", "YOU",
		"kms:" + payments + "|team:payments  key disabled (DisabledException)",
		"kms:" + search + "|team:shared    can decrypt",
		pay + ": you cannot open it",
		shared + ": you can open it",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("who does not say %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+stderr, "who-s3cret") {
		t.Errorf("who prints a value:\n%s%s", stdout, stderr)
	}

	// The search team joins the payments rule; the payments team (its
	// key enabled) re-wraps the file.
	s.Enable(t, payments)
	writeRules(t, dir, [2]string{"payments", payments + " " + search}, [2]string{"shared", payments + " " + search})
	before, _ := os.ReadFile(pay)
	code, stdout, stderr = runBerth("secrets", "updatekeys", "--dry-run", pay, shared)
	if code != exitOK {
		t.Fatalf("updatekeys --dry-run: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		pay + ": would update its keys to the rule in ",
		"Group 1\n    kms:" + payments + "|team:payments\n+++ kms:" + search + "|team:payments\n",
		shared + ": up to date with ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run does not say %q:\n%s", want, stdout)
		}
	}
	if after, _ := os.ReadFile(pay); string(after) != string(before) {
		t.Errorf("--dry-run changed %s", pay)
	}
	if list = whoJSON(t, pay); list[0].UpToDate {
		t.Errorf("who says the file follows the changed rule: %+v", list[0])
	}
	// edit keeps the file's keys, as sops does, and says they differ.
	t.Setenv("EDITOR", "true")
	code, _, stderr = runBerth("secrets", "edit", pay)
	if code != exitOK || !strings.Contains(stderr, "note: "+pay+" keeps its keys, which differ from the rule in ") || !strings.Contains(stderr, "berth secrets updatekeys "+pay) {
		t.Errorf("edit after the rule change: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr = runBerth("secrets", "updatekeys", pay)
	if code != exitOK || !strings.Contains(stdout, pay+": keys updated to the rule in ") {
		t.Fatalf("updatekeys: exit %d\n%s\n%s", code, stdout, stderr)
	}
	s.Disable(t, payments) // the search team's identity again
	list = whoJSON(t, pay)
	if !list[0].CanOpen || !list[0].UpToDate || len(list[0].Keys) != 2 {
		t.Errorf("who after updatekeys: %+v", list[0])
	}
	if code, stdout, _ = runBerth("secrets", "decrypt", pay); code != exitOK || stdout != "DB_PASSWORD=who-s3cret\n" {
		t.Errorf("the search team decrypts after updatekeys: exit %d %q", code, stdout)
	}
	// A file nobody here can open: updatekeys fails naming it, and the
	// key's error class.
	writeRules(t, dir, [2]string{"payments", search}, [2]string{"shared", payments + " " + search})
	s.Disable(t, search)
	code, _, stderr = runBerth("secrets", "updatekeys", pay)
	if code != exitError || !strings.Contains(stderr, pay) || !strings.Contains(stderr, "key disabled (DisabledException)") || strings.Contains(stderr, "operation error") {
		t.Errorf("updatekeys of a file no key opens: exit %d\n%s", code, stderr)
	}
}

// TestSecretsKMSUp: a compose secret encrypted for the payments team's KMS
// key (the creation rule for secrets/payments/) is decrypted by berth up
// on the local cluster; the plaintext is in the applied Secret and
// nowhere else. An identity that cannot use the key (modelled, local-kms
// having no IAM, by disabling the key; then by having no credentials)
// gets an error naming the file, its keys and the AWS error class, from
// berth up and the TUI's up alike, with nothing applied. After the search
// team joins the rule and updatekeys, the search team deploys it.
func TestSecretsKMSUp(t *testing.T) {
	c := testcluster.Client(t)
	s := testkms.Start(t)
	secretstest.Use(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // whatever berth writes to temp files lands here
	payments, search := s.CreateKey(t, "payments"), s.CreateKey(t, "search")
	secret := "pw-" + testcluster.UniqueName("kms")
	branch := "secrets/" + testcluster.UniqueName("kms")
	dir := testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		if rel == "compose.yaml" {
			return []byte(strings.Replace(string(data), "file: ./secrets/db-password.txt", "file: ./secrets/payments/db-password.txt", 1))
		}
		return data
	})
	writeRules(t, dir, [2]string{"payments", payments})
	src := filepath.Join(t.TempDir(), "db-password.txt") // outside the scanned dirs
	if err := os.WriteFile(src, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "secrets", "payments", "db-password.txt")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runBerth("secrets", "encrypt", "-o", file, src); code != exitOK {
		t.Fatalf("encrypt: exit %d\n%s", code, stderr)
	}
	os.Remove(src)
	testcluster.CommitAll(t, dir, "payments db password, encrypted for the payments KMS key")
	outputs := map[string]string{}
	ns := func(b string) string { return envs.Namespace("dev", "shop", b) }
	t.Cleanup(func() {
		for _, b := range []string{branch, branch + "-b"} {
			_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), ns(b), metav1.DeleteOptions{})
		}
	})
	deployed := func(namespace string) {
		t.Helper()
		list, err := c.Typed.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sec := range list.Items {
			if v, ok := sec.Data["db-password"]; ok {
				got = append(got, string(v))
			}
		}
		if len(got) != 1 || got[0] != secret {
			t.Errorf("db-password Secrets in %s hold %q, want [%q]", namespace, got, secret)
		}
	}

	code, stdout, stderr := berthAt(t, ctx, nil, "up", "--dir", dir, "-o", "json", "--timeout", "3m", "--strict")
	outputs["up stdout"], outputs["up stderr"] = stdout, stderr
	if code != exitOK {
		t.Fatalf("up: exit %d\n%s\n%s", code, stdout, stderr)
	}
	deployed(ns(branch))

	// The search team's identity: the payments key is out of its reach.
	s.Disable(t, payments)
	branchB := branch + "-b"
	failUp := func(name string, wants ...string) {
		t.Helper()
		code, stdout, stderr := berthAt(t, ctx, nil, "up", "--dir", dir, "--branch", branchB, "-o", "json", "--timeout", "1m")
		outputs[name+" stdout"], outputs[name+" stderr"] = stdout, stderr
		t.Logf("%s: berth up says\n%s", name, stderr)
		if code != exitError || stdout != "" {
			t.Fatalf("%s: up exit %d, want %d with no events\n%s\n%s", name, code, exitError, stdout, stderr)
		}
		for _, want := range append([]string{"secret db-password", "secrets/payments/db-password.txt", "kms:" + payments + "|team:payments"}, wants...) {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: error does not say %q:\n%s", name, want, stderr)
			}
		}
		for _, sdk := range []string{"operation error", "https response error", "RequestID", "failed to refresh cached credentials"} {
			if strings.Contains(stderr, sdk) {
				t.Errorf("%s: error carries the SDK's %q:\n%s", name, sdk, stderr)
			}
		}
		if _, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns(branchB), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("%s: namespace %s exists after a failed decrypt (err %v)", name, ns(branchB), err)
		}
		// The TUI's up: the same action code, the same words.
		app, err := envs.LoadApp(ctx, envs.AppOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		_, err = clusterActions{c: c, app: func() *envs.App { return app }, overrides: envs.Overrides{Branch: branchB}}.Up(ctx, func(tui.UpEvent) {})
		if err == nil || stderr != "error: "+err.Error()+"\n" {
			t.Errorf("%s: the TUI's up says\n%v\nberth up says\n%s", name, err, stderr)
		}
	}
	failUp("disabled key", "AWS KMS: key disabled (DisabledException)")
	testkms.NoCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL_KMS", s.URL)
	failUp("no credentials", "AWS KMS: no AWS credentials")
	testkms.Use(t, s.URL)

	// The search team joins the payments rule: the payments team (key
	// enabled) runs updatekeys; then the search team deploys.
	s.Enable(t, payments)
	writeRules(t, dir, [2]string{"payments", payments + " " + search})
	code, stdout, stderr = runBerth("secrets", "updatekeys", file)
	outputs["updatekeys stdout"], outputs["updatekeys stderr"] = stdout, stderr
	if code != exitOK || !strings.Contains(stdout, "+++ kms:"+search+"|team:payments") {
		t.Fatalf("updatekeys: exit %d\n%s\n%s", code, stdout, stderr)
	}
	testcluster.CommitAll(t, dir, "the search team joins the payments secrets")
	s.Disable(t, payments)
	code, stdout, stderr = berthAt(t, ctx, nil, "up", "--dir", dir, "--branch", branchB, "-o", "json", "--timeout", "3m")
	outputs["up b stdout"], outputs["up b stderr"] = stdout, stderr
	if code != exitOK {
		t.Fatalf("up by the search team: exit %d\n%s\n%s", code, stdout, stderr)
	}
	deployed(ns(branchB))

	if found := leaks(t, secret, []string{tmp, dir}, outputs); len(found) > 0 {
		t.Errorf("plaintext found in %v", found)
	}
	if enc, _ := os.ReadFile(file); !strings.Contains(string(enc), "ENC[AES256_GCM") {
		t.Errorf("%s is not encrypted:\n%s", file, enc)
	}
	if _, ok := secrets.Detect(file, mustRead(t, file)); !ok {
		t.Errorf("%s is not a sops file", file)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
