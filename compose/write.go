package compose

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"strings"
)

// SumFile lists the SHA-256 of every generated file, relative to the output
// directory, so later runs can tell generated files from hand edits.
const SumFile = "berth.sum"

// WriteOptions tune Base.Write.
type WriteOptions struct {
	// Force overwrites files edited by hand and files berth did not write.
	Force bool
}

// EditedError lists files that changed since berth generated them (or that
// berth did not generate) and would be overwritten.
type EditedError struct {
	Dir   string
	Files []string
}

func (e *EditedError) Error() string {
	return fmt.Sprintf("%s: %d file(s) edited by hand or not written by berth would be overwritten: %s (re-run with --force to overwrite)",
		e.Dir, len(e.Files), strings.Join(e.Files, ", "))
}

// Write puts the tree into dir atomically: the new tree is built in a
// temporary directory next to dir, then swapped in with renames. Files in dir
// that berth did not generate are kept; generated files that are no longer
// produced are removed. Without Force, a generated file edited since (its
// checksum no longer matches) or a foreign file at a generated path stops
// the write with an *EditedError and nothing changes.
func (b *Base) Write(dir string, o WriteOptions) error {
	dir = filepath.Clean(dir)
	old, err := readSums(filepath.Join(dir, SumFile))
	if err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	existing, err := listFiles(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	var edited []string
	for _, rel := range sortedKeys(existing) {
		if rel == SumFile {
			continue
		}
		_, ours := old[rel]
		newContent, produced := b.Files[rel]
		if !ours && !produced {
			continue // the user's own file: kept as is
		}
		cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("write %s: %w", dir, err)
		}
		if produced && bytes.Equal(cur, newContent) {
			continue
		}
		if !isUnedited(cur, old, rel) {
			edited = append(edited, rel)
		}
	}
	if len(edited) > 0 && !o.Force {
		return &EditedError{Dir: dir, Files: edited}
	}

	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".berth-new-")
	if err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	// keep the user's own files
	for _, rel := range sortedKeys(existing) {
		if _, ours := old[rel]; ours || rel == SumFile {
			continue
		}
		if _, produced := b.Files[rel]; produced {
			continue
		}
		if err := copyFile(filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(tmp, filepath.FromSlash(rel)), existing[rel]); err != nil {
			return fmt.Errorf("write %s: %w", dir, err)
		}
	}
	var sums bytes.Buffer
	for _, rel := range b.Paths() {
		if !validRel(rel) {
			return fmt.Errorf("write %s: invalid generated path %q", dir, rel)
		}
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", dir, err)
		}
		if err := os.WriteFile(p, b.Files[rel], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", dir, err)
		}
		fmt.Fprintf(&sums, "%s  %s\n", sha(b.Files[rel]), rel)
	}
	if err := os.WriteFile(filepath.Join(tmp, SumFile), sums.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	return swapDir(tmp, dir)
}

// swapDir replaces dir by tmp with two renames, restoring dir on failure.
func swapDir(tmp, dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("write %s: %w", dir, err)
		}
		return nil
	}
	backup := tmp + ".old"
	if err := os.Rename(dir, backup); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if rerr := os.Rename(backup, dir); rerr != nil {
			return fmt.Errorf("write %s: %w (and restoring it failed: %v; the previous tree is in %s)", dir, err, rerr, backup)
		}
		return fmt.Errorf("write %s: %w", dir, err)
	}
	if err := os.RemoveAll(backup); err != nil {
		return fmt.Errorf("write %s: remove previous tree: %w", dir, err)
	}
	return nil
}

// isUnedited reports whether a file on disk is still as berth generated it:
// its header checksum matches, or its hash matches the sum file.
func isUnedited(content []byte, sums map[string]string, rel string) bool {
	if gen, intact := headerIntact(content); gen {
		if s, ok := sums[rel]; ok {
			return intact && s == sha(content)
		}
		return intact
	}
	s, ok := sums[rel]
	return ok && s == sha(content)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readSums parses a sum file; a missing file is an empty map.
func readSums(path string) (map[string]string, error) {
	out := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, rel, ok := strings.Cut(sc.Text(), "  ")
		if ok && validRel(rel) {
			out[rel] = sum
		}
	}
	return out, sc.Err()
}

// listFiles lists the regular files under dir (slash paths) with their modes.
func listFiles(dir string) (map[string]fs.FileMode, error) {
	out := map[string]fs.FileMode{}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = info.Mode()
		return nil
	})
	return out, err
}

func copyFile(src, dst string, mode fs.FileMode) error {
	if mode&fs.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, mode.Perm())
}

// validRel rejects absolute paths and paths escaping the output directory.
func validRel(rel string) bool {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.Contains(rel, "\\") {
		return false
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." || part == "." || part == "" {
			return false
		}
	}
	return true
}
