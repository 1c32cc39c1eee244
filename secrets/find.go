package secrets

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxSopsFile is the largest file FindEncrypted reads.
const maxSopsFile = 4 << 20

// FindEncrypted lists the sops-encrypted files under root (paths joined
// to root), in lexical order, skipping hidden directories (.git, ...)
// and node_modules.
func FindEncrypted(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > maxSopsFile {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, ok := Detect(p, data); ok {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
