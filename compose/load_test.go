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

// A compose file in the version 1 format (services at the top level) is
// named, with what to change.
func TestLoadLegacyV1Format(t *testing.T) {
	dir, _ := project(t, "services:\n  unused:\n    image: x\n", map[string]string{
		"docker-compose.v1.yml": "version: '1'\nweb:\n  image: nginx\n  links: [db]\ndb:\n  build: ./db\nx-common: {image: y}\n",
	})
	_, err := Load(context.Background(), LoadOptions{WorkingDir: dir, Files: []string{"docker-compose.v1.yml"}, Environment: []string{}})
	var le *LoadError
	if !errors.As(err, &le) || !strings.HasSuffix(le.File, "docker-compose.v1.yml") || le.Line != 2 {
		t.Fatalf("want a LoadError at docker-compose.v1.yml:2, got %v", err)
	}
	for _, want := range []string{"version 1 compose format", "db, web)", "move the services under a top-level `services:` key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	// a file with a services key and an unknown top-level key is not v1
	dir, _ = project(t, "services:\n  web:\n    image: nginx\nweb2:\n  image: nginx\n", nil)
	_, err = Load(context.Background(), LoadOptions{WorkingDir: dir, Environment: []string{}})
	if err == nil || strings.Contains(err.Error(), "version 1") {
		t.Errorf("want compose-go's error, got %v", err)
	}
}

// An error about a value an unset or empty variable emptied names the
// file:line of that value and the variable.
func TestLoadErrorNamesEmptyVariable(t *testing.T) {
	compose := "services:\n  web:\n    image: nginx\n    environment:\n      GREETING: ${GREETING}\n    ports:\n      - \"${WEB_PORT}\"\n  db:\n    image: ${DB_IMAGE:-postgres}\n"
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{env: []string{}, want: "WEB_PORT is not set"},
		{env: []string{"WEB_PORT="}, want: "WEB_PORT is empty"},
	} {
		dir, _ := project(t, compose, nil)
		_, err := Load(context.Background(), LoadOptions{WorkingDir: dir, Environment: tt.env})
		var le *LoadError
		if !errors.As(err, &le) || !strings.HasSuffix(le.File, "compose.yaml") || le.Line != 7 || le.Key != "services.web.ports.0" {
			t.Fatalf("env %v: want a LoadError at compose.yaml:7 services.web.ports.0, got %v", tt.env, err)
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "no port specified") || strings.Contains(err.Error(), "GREETING") {
			t.Errorf("env %v: want compose-go's detail and %q only, got %v", tt.env, tt.want, err)
		}
	}
}

// compose-go's validation errors name a service, not a key: the error is
// placed at the key they are about.
func TestLoadValidationErrorsNameKey(t *testing.T) {
	for _, tt := range []struct {
		compose, key string
		line         int
	}{
		{"services:\n  web:\n    image: nginx\n    depends_on: [db]\n", "services.web.depends_on", 4},
		{"services:\n  web:\n    image: nginx\n    networks: [back]\n", "services.web.networks", 4},
		{"services:\n  web:\n    restart: always\n", "services.web", 2},
	} {
		dir, _ := project(t, tt.compose, nil)
		_, err := Load(context.Background(), LoadOptions{WorkingDir: dir, Environment: []string{}})
		var le *LoadError
		if !errors.As(err, &le) || le.Key != tt.key || le.Line != tt.line {
			t.Errorf("want a LoadError at compose.yaml:%d %s, got %v", tt.line, tt.key, err)
		}
	}
}
