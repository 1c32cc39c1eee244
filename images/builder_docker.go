package images

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// Docker builds with `docker buildx build --push` (docker's BuildKit),
// using docker's own login for the push.
type Docker struct {
	// Binary is the docker CLI; default "docker" on $PATH.
	Binary string
}

// Args are the docker arguments that build and push job j, and the
// standard input (dockerfile_inline, read by --file -).
func (Docker) Args(j Job) (args []string, stdin string) {
	b := j.Build
	args = []string{"buildx", "build", "--push", "--progress", "plain", "--tag", j.Ref}
	switch {
	case b.Inline != "":
		args, stdin = append(args, "--file", "-"), b.Inline
	case b.Dockerfile != "":
		args = append(args, "--file", b.Dockerfile)
	}
	if b.Target != "" {
		args = append(args, "--target", b.Target)
	}
	if p := platforms(b); p != "" {
		args = append(args, "--platform", p)
	}
	for _, a := range buildArgs(b) {
		args = append(args, "--build-arg", a)
	}
	return append(args, b.Context), stdin
}

// Build runs docker buildx build --push; its output is the progress.
func (d Docker) Build(ctx context.Context, j Job, out io.Writer) error {
	bin := d.Binary
	if bin == "" {
		bin = "docker"
	}
	args, stdin := d.Args(j)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = j.Root
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("docker buildx build: %w", err)
	}
	return nil
}
