package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// BuildKit builds on a BuildKit daemon (buildkitd, e.g. one running in
// the cluster as Okteto and Garden set it up) through buildctl, BuildKit's
// client CLI, with the dockerfile frontend: the daemon pushes the image,
// with the credentials of the local docker config that buildctl sends
// over its session. (Linking BuildKit's Go client would bring gRPC into
// berth's binary; internal/archtest keeps it out.)
type BuildKit struct {
	// Address is the daemon's: tcp://buildkitd:1234, unix:///run/buildkit/buildkitd.sock.
	Address string
	// Binary is buildctl; default "buildctl" on $PATH.
	Binary string
}

// Args are the buildctl arguments that build and push job j: the
// dockerfile frontend with its options (filename, target, platform,
// build-arg:*), the context and the Dockerfile's directory as locals (a
// remote context as the context option instead), and the image output
// with push. dir holds dockerfile_inline written to a file.
func (k BuildKit) Args(j Job, dir string) ([]string, error) {
	b := j.Build
	args := []string{"--addr", k.Address, "build", "--frontend", "dockerfile.v0", "--progress", "plain"}
	if b.Remote {
		args = append(args, "--opt", "context="+b.Context)
		if b.Dockerfile != "" {
			args = append(args, "--opt", "filename="+b.Dockerfile)
		}
	} else {
		file, err := dockerfilePath(b, dir)
		if err != nil {
			return nil, err
		}
		args = append(args, "--local", "context="+b.Context, "--local", "dockerfile="+filepath.Dir(file),
			"--opt", "filename="+filepath.Base(file))
	}
	if b.Target != "" {
		args = append(args, "--opt", "target="+b.Target)
	}
	if p := platforms(b); p != "" {
		args = append(args, "--opt", "platform="+p)
	}
	for _, k := range sortedKeys(b.Args) {
		v := b.Args[k]
		if v == nil {
			env, ok := os.LookupEnv(k) // as docker does for an arg without a value
			if !ok {
				continue
			}
			v = &env
		}
		args = append(args, "--opt", "build-arg:"+k+"="+*v)
	}
	return append(args, "--output", "type=image,name="+j.Ref+",push=true"), nil
}

// Build runs buildctl; its plain progress is the output.
func (k BuildKit) Build(ctx context.Context, j Job, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "berth-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args, err := k.Args(j, tmp)
	if err != nil {
		return err
	}
	bin := k.Binary
	if bin == "" {
		bin = "buildctl"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = j.Root
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("buildctl build on %s: %w", k.Address, err)
	}
	return nil
}
