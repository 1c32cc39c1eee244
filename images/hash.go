package images

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/berth-dev/berth/compose"
)

// TagPrefix starts every content tag: sha-<12 hex digits>.
const TagPrefix = "sha-"

// contentVersion changes when what the digest covers changes, so old
// tags are not mistaken for new ones.
const contentVersion = "berth-image-content v1\n"

// Tag is the content tag of a content digest (hex): sha-<first 12>.
func Tag(digest string) string { return TagPrefix + digest[:12] }

// Hasher computes content digests of builds, sharing a FileCache and
// the digest of a context read with the same ignore file.
type Hasher struct {
	Cache *FileCache // nil: an in-memory one

	mu       sync.Mutex
	contexts map[string]contextSum
}

type contextSum struct {
	sum string
	err error
}

// Digest returns the hex SHA-256 of what the build reads: the files of
// its context left after .dockerignore (a Dockerfile's own
// <Dockerfile>.dockerignore wins, as in docker), with their paths and
// permission bits; the Dockerfile (or dockerfile_inline); the build args;
// the target; and the platforms. A remote context counts by its URL.
func (h *Hasher) Digest(b compose.Build) (string, error) {
	d := sha256.New()
	d.Write([]byte(contentVersion))
	if b.Remote {
		fmt.Fprintf(d, "remote %q %q\n", b.Context, b.Dockerfile)
	} else {
		files, err := h.contextDigest(b)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(d, "context %s\n", files)
		df := []byte(b.Inline)
		if b.Inline == "" {
			if df, err = os.ReadFile(b.Dockerfile); err != nil {
				return "", fmt.Errorf("image %s: Dockerfile: %w", b.Image, err)
			}
		}
		sum := sha256.Sum256(df)
		fmt.Fprintf(d, "dockerfile %x\n", sum)
	}
	for _, k := range sortedKeys(b.Args) {
		if v := b.Args[k]; v != nil {
			fmt.Fprintf(d, "arg %q=%q\n", k, *v)
		} else {
			fmt.Fprintf(d, "arg %q\n", k)
		}
	}
	fmt.Fprintf(d, "target %q\n", b.Target)
	platforms := append([]string(nil), b.Platforms...)
	sort.Strings(platforms)
	fmt.Fprintf(d, "platforms %q\n", strings.Join(platforms, ","))
	return hex.EncodeToString(d.Sum(nil)), nil
}

// ContentTags returns the content tag of each build by image name.
func (h *Hasher) ContentTags(builds []compose.Build) (map[string]string, error) {
	tags := make(map[string]string, len(builds))
	sums := make([]string, len(builds))
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, b := range builds {
		wg.Go(func() { sums[i], errs[i] = h.Digest(b) })
	}
	wg.Wait()
	for i, b := range builds {
		if errs[i] != nil {
			return nil, errs[i]
		}
		tags[b.Image] = Tag(sums[i])
	}
	return tags, nil
}

// contextDigest is the digest of the context's files after its ignore
// file, computed once per context and ignore file.
func (h *Hasher) contextDigest(b compose.Build) (string, error) {
	ignore := ignoreFile(b)
	key := b.Context + "\x00" + ignore
	h.mu.Lock()
	if h.Cache == nil {
		h.Cache = OpenFileCache("")
	}
	if h.contexts == nil {
		h.contexts = map[string]contextSum{}
	}
	if s, ok := h.contexts[key]; ok {
		h.mu.Unlock()
		return s.sum, s.err
	}
	h.mu.Unlock()
	sum, err := walkContext(b.Context, ignore, h.Cache)
	if err != nil {
		err = fmt.Errorf("image %s: build context %s: %w", b.Image, b.Context, err)
	}
	h.mu.Lock()
	h.contexts[key] = contextSum{sum, err}
	h.mu.Unlock()
	return sum, err
}

// ignoreFile is the ignore file docker reads for b: <Dockerfile>.dockerignore
// when it exists, else <context>/.dockerignore (which may not exist).
func ignoreFile(b compose.Build) string {
	if b.Dockerfile != "" {
		if _, err := os.Stat(b.Dockerfile + ".dockerignore"); err == nil {
			return b.Dockerfile + ".dockerignore"
		}
	}
	return filepath.Join(b.Context, ".dockerignore")
}

// readIgnore reads the patterns of an ignore file; a missing one has none.
func readIgnore(path string) (*patternmatcher.PatternMatcher, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pm, nil
}

// walkContext hashes the entries of the context dir that the ignore file
// leaves in, in lexical order: directories by path, files by path,
// permission bits and content digest, symlinks by target.
func walkContext(dir, ignore string, cache *FileCache) (string, error) {
	pm, err := readIgnore(ignore)
	if err != nil {
		return "", err
	}
	d := sha256.New()
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if pm != nil {
			skip, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return fmt.Errorf("%s: %w", ignore, err)
			}
			if skip {
				if e.IsDir() && !mayInclude(pm, rel) {
					return filepath.SkipDir
				}
				return nil
			}
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			fmt.Fprintf(d, "d %q\n", rel)
		case fi.Mode().IsRegular():
			sum, err := cache.sum(p, fi)
			if err != nil {
				return err
			}
			fmt.Fprintf(d, "f %q %o %s\n", rel, fi.Mode().Perm(), sum)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(d, "l %q %q\n", rel, target)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(d.Sum(nil)), nil
}

// mayInclude reports whether an exclusion pattern (!...) may bring back
// something under the ignored directory rel, as docker's walk decides.
func mayInclude(pm *patternmatcher.PatternMatcher, rel string) bool {
	if !pm.Exclusions() {
		return false
	}
	for _, pat := range pm.Patterns() {
		if pat.Exclusion() && strings.HasPrefix(pat.String()+"/", rel+"/") {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
