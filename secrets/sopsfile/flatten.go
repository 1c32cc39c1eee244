package sopsfile

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Flat formats (dotenv, INI) hold the nested metadata as one level of
// keys: a mapping entry k of a is "a__map_k", a list item i is "a__list_i".
const (
	mapSep  = "__map_"
	listSep = "__list_"
)

// flatten returns the leaves of b under prefix-joined flat keys. Empty
// mappings and lists have no leaves and disappear.
func flatten(b Branch, prefix string) (Branch, error) {
	var out Branch
	seen := map[string]bool{}
	var descend func(v any, key string) error
	descend = func(v any, key string) error {
		switch v := v.(type) {
		case Branch:
			for _, it := range v {
				k, ok := it.Key.(string)
				if !ok {
					continue
				}
				if err := descend(it.Value, key+mapSep+k); err != nil {
					return err
				}
			}
			return nil
		case []any:
			i := 0
			for _, e := range v {
				if _, ok := e.(Comment); ok {
					continue
				}
				if err := descend(e, key+listSep+strconv.Itoa(i)); err != nil {
					return err
				}
				i++
			}
			return nil
		}
		if seen[key] {
			return fmt.Errorf("key collision %q while flattening the metadata", key)
		}
		seen[key] = true
		out = append(out, Item{Key: key, Value: v})
		return nil
	}
	for _, it := range b {
		k, ok := it.Key.(string)
		if !ok {
			continue
		}
		if err := descend(it.Value, prefix+k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// flatNode is a node of the tree unflatten rebuilds.
type flatNode struct {
	value   *any
	keys    map[string]*flatNode
	indices map[int]*flatNode
}

// unflatten rebuilds the nested metadata from flat keys.
func unflatten(b Branch) (Branch, error) {
	root := &flatNode{}
	for _, it := range b {
		k, ok := it.Key.(string)
		if !ok {
			continue
		}
		n := root
		for _, tok := range tokenize(k) {
			if tok.isIndex {
				if n.indices == nil {
					n.indices = map[int]*flatNode{}
				}
				if n.indices[tok.index] == nil {
					n.indices[tok.index] = &flatNode{}
				}
				n = n.indices[tok.index]
				continue
			}
			if n.keys == nil {
				n.keys = map[string]*flatNode{}
			}
			if n.keys[tok.key] == nil {
				n.keys[tok.key] = &flatNode{}
			}
			n = n.keys[tok.key]
		}
		if n.value != nil {
			return nil, fmt.Errorf("metadata key %q appears twice", k)
		}
		v := it.Value
		n.value = &v
	}
	v, err := root.build()
	if err != nil {
		return nil, fmt.Errorf("unflatten the metadata: %w", err)
	}
	out, ok := v.(Branch)
	if !ok {
		return nil, errors.New("unflatten the metadata: no mapping at the root")
	}
	return out, nil
}

func (n *flatNode) build() (any, error) {
	kinds := 0
	for _, has := range []bool{n.value != nil, len(n.keys) > 0, len(n.indices) > 0} {
		if has {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return nil, errors.New("a key is both a value, a mapping or a list")
	case n.value != nil:
		return *n.value, nil
	case len(n.indices) > 0:
		list := make([]any, len(n.indices))
		for i, c := range n.indices {
			if i < 0 || i >= len(list) {
				return nil, errors.New("incomplete list")
			}
			v, err := c.build()
			if err != nil {
				return nil, err
			}
			list[i] = v
		}
		return list, nil
	}
	keys := make([]string, 0, len(n.keys))
	for k := range n.keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(Branch, 0, len(keys))
	for _, k := range keys {
		v, err := n.keys[k].build()
		if err != nil {
			return nil, err
		}
		out = append(out, Item{Key: k, Value: v})
	}
	return out, nil
}

type flatToken struct {
	key     string
	index   int
	isIndex bool
}

// tokenize splits a flat key into its mapping keys and list indices.
func tokenize(path string) []flatToken {
	var toks []flatToken
	cur, isIndex := "", false
	finish := func() {
		if isIndex {
			i, _ := strconv.Atoi(cur)
			toks = append(toks, flatToken{index: i, isIndex: true})
		} else {
			toks = append(toks, flatToken{key: cur})
		}
	}
	for i := 0; i < len(path); {
		switch {
		case strings.HasPrefix(path[i:], mapSep):
			finish()
			cur, isIndex = "", false
			i += len(mapSep)
		case strings.HasPrefix(path[i:], listSep):
			finish()
			cur, isIndex = "", true
			i += len(listSep)
		default:
			cur += path[i : i+1]
			i++
		}
	}
	finish()
	return toks
}
