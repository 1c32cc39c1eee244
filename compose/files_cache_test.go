package compose

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// countingFiles counts the reads that reach the disk.
type countingFiles struct {
	osFiles
	reads, stats, dirs int
}

func (c *countingFiles) ReadFile(n string) ([]byte, error)  { c.reads++; return c.osFiles.ReadFile(n) }
func (c *countingFiles) Stat(n string) (fs.FileInfo, error) { c.stats++; return c.osFiles.Stat(n) }
func (c *countingFiles) ReadDir(n string) ([]fs.DirEntry, error) {
	c.dirs++
	return c.osFiles.ReadDir(n)
}

func TestCachedFilesReadOnceAndHandOutCopies(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "app.env")
	if err := os.WriteFile(f, []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	disk := &countingFiles{}
	c := newCachedFiles(disk)
	b, err := c.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	b[0] = 'X' // a caller changing its copy
	again, _ := c.ReadFile(f)
	if string(again) != "A=1\n" {
		t.Errorf("second read %q: a caller's change leaked into the cache", again)
	}
	if _, err := c.ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := c.ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file, again: %v", err)
	}
	for range 3 {
		if _, err := c.Stat(f); err != nil {
			t.Fatal(err)
		}
		ents, err := c.ReadDir(dir)
		if err != nil || len(ents) != 1 {
			t.Fatalf("ReadDir: %v, %d entries", err, len(ents))
		}
		ents[0] = nil // a caller changing its slice
	}
	if disk.reads != 2 || disk.stats != 1 || disk.dirs != 1 {
		t.Errorf("disk reads %d, stats %d, dirs %d; want 2 (the file, the missing one), 1, 1", disk.reads, disk.stats, disk.dirs)
	}
}
