package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Command builds with a command of the user's (kaniko, ko, a CI script),
// run by sh in the app's root with the build in its environment:
//
//	IMAGE       where to push (<registry>/shop-web:sha-3f9a0c1b2d4e)
//	CONTEXT     the build context (absolute, or a remote context's URL)
//	DOCKERFILE  the Dockerfile (dockerfile_inline written to a file)
//	TARGET      the target stage, "" for the last
//	PLATFORMS   comma-separated platforms, "" for the builder's
//	BUILD_ARGS  the build args as KEY=VALUE lines
//
// It must push IMAGE: berth looks it up afterwards.
type Command struct {
	Command string
}

// Env is the environment Command adds for job j with Dockerfile file.
func (c Command) Env(j Job, file string) []string {
	return []string{
		"IMAGE=" + j.Ref,
		"CONTEXT=" + j.Build.Context,
		"DOCKERFILE=" + file,
		"TARGET=" + j.Build.Target,
		"PLATFORMS=" + platforms(j.Build),
		"BUILD_ARGS=" + strings.Join(buildArgs(j.Build), "\n"),
	}
}

// Build runs the command; its stdout and stderr are the progress.
func (c Command) Build(ctx context.Context, j Job, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "berth-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	file, err := dockerfilePath(j.Build, tmp)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", c.Command)
	cmd.Dir = j.Root
	cmd.Env = append(os.Environ(), c.Env(j, file)...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("command %q: %w", c.Command, err)
	}
	return nil
}
