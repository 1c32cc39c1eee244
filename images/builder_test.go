package images

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/envs"
)

// No container runtime runs here: the docker and buildkit builders are
// checked for the request they make.

func fullBuild(dir string) compose.Build {
	v := "1.2"
	return compose.Build{Services: []string{"web"}, Image: "shop-web", Context: dir, Dockerfile: filepath.Join(dir, "Dockerfile.prod"),
		Args: map[string]*string{"VERSION": &v, "TOKEN": nil}, Target: "runtime", Platforms: []string{"linux/arm64", "linux/amd64"}}
}

func TestDockerArgs(t *testing.T) {
	j := Job{Build: fullBuild("/src/web"), Ref: "ghcr.io/acme/shop-web:sha-3f9a0c1b2d4e"}
	args, stdin := Docker{}.Args(j)
	want := []string{"buildx", "build", "--push", "--progress", "plain", "--tag", "ghcr.io/acme/shop-web:sha-3f9a0c1b2d4e",
		"--file", "/src/web/Dockerfile.prod", "--target", "runtime", "--platform", "linux/amd64,linux/arm64",
		"--build-arg", "TOKEN", "--build-arg", "VERSION=1.2", "/src/web"}
	if !reflect.DeepEqual(args, want) || stdin != "" {
		t.Errorf("docker %q (stdin %q)\nwant   %q", args, stdin, want)
	}
	inline := Job{Build: compose.Build{Image: "x", Context: "/src/x", Inline: "FROM scratch\n"}, Ref: "r/x:sha-1"}
	args, stdin = Docker{}.Args(inline)
	if i := slices.Index(args, "--file"); i < 0 || args[i+1] != "-" || stdin != "FROM scratch\n" || args[len(args)-1] != "/src/x" {
		t.Errorf("inline: docker %q stdin %q, want --file - with the Dockerfile on stdin", args, stdin)
	}
}

func TestBuildKitSolveOpt(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Dockerfile.prod": "FROM scratch\n"})
	t.Setenv("TOKEN", "from-env")
	j := Job{Build: fullBuild(dir), Ref: "ghcr.io/acme/shop-web:sha-3f9a0c1b2d4e"}
	opt, err := BuildKit{Address: "tcp://buildkitd:1234"}.SolveOpt(j, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs := map[string]string{"filename": "Dockerfile.prod", "target": "runtime", "platform": "linux/amd64,linux/arm64",
		"build-arg:VERSION": "1.2", "build-arg:TOKEN": "from-env"}
	if opt.Frontend != "dockerfile.v0" || !reflect.DeepEqual(opt.FrontendAttrs, wantAttrs) {
		t.Errorf("frontend %q attrs %v\nwant dockerfile.v0 %v", opt.Frontend, opt.FrontendAttrs, wantAttrs)
	}
	wantExport := []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{"name": j.Ref, "push": "true"}}}
	if !reflect.DeepEqual(opt.Exports, wantExport) {
		t.Errorf("exports %+v, want %+v", opt.Exports, wantExport)
	}
	if len(opt.LocalMounts) != 2 || opt.LocalMounts["context"] == nil || opt.LocalMounts["dockerfile"] == nil {
		t.Errorf("local mounts %v, want context and dockerfile", opt.LocalMounts)
	}

	inlineDir := t.TempDir()
	inline := Job{Build: compose.Build{Image: "x", Context: dir, Inline: "FROM busybox\n"}, Ref: "r/x:sha-1"}
	opt, err = BuildKit{}.SolveOpt(inline, inlineDir)
	if err != nil {
		t.Fatal(err)
	}
	if opt.FrontendAttrs["filename"] != "Dockerfile" || opt.LocalMounts["dockerfile"] == nil {
		t.Errorf("inline: attrs %v mounts %v, want the inline Dockerfile written and mounted", opt.FrontendAttrs, opt.LocalMounts)
	}

	remote := Job{Build: compose.Build{Image: "x", Context: "https://github.com/acme/web.git#main", Remote: true, Dockerfile: "build/Dockerfile"}, Ref: "r/x:sha-1"}
	opt, err = BuildKit{}.SolveOpt(remote, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if opt.FrontendAttrs["context"] != remote.Build.Context || opt.FrontendAttrs["filename"] != "build/Dockerfile" || len(opt.LocalMounts) != 0 {
		t.Errorf("remote: attrs %v mounts %v, want the URL as context and no local mounts", opt.FrontendAttrs, opt.LocalMounts)
	}
}

func TestCommandEnv(t *testing.T) {
	j := Job{Build: fullBuild("/src/web"), Ref: "r/shop-web:sha-1"}
	env := Command{Command: "./build.sh"}.Env(j, "/src/web/Dockerfile.prod")
	want := []string{"IMAGE=r/shop-web:sha-1", "CONTEXT=/src/web", "DOCKERFILE=/src/web/Dockerfile.prod", "TARGET=runtime",
		"PLATFORMS=linux/amd64,linux/arm64", "BUILD_ARGS=TOKEN\nVERSION=1.2"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("env %q\nwant %q", env, want)
	}
}

func TestNewBuilder(t *testing.T) {
	for _, c := range []struct {
		cfg  *envs.Builder
		want Builder
	}{
		{nil, nil},
		{&envs.Builder{Kind: envs.BuilderDocker}, Docker{}},
		{&envs.Builder{Kind: envs.BuilderBuildKit, Address: "tcp://b:1234"}, BuildKit{Address: "tcp://b:1234"}},
		{&envs.Builder{Kind: envs.BuilderCommand, Command: "make push"}, Command{Command: "make push"}},
	} {
		got, err := NewBuilder(c.cfg)
		if err != nil || got != c.want {
			t.Errorf("NewBuilder(%v) = %v, %v; want %v", c.cfg, got, err, c.want)
		}
	}
	if _, err := NewBuilder(&envs.Builder{Kind: "kaniko"}); err == nil || !strings.Contains(err.Error(), "kaniko") {
		t.Errorf("unknown kind: err %v", err)
	}
}

func TestLineWriter(t *testing.T) {
	var lines []string
	w := &lineWriter{emit: func(l string) { lines = append(lines, l) }}
	w.Write([]byte("step 1\nprogress 10%\rprogress 50%\r"))
	w.Write([]byte("\nstep 2 \n\nlast"))
	w.Close()
	want := []string{"step 1", "progress 10%", "progress 50%", "step 2", "last"}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %q, want %q", lines, want)
	}
}
