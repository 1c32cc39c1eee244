package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// imageFiles is what a service's Dockerfile copies from its build context.
type imageFiles struct {
	file   string // the Dockerfile in messages: "web/Dockerfile"
	copies []contextCopy
	ignore *patternmatcher.PatternMatcher // .dockerignore; nil for none
}

// imageFilesOf reads the service's Dockerfile once; nil, warned once, when
// it cannot be read or parsed.
func (c *converter) imageFilesOf(s types.ServiceConfig) *imageFiles {
	if f, ok := c.dockerfiles[s.Name]; ok {
		return f
	}
	f, err := c.readImageFiles(s)
	if err != nil {
		c.warn.add(s.Name, "build.dockerfile", "%v: bind mounts of the build context are mounted from ConfigMaps", err)
		f = nil
	}
	c.dockerfiles[s.Name] = f
	return f
}

// readImageFiles parses the Dockerfile (or dockerfile_inline) of a service
// with a local build context, and its .dockerignore.
func (c *converter) readImageFiles(s types.ServiceConfig) (*imageFiles, error) {
	ctx := c.buildContextAbs(s)
	f := &imageFiles{file: "dockerfile_inline"}
	data := []byte(s.Build.DockerfileInline)
	ignorePaths := []string{filepath.Join(ctx, ".dockerignore")}
	if s.Build.DockerfileInline == "" {
		name := s.Build.Dockerfile
		if name == "" {
			name = "Dockerfile"
		}
		if !filepath.IsAbs(name) {
			name = filepath.Join(ctx, name)
		}
		f.file = c.relToProject(name)
		var err error
		if data, err = c.fs.ReadFile(name); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", f.file)
		} else if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", f.file, err)
		}
		// a Dockerfile-specific ignore file wins over the context's
		ignorePaths = append([]string{name + ".dockerignore"}, ignorePaths...)
	}
	copies, err := stageCopies(data, s.Build.Target, s.Build.Args)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", f.file, err)
	}
	f.copies = copies
	for _, p := range ignorePaths {
		b, err := c.fs.ReadFile(p)
		if err != nil {
			continue
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(b))
		if err == nil {
			f.ignore, err = patternmatcher.New(patterns)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", c.relToProject(p), err)
		}
		break
	}
	return f, nil
}

// inImage names the Dockerfile instruction that copies the bind mount v's
// source to v's target in the service's image ("web/Dockerfile:7 (COPY .
// /app)"), or "" when the image does not hold it there.
func (c *converter) inImage(s types.ServiceConfig, v types.ServiceVolumeConfig) string {
	ctx, src := c.buildContextAbs(s), filepath.Clean(v.Source)
	if ctx == "" || (src != ctx && !strings.HasPrefix(src, ctx+string(filepath.Separator))) {
		return ""
	}
	rel, err := filepath.Rel(ctx, src)
	if err != nil {
		return ""
	}
	fi, err := c.fs.Stat(src)
	if err != nil {
		return ""
	}
	f := c.imageFilesOf(s)
	if f == nil {
		return ""
	}
	hit := copyTo(f.copies, filepath.ToSlash(rel), fi.IsDir(), path.Clean(v.Target), f.ignore)
	if hit == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d (%s)", f.file, hit.line, hit.text)
}
