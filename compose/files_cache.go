package compose

import (
	"io/fs"
	"slices"
)

// cachedFiles remembers what a FileReader answered during one Convert:
// services that share an env_file, a bind-mounted folder or a build
// context would each read it again (a 60-service app made ~570 reads of
// 24 files).
type cachedFiles struct {
	r     FileReader
	reads map[string]readResult
	stats map[string]statResult
	dirs  map[string]dirResult
}

type readResult struct {
	b   []byte
	err error
}

type statResult struct {
	fi  fs.FileInfo
	err error
}

type dirResult struct {
	ents []fs.DirEntry
	err  error
}

func newCachedFiles(r FileReader) *cachedFiles {
	return &cachedFiles{r: r, reads: map[string]readResult{}, stats: map[string]statResult{}, dirs: map[string]dirResult{}}
}

// ReadFile returns a copy of the file's content: callers may change it.
func (c *cachedFiles) ReadFile(name string) ([]byte, error) {
	res, ok := c.reads[name]
	if !ok {
		res.b, res.err = c.r.ReadFile(name)
		c.reads[name] = res
	}
	return slices.Clone(res.b), res.err
}

func (c *cachedFiles) Stat(name string) (fs.FileInfo, error) {
	res, ok := c.stats[name]
	if !ok {
		res.fi, res.err = c.r.Stat(name)
		c.stats[name] = res
	}
	return res.fi, res.err
}

func (c *cachedFiles) ReadDir(name string) ([]fs.DirEntry, error) {
	res, ok := c.dirs[name]
	if !ok {
		res.ents, res.err = c.r.ReadDir(name)
		c.dirs[name] = res
	}
	return slices.Clone(res.ents), res.err
}
