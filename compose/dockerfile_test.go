package compose

import (
	"fmt"
	"strings"
	"testing"
)

// TestDockerfileCopies decides from a Dockerfile whether a context path
// (a file unless dir) is in the image at a mount target, and at which line.
func TestDockerfileCopies(t *testing.T) {
	opt := func(s string) *string { return &s }
	tests := []struct {
		name       string
		dockerfile string
		target     string             // build.target
		args       map[string]*string // build.args
		rel        string
		dir        bool
		at         string // mount target
		line       int    // 0: not in the image there
	}{
		{name: "file copied to its path", dockerfile: "FROM nginx\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
			rel: "nginx.conf", at: "/etc/nginx/nginx.conf", line: 2},
		{name: "file copied into a directory", dockerfile: "FROM nginx\nCOPY nginx.conf mime.types /etc/nginx/\n",
			rel: "nginx.conf", at: "/etc/nginx/nginx.conf", line: 2},
		{name: "file not copied", dockerfile: "FROM nginx\nCOPY default.conf /etc/nginx/conf.d/\n",
			rel: "nginx.conf", at: "/etc/nginx/nginx.conf"},
		{name: "file copied elsewhere", dockerfile: "FROM nginx\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
			rel: "nginx.conf", at: "/etc/nginx/conf.d/default.conf"},
		{name: "--from copies from another stage", dockerfile: "FROM alpine AS src\nWORKDIR /src\nCOPY . .\nFROM nginx\nCOPY --from=src /src/nginx.conf /etc/nginx/nginx.conf\n",
			rel: "nginx.conf", at: "/etc/nginx/nginx.conf"},
		{name: "WORKDIR-relative destination", dockerfile: "FROM node\nWORKDIR /app\nCOPY package.json ./\n",
			rel: "package.json", at: "/app/package.json", line: 3},
		{name: "relative WORKDIR on WORKDIR", dockerfile: "FROM node\nWORKDIR /srv\nWORKDIR app\nCOPY . .\n",
			rel: "src", dir: true, at: "/srv/app/src", line: 4},
		{name: "relative destination on an unknown base WORKDIR", dockerfile: "FROM node\nCOPY . .\n",
			rel: "src", dir: true, at: "/src"},
		{name: "directory copied by COPY . /app", dockerfile: "FROM python\nCOPY . /app\n",
			rel: "", dir: true, at: "/app", line: 2},
		{name: "directory copied to another path", dockerfile: "FROM python\nCOPY . /app\n",
			rel: "", dir: true, at: "/code"},
		{name: "subdirectory of a copied directory", dockerfile: "FROM python\nCOPY src /app/src\n",
			rel: "src/static", dir: true, at: "/app/src/static", line: 2},
		{name: "directory named as a file destination", dockerfile: "FROM python\nCOPY conf /etc/app/\n",
			rel: "conf", dir: true, at: "/etc/app/conf"},
		{name: "target stage's own copy", dockerfile: "FROM node AS dev\nWORKDIR /app\nCOPY . .\nFROM nginx AS prod\nCOPY dist /usr/share/nginx/html\n",
			target: "dev", rel: "src", dir: true, at: "/app/src", line: 3},
		{name: "last stage when no target", dockerfile: "FROM node AS dev\nWORKDIR /app\nCOPY . .\nFROM nginx AS prod\nCOPY dist /usr/share/nginx/html\n",
			rel: "src", dir: true, at: "/app/src"},
		{name: "target names a later stage", dockerfile: "FROM node AS dev\nWORKDIR /app\nCOPY . .\nFROM nginx AS prod\nCOPY dist /usr/share/nginx/html\n",
			target: "Prod", rel: "dist", dir: true, at: "/usr/share/nginx/html", line: 5},
		{name: "stage inherits its FROM stage's copies and WORKDIR", dockerfile: "FROM node AS base\nWORKDIR /app\nCOPY . .\nFROM base AS dev\nCOPY extra.js ./\n",
			target: "dev", rel: "src/index.js", at: "/app/src/index.js", line: 3},
		{name: "stage from an outside image does not inherit", dockerfile: "FROM node AS base\nWORKDIR /app\nCOPY . .\nFROM node AS dev\nRUN true\n",
			target: "dev", rel: "src/index.js", at: "/app/src/index.js"},
		{name: "later copy of the whole context names its line", dockerfile: "FROM node\nCOPY package.json /code/package.json\nRUN npm ci\nCOPY . /code\n",
			rel: "package.json", at: "/code/package.json", line: 4},
		{name: "later copy of another file replaces it", dockerfile: "FROM nginx\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY nginx.prod.conf /etc/nginx/nginx.conf\n",
			rel: "nginx.conf", at: "/etc/nginx/nginx.conf"},
		{name: "ARG and ENV in the destination", dockerfile: "FROM node\nARG APP=/srv/app\nENV DIR=$APP\nCOPY . ${DIR}\n",
			rel: "", dir: true, at: "/srv/app", line: 4},
		{name: "build.args override an ARG default", dockerfile: "FROM node\nARG APP=/srv/app\nCOPY . $APP\n",
			args: map[string]*string{"APP": opt("/opt/app")}, rel: "", dir: true, at: "/opt/app", line: 3},
		{name: "global ARG redeclared in the stage", dockerfile: "ARG APP=/srv\nFROM node\nARG APP\nCOPY . $APP\n",
			rel: "", dir: true, at: "/srv", line: 4},
		{name: "unset variable: destination unknown", dockerfile: "FROM node\nCOPY . $APP\n",
			rel: "", dir: true, at: "/"},
		{name: "wildcard source", dockerfile: "FROM node\nWORKDIR /app\nCOPY package*.json ./\n",
			rel: "package-lock.json", at: "/app/package-lock.json", line: 3},
		{name: "JSON form", dockerfile: "FROM alpine\nCOPY [\"conf/app.ini\", \"/etc/app/app.ini\"]\n",
			rel: "conf/app.ini", at: "/etc/app/app.ini", line: 2},
		{name: "continued line", dockerfile: "FROM alpine\nCOPY conf/app.ini \\\n  /etc/app/app.ini\n",
			rel: "conf/app.ini", at: "/etc/app/app.ini", line: 2},
		{name: "ADD of an archive extracts it", dockerfile: "FROM alpine\nADD site.tar.gz /srv/\n",
			rel: "site.tar.gz", at: "/srv/site.tar.gz"},
		{name: "ADD of a plain file copies it", dockerfile: "FROM alpine\nADD app.ini /etc/app.ini\n",
			rel: "app.ini", at: "/etc/app.ini", line: 2},
		{name: "--exclude", dockerfile: "FROM alpine\nCOPY --exclude=*.md . /app\n",
			rel: "README.md", at: "/app/README.md"},
		{name: "heredoc", dockerfile: "FROM alpine\nCOPY <<EOF /etc/app.ini\nx=1\nEOF\n",
			rel: "app.ini", at: "/etc/app.ini"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			copies, err := stageCopies([]byte(tt.dockerfile), tt.target, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			if hit := copyTo(copies, tt.rel, tt.dir, tt.at, nil); hit != nil {
				got = hit.line
			}
			if got != tt.line {
				t.Errorf("%q at %s: line %d, want %d (copies %+v)", tt.rel, tt.at, got, tt.line, copies)
			}
		})
	}
}

func TestDockerfileTargetNotFound(t *testing.T) {
	_, err := stageCopies([]byte("FROM node AS dev\nCOPY . /app\n"), "prod", nil)
	if err == nil || !strings.Contains(err.Error(), `"prod"`) {
		t.Errorf("want an error naming the missing target, got %v", err)
	}
}

// A bind mount inside a build context is dropped only when the Dockerfile
// copies it to the mount's target; the warning names the Dockerfile line.
// Anything else is mounted from a ConfigMap.
func TestBindMountsInBuildContext(t *testing.T) {
	b := convertYAML(t, `
services:
  web:
    build: ./web
    volumes:
      - ./web/nginx.conf:/etc/nginx/nginx.conf:ro
      - ./web/extra.conf:/etc/nginx/conf.d/extra.conf:ro
      - ./web/secret.env:/app/secret.env:ro
      - ./web/src:/app/src
      - /app/node_modules
  nodockerfile:
    build: ./other
    volumes:
      - ./other/app.ini:/etc/app.ini:ro
`, map[string]string{
		"web/Dockerfile":    "FROM nginx\nWORKDIR /app\nCOPY nginx.conf /etc/nginx/\nCOPY . .\n",
		"web/.dockerignore": "secret.env\n",
		"web/nginx.conf":    "events {}\n",
		"web/extra.conf":    "server {}\n",
		"web/secret.env":    "X=1\n",
		"web/src/index.js":  "1\n",
		"other/app.ini":     "x=1\n",
	})
	if !hasWarning(b, "services.web.volumes.0", "web/Dockerfile:3 (COPY nginx.conf /etc/nginx/)") {
		t.Errorf("copied file: no warning naming the Dockerfile line: %v", b.Warnings)
	}
	if !hasWarning(b, "services.web.volumes.3", "web/Dockerfile:4 (COPY . .)") {
		t.Errorf("copied directory: no warning naming the Dockerfile line: %v", b.Warnings)
	}
	d := object(t, b, "base", "Deployment", "web")
	mnt := "spec.template.spec.containers.[name=web].volumeMounts"
	for _, dropped := range []string{"/etc/nginx/nginx.conf", "/app/src", "/app/node_modules"} {
		if get(t, d, mnt+".[mountPath="+dropped+"].name") != "" {
			t.Errorf("%s is in the image but mounted", dropped)
		}
	}
	// extra.conf lies in the context but is copied to /app/extra.conf only;
	// secret.env is in .dockerignore
	for _, kept := range []string{"/etc/nginx/conf.d/extra.conf", "/app/secret.env"} {
		name := get(t, d, mnt+".[mountPath="+kept+"].name")
		if name == "" || get(t, d, "spec.template.spec.volumes.[name="+name+"].configMap.name") == "" {
			t.Errorf("%s is not in the image and must be mounted from a ConfigMap: %s", kept, get(t, d, "spec.template.spec"))
		}
	}
	o := object(t, b, "base", "Deployment", "nodockerfile")
	if get(t, o, "spec.template.spec.containers.[name=nodockerfile].volumeMounts.[mountPath=/etc/app.ini].name") == "" {
		t.Error("a file of a context without a Dockerfile must be mounted")
	}
	if !hasWarning(b, "services.nodockerfile.build.dockerfile", "other/Dockerfile does not exist") {
		t.Errorf("no warning that the Dockerfile is missing: %v", b.Warnings)
	}
}

// Each volume gets one warning: a writable bind mount that cannot become a
// ConfigMap is not also warned read-only.
func TestOneWarningPerVolume(t *testing.T) {
	files := map[string]string{"big.bin": strings.Repeat("x", 1<<20+1), "small.ini": "x=1\n"}
	for i := range 65 {
		files[fmt.Sprintf("many/%02d.txt", i)] = "x\n"
	}
	b := convertYAML(t, `
services:
  app:
    image: app
    volumes:
      - ./big.bin:/data/big.bin
      - ./many:/data/many
      - ./small.ini:/etc/small.ini
      - ./missing:/data/missing
`, files)
	count := map[string]int{}
	for _, w := range b.Warnings {
		count[w.Key]++
	}
	for i := range 4 {
		key := fmt.Sprintf("services.app.volumes.%d", i)
		if count[key] != 1 {
			t.Errorf("%s: %d warnings, want 1: %v", key, count[key], b.Warnings)
		}
	}
	if !hasWarning(b, "services.app.volumes.0", "not a regular file under 1 MiB") || !hasWarning(b, "services.app.volumes.1", "too big") ||
		!hasWarning(b, "services.app.volumes.2", "read-only") {
		t.Errorf("wrong warnings: %v", b.Warnings)
	}
}
