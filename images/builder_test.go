package images

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

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

func TestBuildKitArgs(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TOKEN", "from-env")
	j := Job{Build: fullBuild(dir), Ref: "ghcr.io/acme/shop-web:sha-3f9a0c1b2d4e"}
	k := BuildKit{Address: "tcp://buildkitd:1234"}
	args, err := k.Args(j, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--addr", "tcp://buildkitd:1234", "build", "--frontend", "dockerfile.v0", "--progress", "plain",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir, "--opt", "filename=Dockerfile.prod",
		"--opt", "target=runtime", "--opt", "platform=linux/amd64,linux/arm64",
		"--opt", "build-arg:TOKEN=from-env", "--opt", "build-arg:VERSION=1.2",
		"--output", "type=image,name=ghcr.io/acme/shop-web:sha-3f9a0c1b2d4e,push=true"}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("buildctl %q\nwant     %q", args, want)
	}

	inlineDir := t.TempDir()
	inline := Job{Build: compose.Build{Image: "x", Context: dir, Inline: "FROM busybox\n"}, Ref: "r/x:sha-1"}
	args, err = k.Args(inline, inlineDir)
	if err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(filepath.Join(inlineDir, "Dockerfile"))
	if err != nil || string(written) != "FROM busybox\n" || !slices.Contains(args, "dockerfile="+inlineDir) || !slices.Contains(args, "filename=Dockerfile") {
		t.Errorf("inline: %q (file %q, %v), want the inline Dockerfile written and mounted", args, written, err)
	}

	remote := Job{Build: compose.Build{Image: "x", Context: "https://github.com/acme/web.git#main", Remote: true, Dockerfile: "build/Dockerfile"}, Ref: "r/x:sha-1"}
	args, err = k.Args(remote, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(args, "context="+remote.Build.Context) || !slices.Contains(args, "filename=build/Dockerfile") || slices.Contains(args, "--local") {
		t.Errorf("remote: %q, want the URL as the context option and no locals", args)
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
