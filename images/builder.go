package images

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/envs"
)

// Job is one image to build and push.
type Job struct {
	Build compose.Build
	Ref   string // where to push: <registry>/shop-web:sha-3f9a0c1b2d4e
	Root  string // the app's root: where a command builder runs
}

// Builder builds and pushes an image, writing its progress to out as
// lines.
type Builder interface {
	Build(ctx context.Context, j Job, out io.Writer) error
}

// NewBuilder returns the builder berth.yaml's images.builder b names;
// nil for none.
func NewBuilder(b *envs.Builder) (Builder, error) {
	if b == nil {
		return nil, nil
	}
	switch b.Kind {
	case envs.BuilderDocker:
		return Docker{}, nil
	case envs.BuilderBuildKit:
		return BuildKit{Address: b.Address}, nil
	case envs.BuilderCommand:
		return Command{Command: b.Command}, nil
	}
	return nil, fmt.Errorf("images.builder.kind %q: want docker, buildkit or command", b.Kind)
}

// buildArgs are the build args as KEY=VALUE, sorted; an arg without a
// value is KEY alone (the builder takes it from its environment).
func buildArgs(b compose.Build) []string {
	var out []string
	for _, k := range sortedKeys(b.Args) {
		if v := b.Args[k]; v != nil {
			out = append(out, k+"="+*v)
		} else {
			out = append(out, k)
		}
	}
	return out
}

// platforms are the build's platforms, sorted and comma-joined.
func platforms(b compose.Build) string {
	p := append([]string(nil), b.Platforms...)
	sort.Strings(p)
	return strings.Join(p, ",")
}

// dockerfilePath is the Dockerfile of a local build as a file: the
// Dockerfile itself, or dockerfile_inline written to a file in dir.
func dockerfilePath(b compose.Build, dir string) (string, error) {
	if b.Inline == "" {
		return b.Dockerfile, nil
	}
	p := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(p, []byte(b.Inline), 0o644); err != nil {
		return "", fmt.Errorf("write dockerfile_inline: %w", err)
	}
	return p, nil
}

// lineWriter splits what is written into lines (on \n and \r) and hands
// each non-empty one to emit; Close flushes the last partial line.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexAny(w.buf, "\r\n")
		if i < 0 {
			break
		}
		if line := strings.TrimRight(string(w.buf[:i]), " \t"); line != "" {
			w.emit(line)
		}
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if line := strings.TrimSpace(string(w.buf)); line != "" {
		w.emit(line)
	}
	w.buf = nil
	return nil
}
