package sopsfile

import (
	"fmt"
	"strings"
)

// Store reads and writes one file format, plaintext and encrypted.
type Store interface {
	// LoadPlain parses a plaintext file.
	LoadPlain(data []byte) ([]Branch, error)
	// EmitPlain writes branches as a plaintext file.
	EmitPlain(branches []Branch) ([]byte, error)
	// LoadEncrypted parses an encrypted file into its (still encrypted)
	// tree and metadata; ErrNoMetadata when it has none.
	LoadEncrypted(data []byte) (*Tree, error)
	// EmitEncrypted writes t, its metadata included.
	EmitEncrypted(t *Tree) ([]byte, error)
	// HasMetadata reports whether a plaintext branch has an entry where
	// the sops metadata goes: it would not survive encryption.
	HasMetadata(b Branch) bool
}

// StoreFor returns the store of a format: binary, yaml, json, dotenv or
// ini; nil for another name. The stores use sops's default settings (YAML
// indented by 4, JSON by tabs).
func StoreFor(format string) Store {
	switch format {
	case "yaml":
		return &store{codec: yamlCodec{indent: 4}, layout: nested}
	case "json":
		return &store{codec: jsonCodec{}, layout: nested}
	case "binary":
		return &store{codec: jsonCodec{}, plain: binaryCodec{}, layout: nested}
	case "dotenv":
		return &store{codec: dotenvCodec{}, layout: flatPrefixed}
	case "ini":
		return &store{codec: iniCodec{}, layout: flatSection}
	}
	return nil
}

// codec parses and writes the plaintext of one format.
type codec interface {
	load(data []byte) ([]Branch, error)
	emit(branches []Branch) ([]byte, error)
}

// layout is where a format keeps its metadata.
type layout int

const (
	// nested: a "sops" mapping in the top-level mapping.
	nested layout = iota
	// flatSection: a "sops" mapping of flattened keys (INI's [sops]
	// section), newlines escaped as \n.
	flatSection
	// flatPrefixed: flattened keys prefixed "sops_" among the others.
	flatPrefixed
)

const flatPrefix = MetadataKey + "_"

// store is a format: the codec of its encrypted files, the codec of its
// plaintext when different (binary), and its metadata layout.
type store struct {
	codec  codec
	plain  codec
	layout layout
}

func (s *store) plainCodec() codec {
	if s.plain != nil {
		return s.plain
	}
	return s.codec
}

func (s *store) LoadPlain(data []byte) ([]Branch, error) { return s.plainCodec().load(data) }

func (s *store) EmitPlain(branches []Branch) ([]byte, error) { return s.plainCodec().emit(branches) }

func (s *store) HasMetadata(b Branch) bool {
	for _, it := range b {
		if k, ok := it.Key.(string); ok && s.isMetadataKey(k) {
			return true
		}
	}
	return false
}

func (s *store) isMetadataKey(k string) bool {
	if s.layout == flatPrefixed {
		return strings.HasPrefix(k, flatPrefix)
	}
	return k == MetadataKey
}

func (s *store) LoadEncrypted(data []byte) (*Tree, error) {
	branches, err := s.codec.load(data)
	if err != nil {
		return nil, err
	}
	var md Branch
	found := false
	for bi, b := range branches {
		kept := b[:0:0]
		for _, it := range b {
			k, ok := it.Key.(string)
			if !ok || !s.isMetadataKey(k) {
				kept = append(kept, it)
				continue
			}
			if bi > 0 && s.layout != flatPrefixed {
				continue // later YAML documents repeat the metadata
			}
			switch s.layout {
			case flatPrefixed:
				if bi == 0 {
					md = append(md, Item{Key: strings.TrimPrefix(k, flatPrefix), Value: it.Value})
					found = true
				} else {
					kept = append(kept, it)
				}
			default:
				if found {
					return nil, fmt.Errorf("two %q entries", MetadataKey)
				}
				b, ok := it.Value.(Branch)
				if !ok {
					return nil, fmt.Errorf("the %q entry is not a mapping", MetadataKey)
				}
				md, found = b, true
			}
		}
		branches[bi] = kept
	}
	if !found {
		return nil, ErrNoMetadata
	}
	if s.layout != nested {
		if s.layout == flatSection {
			md = replaceInStrings(md, `\n`, "\n")
		}
		if md, err = unflatten(md); err != nil {
			return nil, err
		}
	}
	m, err := parseMetadata(md)
	if err != nil {
		return nil, err
	}
	return &Tree{Branches: branches, Metadata: m}, nil
}

func (s *store) EmitEncrypted(t *Tree) ([]byte, error) {
	md, err := t.Metadata.branch()
	if err != nil {
		return nil, err
	}
	if s.layout != nested {
		prefix := ""
		if s.layout == flatPrefixed {
			prefix = flatPrefix
		}
		if md, err = flatten(md, prefix); err != nil {
			return nil, err
		}
		if s.layout == flatSection {
			md = replaceInStrings(md, "\n", `\n`)
		}
	}
	if s.layout != flatPrefixed {
		md = Branch{{Key: MetadataKey, Value: md}}
	}
	out := make([]Branch, 0, len(t.Branches))
	for _, b := range t.Branches {
		nb := make(Branch, 0, len(b)+len(md))
		for _, it := range b {
			if k, ok := it.Key.(string); ok && s.isMetadataKey(k) {
				return nil, fmt.Errorf("the file has a key %q, which is where sops keeps its metadata", k)
			}
			nb = append(nb, it)
		}
		out = append(out, append(nb, md...))
	}
	return s.codec.emit(out)
}

// replaceInStrings replaces old by new in the string values of a flat
// branch.
func replaceInStrings(b Branch, old, new string) Branch {
	out := make(Branch, len(b))
	for i, it := range b {
		if s, ok := it.Value.(string); ok {
			it.Value = strings.ReplaceAll(s, old, new)
		}
		out[i] = it
	}
	return out
}
