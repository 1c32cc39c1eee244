package compose

import (
	"fmt"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/secrets"
)

// secretExt is a top-level secret's x-berth block.
type secretExt struct {
	// SOPS is a sops-encrypted copy of the secret, relative to the project
	// directory, that berth deploys instead of its file or environment
	// (which docker compose keeps using locally).
	SOPS string `json:"sops,omitempty"`
}

// sopsFile is the sops-encrypted source of a compose secret.
type sopsFile struct {
	data   []byte
	format secrets.Format
	source string // relative to the project directory
}

// sopsSecret returns the sops-encrypted source of a top-level secret: its
// x-berth sops pointer, which must be encrypted, or its file when that is
// encrypted (it carries sops metadata). nil means a plain secret.
func (c *converter) sopsSecret(def types.FileObjectConfig) (*sopsFile, error) {
	var x secretExt
	if err := decodeExt(def.Extensions, &x); err != nil {
		return nil, fmt.Errorf("%s: %w", extensionKey, err)
	}
	path, pointer := def.File, x.SOPS != ""
	if pointer {
		path = x.SOPS
		if !filepath.IsAbs(path) {
			path = filepath.Join(c.p.WorkingDir, path)
		}
	}
	if path == "" {
		return nil, nil
	}
	data, err := c.fs.ReadFile(path)
	if err != nil {
		if pointer {
			return nil, fmt.Errorf("%s.sops: %w", extensionKey, err)
		}
		return nil, nil // reported when the file is read as a plain secret
	}
	f, ok := secrets.Detect(path, data)
	if !ok {
		if pointer {
			return nil, fmt.Errorf("%s.sops: %s is not sops-encrypted (no sops metadata): encrypt it with `berth secrets encrypt -i %s`", extensionKey, relFile(c.p.WorkingDir, path), relFile(c.p.WorkingDir, path))
		}
		return nil, nil
	}
	return &sopsFile{data: data, format: f, source: relFile(c.p.WorkingDir, path)}, nil
}

// annotations mark the generator of s for decryption at `berth up`.
func (s *sopsFile) annotations() map[string]string {
	return map[string]string{meta.AnnotationSOPS: string(s.format), meta.AnnotationSOPSSource: s.source}
}
