package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// gitRepo copies src (a directory, or nil for none) plus extra files into a
// fresh git repository under parent and commits it, like hack/demo.sh.
func gitRepo(ctx context.Context, parent, name, src string, extra map[string]string) (string, error) {
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if src != "" {
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			return "", fmt.Errorf("copy %s: %w", src, err)
		}
	}
	for rel, data := range extra {
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"config", "user.email", "bench@example.com"},
		{"config", "user.name", "berth bench"},
		{"add", "-A"},
		{"commit", "-qm", "bench app"},
	} {
		if _, err := (command{dir: dir, name: "git", args: args}).run(ctx); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// runID is a short random id that keeps branch names (and so namespaces)
// fresh across runs.
func runID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// render asks the real binary for the objects `berth up` would apply.
func render(ctx context.Context, bin, repo, branch string) ([]*unstructured.Unstructured, error) {
	r, err := command{dir: repo, name: bin, args: []string{"render", "--branch", branch, "-o", "json"}}.run(ctx)
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		return nil, fmt.Errorf("decode berth render: %w", err)
	}
	objs := make([]*unstructured.Unstructured, len(list.Items))
	for i, it := range list.Items {
		objs[i] = &unstructured.Unstructured{Object: it}
	}
	return objs, nil
}

// namespaceOf returns the name of the Namespace among objs.
func namespaceOf(objs []*unstructured.Unstructured) (string, error) {
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			return o.GetName(), nil
		}
	}
	return "", fmt.Errorf("rendered objects hold no Namespace")
}

// writeObjects writes objs as one multi-document YAML file.
func writeObjects(path string, objs []*unstructured.Unstructured) error {
	var b strings.Builder
	for _, o := range objs {
		data, err := json.Marshal(o.Object) // JSON is YAML
		if err != nil {
			return err
		}
		b.WriteString("---\n")
		b.Write(data)
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// deleteNamespaces deletes namespaces and waits until they are gone, so the
// next run starts on a quiet cluster.
func deleteNamespaces(ctx context.Context, kubeconfig string, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	args := append([]string{"--kubeconfig", kubeconfig, "delete", "namespace", "--ignore-not-found", "--wait=true", "--timeout=180s"}, names...)
	_, err := command{name: "kubectl", args: args}.run(ctx)
	return err
}
