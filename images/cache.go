package images

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// racyWindow is how recent a file's mtime may be for its digest to be
// remembered: a file written again within the same clock tick keeps its
// size and mtime (git's "racy" files), so it is hashed again next time.
const racyWindow = 2 * time.Second

// FileCache remembers the SHA-256 of files by path, size, mode and mtime,
// so a warm content hash only stats the files of a build context.
// Save keeps the entries looked up since it was opened (files gone drop
// out). It is safe for concurrent use.
type FileCache struct {
	path    string
	mu      sync.Mutex
	entries map[string]fileEntry
	seen    map[string]bool
	now     func() time.Time
}

type fileEntry struct {
	Size  int64  `json:"s"`
	MTime int64  `json:"m"` // Unix nanoseconds
	Mode  uint32 `json:"p"`
	Sum   string `json:"h"`
}

// CachePath is where the file digests of the app at root are kept: the
// user's cache directory, berth/images/<hash of root>.json.
func CachePath(root string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("content hash cache: %w", err)
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, "berth", "images", hex.EncodeToString(sum[:8])+".json"), nil
}

// OpenFileCache reads the cache at path; a missing or unreadable one
// starts empty (it is only a cache). path "" keeps it in memory.
func OpenFileCache(path string) *FileCache {
	c := &FileCache{path: path, entries: map[string]fileEntry{}, seen: map[string]bool{}, now: time.Now}
	if path == "" {
		return c
	}
	if raw, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(raw, &c.entries) != nil {
			c.entries = map[string]fileEntry{}
		}
	}
	return c
}

// sum returns the hex SHA-256 of the regular file at path with info fi,
// from the cache when its size, mode and mtime match.
func (c *FileCache) sum(path string, fi fs.FileInfo) (string, error) {
	key := fileEntry{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode())}
	c.mu.Lock()
	c.seen[path] = true
	e, ok := c.entries[path]
	c.mu.Unlock()
	if ok && e.Size == key.Size && e.MTime == key.MTime && e.Mode == key.Mode {
		return e.Sum, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	key.Sum = hex.EncodeToString(h.Sum(nil))
	c.mu.Lock()
	if c.now().Sub(fi.ModTime()) >= racyWindow {
		c.entries[path] = key
	} else {
		delete(c.entries, path)
	}
	c.mu.Unlock()
	return key.Sum, nil
}

// Save writes the entries looked up since the cache was opened, through
// a temporary file and a rename (concurrent berths never see half of it).
func (c *FileCache) Save() error {
	if c.path == "" {
		return nil
	}
	c.mu.Lock()
	keep := make(map[string]fileEntry, len(c.seen))
	for p := range c.seen {
		if e, ok := c.entries[p]; ok {
			keep[p] = e
		}
	}
	c.mu.Unlock()
	raw, err := json.Marshal(keep)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("content hash cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("content hash cache: %w", err)
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("content hash cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("content hash cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("content hash cache: %w", err)
	}
	return nil
}
