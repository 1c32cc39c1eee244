package sopsfile

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
)

// iniCodec reads and writes INI files with gopkg.in/ini.v1, as sops does:
// each section is a mapping; a section's and a key's comments follow them.
type iniCodec struct{}

func (iniCodec) load(data []byte) ([]Branch, error) {
	f, err := ini.LoadSources(ini.LoadOptions{AllowNonUniqueSections: true}, data)
	if err != nil {
		return nil, fmt.Errorf("not valid INI: %w", err)
	}
	var b Branch
	for _, sec := range f.Sections() {
		var items Branch
		if sec.Comment != "" {
			items = append(items, Item{Key: Comment{Value: stripINIComment(sec.Comment)}})
		}
		for _, k := range sec.Keys() {
			items = append(items, Item{Key: k.Name(), Value: k.Value()})
			if k.Comment != "" {
				items = append(items, Item{Key: Comment{Value: stripINIComment(k.Comment)}})
			}
		}
		b = append(b, Item{Key: sec.Name(), Value: items})
	}
	return []Branch{b}, nil
}

func stripINIComment(c string) string {
	switch {
	case strings.HasPrefix(c, ";"):
		return strings.TrimLeft(c, "; ")
	case strings.HasPrefix(c, "#"):
		return strings.TrimLeft(c, "# ")
	}
	return c
}

func (iniCodec) emit(branches []Branch) ([]byte, error) {
	f := ini.Empty(ini.LoadOptions{AllowNonUniqueSections: true})
	f.DeleteSection(ini.DefaultSection)
	for _, b := range branches {
		for _, it := range b {
			name, ok := it.Key.(string)
			if !ok {
				continue
			}
			sec, err := f.NewSection(name)
			if err != nil {
				return nil, fmt.Errorf("section %s: %w", name, err)
			}
			items, ok := it.Value.(Branch)
			if !ok {
				return nil, fmt.Errorf("section %s: INI values must be in sections", name)
			}
			if len(items) > 0 {
				if c, ok := items[0].Key.(Comment); ok {
					sec.Comment = c.Value
					items = items[1:]
				}
			}
			var last *ini.Key
			for _, kv := range items {
				if c, ok := kv.Key.(Comment); ok {
					if last != nil {
						last.Comment = c.Value
					}
					continue
				}
				last, err = sec.NewKey(fmt.Sprint(kv.Key), valueString(kv.Value))
				if err != nil {
					return nil, fmt.Errorf("section %s: %w", name, err)
				}
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
