package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/tonistiigi/fsutil"
)

// BuildKit builds on a BuildKit daemon (buildkitd, e.g. one running in
// the cluster as Okteto and Garden set it up) through its client, with
// the dockerfile frontend: the daemon pushes the image, with the
// credentials of the local docker config (sent over the session).
type BuildKit struct {
	// Address is the daemon's: tcp://buildkitd:1234, unix:///run/buildkit/buildkitd.sock.
	Address string
}

// SolveOpt is the request that builds and pushes job j: the dockerfile
// frontend with its attributes, the context and Dockerfile directories
// as local mounts (none for a remote context), the image exporter with
// push. dir holds dockerfile_inline written to a file.
func (BuildKit) SolveOpt(j Job, dir string) (client.SolveOpt, error) {
	b := j.Build
	attrs := map[string]string{}
	if b.Target != "" {
		attrs["target"] = b.Target
	}
	if p := platforms(b); p != "" {
		attrs["platform"] = p
	}
	for k, v := range b.Args {
		if v != nil {
			attrs["build-arg:"+k] = *v
		} else if env, ok := os.LookupEnv(k); ok {
			attrs["build-arg:"+k] = env // as docker does for an arg without a value
		}
	}
	opt := client.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		Exports: []client.ExportEntry{{
			Type:  client.ExporterImage,
			Attrs: map[string]string{"name": j.Ref, "push": "true"},
		}},
	}
	if b.Remote {
		attrs["context"] = b.Context
		if b.Dockerfile != "" {
			attrs["filename"] = b.Dockerfile
		}
		return opt, nil
	}
	file, err := dockerfilePath(b, dir)
	if err != nil {
		return opt, err
	}
	attrs["filename"] = filepath.Base(file)
	ctxFS, err := fsutil.NewFS(b.Context)
	if err != nil {
		return opt, fmt.Errorf("build context %s: %w", b.Context, err)
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(file))
	if err != nil {
		return opt, fmt.Errorf("dockerfile %s: %w", file, err)
	}
	opt.LocalMounts = map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS}
	return opt, nil
}

// Build sends the request to the daemon and streams its progress: each
// step as it starts and the steps' log lines.
func (k BuildKit) Build(ctx context.Context, j Job, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "berth-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	opt, err := k.SolveOpt(j, tmp)
	if err != nil {
		return err
	}
	opt.Session = []session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(io.Discard)),
	})}
	c, err := client.New(ctx, k.Address)
	if err != nil {
		return fmt.Errorf("buildkitd %s: %w", k.Address, err)
	}
	defer c.Close()
	ch := make(chan *client.SolveStatus)
	done := make(chan struct{})
	go func() {
		defer close(done)
		writeStatus(ch, out)
	}()
	_, err = c.Solve(ctx, nil, opt, ch) // closes ch
	<-done
	if err != nil {
		return fmt.Errorf("buildkitd %s: %w", k.Address, err)
	}
	return nil
}

// writeStatus writes BuildKit's progress as plain lines: a step when it
// starts, fails or is cached, and the steps' logs.
func writeStatus(ch <-chan *client.SolveStatus, out io.Writer) {
	started := map[string]bool{}
	for s := range ch {
		for _, v := range s.Vertexes {
			id := v.Digest.String()
			switch {
			case v.Error != "":
				fmt.Fprintf(out, "%s: ERROR %s\n", v.Name, v.Error)
			case v.Cached && !started[id]:
				started[id] = true
				fmt.Fprintf(out, "%s: CACHED\n", v.Name)
			case v.Started != nil && !started[id]:
				started[id] = true
				fmt.Fprintf(out, "%s\n", v.Name)
			}
		}
		for _, l := range s.Logs {
			out.Write(l.Data)
		}
	}
}
