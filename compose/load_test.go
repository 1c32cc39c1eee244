package compose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadErrorsNamePosition(t *testing.T) {
	dir, _ := project(t, "services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n    imagee: typo\n", nil)
	_, err := Load(context.Background(), LoadOptions{WorkingDir: dir})
	if err == nil {
		t.Fatal("no error for an unknown key")
	}
	var le *LoadError
	if !errors.As(err, &le) || le.Line != 6 || !strings.HasSuffix(le.File, "compose.yaml") {
		t.Fatalf("want a LoadError at compose.yaml:6, got %v", err)
	}
	if !strings.Contains(err.Error(), "imagee") {
		t.Errorf("compose-go's detail lost: %v", err)
	}
}

func TestLoadSyntaxError(t *testing.T) {
	dir, _ := project(t, "services:\n  web:\n    image: [nginx\n", nil)
	_, err := Load(context.Background(), LoadOptions{WorkingDir: dir})
	if err == nil || !strings.Contains(err.Error(), "line") {
		t.Fatalf("want a YAML error with a line, got %v", err)
	}
}

func TestLoadComposeFeatures(t *testing.T) {
	dir, _ := project(t, `
include:
  - inc/extra.yaml
services:
  web:
    extends: {file: base.yaml, service: common}
    image: ${IMAGE:-nginx}:${TAG}
  debug:
    image: busybox
    profiles: [debug]
`, map[string]string{
		".env":                  "TAG=1.27\n",
		"base.yaml":             "services:\n  common:\n    environment: {FROM_BASE: \"yes\"}\n",
		"inc/extra.yaml":        "services:\n  cache:\n    image: redis\n",
		"compose.override.yaml": "services:\n  web:\n    environment: {FROM_OVERRIDE: \"1\"}\n",
	})
	p, err := Load(context.Background(), LoadOptions{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	web := p.Services["web"]
	if web.Image != "nginx:1.27" {
		t.Errorf("interpolation with .env: image %q", web.Image)
	}
	if web.Environment["FROM_BASE"] == nil || web.Environment["FROM_OVERRIDE"] == nil {
		t.Errorf("extends/override not merged: %v", web.Environment)
	}
	if _, ok := p.Services["cache"]; !ok {
		t.Error("include not loaded")
	}
	if _, ok := p.Services["debug"]; ok {
		t.Error("profiled service loaded without its profile")
	}
	p, err = Load(context.Background(), LoadOptions{WorkingDir: dir, Profiles: []string{"debug"}, Files: []string{"compose.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Services["debug"]; !ok {
		t.Error("--profile debug ignored")
	}
	if p.Services["web"].Environment["FROM_OVERRIDE"] != nil {
		t.Error("explicit -f must not add the override file")
	}
	if _, err := os.Stat(filepath.Join(dir, "compose.yaml")); err != nil {
		t.Fatal(err)
	}
}

func TestConvertErrorsNameKey(t *testing.T) {
	dir, _ := project(t, "services:\n  web:\n    image: nginx\n    env_file:\n      - path: missing.env\n        required: true\n", nil)
	p, err := Load(context.Background(), LoadOptions{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Convert(p, Options{})
	var ce *ConvertError
	if !errors.As(err, &ce) || ce.Key != "services.web.env_file.0" || ce.Line != 5 {
		t.Fatalf("want a ConvertError at services.web.env_file.0 line 5, got %v", err)
	}
}

// Warnings about keys from included or extended files point into them.
func TestWarningPositionsInIncludedAndExtendedFiles(t *testing.T) {
	b := convertYAML(t, `include:
  - inc/extra.yaml
services:
  web:
    extends: {file: base.yaml, service: common}
    image: nginx
`, map[string]string{
		"base.yaml":      "services:\n  common:\n    ports: [\"127.0.0.1:8080:80\"]\n",
		"inc/extra.yaml": "services:\n  cache:\n    image: redis\n    ports:\n      - 127.0.0.1:6379:6379\n",
	})
	want := map[string]string{
		"services.web.ports.0":   "base.yaml:3",
		"services.cache.ports.0": "inc/extra.yaml:5",
	}
	for _, w := range b.Warnings {
		if at, ok := want[w.Key]; ok {
			if got := fmt.Sprintf("%s:%d", w.File, w.Line); got != at {
				t.Errorf("warning %s at %s, want %s", w.Key, got, at)
			}
			delete(want, w.Key)
		}
	}
	if len(want) > 0 {
		t.Errorf("no warnings for %v: %v", want, b.Warnings)
	}
}
