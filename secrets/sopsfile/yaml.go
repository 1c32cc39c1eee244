// This Source Code Form is subject to the terms of the Mozilla Public
// License, v. 2.0. If a copy of the MPL was not distributed with this
// file, You can obtain one at https://mozilla.org/MPL/2.0/.
//
// Derived from stores/yaml/store.go of github.com/getsops/sops/v3 v3.13.3
// (how comments map to and from the tree), rewritten for berth.

package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlCodec reads and writes YAML documents (each a mapping), keeping
// comments as tree entries.
type yamlCodec struct{ indent int }

func (c yamlCodec) load(data []byte) ([]Branch, error) {
	if len(data) > 0 {
		// Decoding into a map makes the decoder reject duplicate keys.
		if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(map[string]any{}); err != nil {
			return nil, err
		}
	}
	var branches []Branch
	d := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := d.Decode(&doc)
		if err == io.EOF {
			return branches, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := yamlAppendNode(nil, &doc, false)
		if err != nil {
			return nil, err
		}
		if b == nil {
			b = Branch{}
		}
		branches = append(branches, b)
	}
}

// yamlCommentLines returns the lines of a node's comment without their
// '#'.
func yamlCommentLines(comment string) []string {
	var out []string
	for _, l := range strings.Split(comment, "\n") {
		if l != "" {
			out = append(out, l[1:])
		}
	}
	return out
}

func yamlCommentsToMap(b Branch, comment string, inline bool) Branch {
	for _, l := range yamlCommentLines(comment) {
		b = append(b, Item{Key: Comment{Value: l, Inline: inline}})
	}
	return b
}

func yamlCommentsToList(list []any, comment string, inline bool) []any {
	for _, l := range yamlCommentLines(comment) {
		list = append(list, Comment{Value: l, Inline: inline})
	}
	return list
}

// yamlValue converts a node below the document's mapping; commentsDone
// says its own comments were already placed by its parent.
func yamlValue(n *yaml.Node, commentsDone bool) (any, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		var list []any
		if !commentsDone {
			list = yamlCommentsToList(list, n.HeadComment, false)
			list = yamlCommentsToList(list, n.LineComment, false)
		}
		for _, item := range n.Content {
			list = yamlCommentsToList(list, item.HeadComment, false)
			list = yamlCommentsToList(list, item.LineComment, true)
			v, err := yamlValue(item, true)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			list = yamlCommentsToList(list, item.FootComment, false)
		}
		if !commentsDone {
			list = yamlCommentsToList(list, n.FootComment, false)
		}
		return list, nil
	case yaml.MappingNode:
		b, err := yamlAppendNode(Branch{}, n, commentsDone)
		return b, err
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	case yaml.AliasNode:
		return yamlValue(n.Alias, false)
	}
	return nil, nil
}

// yamlAppendNode appends the entries of a document or mapping node to b.
func yamlAppendNode(b Branch, n *yaml.Node, commentsDone bool) (Branch, error) {
	if !commentsDone {
		b = yamlCommentsToMap(b, n.HeadComment, false)
		b = yamlCommentsToMap(b, n.LineComment, false)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			var err error
			if b, err = yamlAppendNode(b, c, false); err != nil {
				return nil, err
			}
		}
	case yaml.SequenceNode:
		return nil, errors.New("YAML documents that are sequences are not supported")
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			b = yamlCommentsToMap(b, key.HeadComment, false)
			b = yamlCommentsToMap(b, key.LineComment, false)
			scalar := value.Kind == yaml.ScalarNode || value.Kind == yaml.AliasNode
			if scalar {
				b = yamlCommentsToMap(b, value.HeadComment, false)
				b = yamlCommentsToMap(b, value.LineComment, true)
			}
			var k any
			if err := key.Decode(&k); err != nil {
				return nil, err
			}
			v, err := yamlValue(value, scalar)
			if err != nil {
				return nil, err
			}
			b = append(b, Item{Key: k, Value: v})
			if scalar {
				b = yamlCommentsToMap(b, value.FootComment, false)
			}
			b = yamlCommentsToMap(b, key.FootComment, false)
		}
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" { // an empty document
			return b, nil
		}
		return nil, errors.New("YAML documents that are values are not supported")
	case yaml.AliasNode:
		return yamlAppendNode(b, n.Alias, false)
	}
	if !commentsDone {
		b = yamlCommentsToMap(b, n.FootComment, false)
	}
	return b, nil
}

func (c yamlCodec) emit(branches []Branch) ([]byte, error) {
	var buf bytes.Buffer
	e := yaml.NewEncoder(&buf)
	e.SetIndent(c.indent)
	for _, b := range branches {
		mapping := &yaml.Node{Kind: yaml.MappingNode}
		if err := yamlMapping(b, mapping); err != nil {
			return nil, err
		}
		doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{mapping}}
		if err := e.Encode(doc); err != nil {
			return nil, fmt.Errorf("write YAML: %w", err)
		}
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func joinComments(lines []string) string { return "#" + strings.Join(lines, "\n#") }

// addHeadComment puts lines before n's head comment.
func addHeadComment(n *yaml.Node, lines []string) {
	n.HeadComment = addComment(n.HeadComment, lines, true)
}

// addFootComment puts lines after n's foot comment.
func addFootComment(n *yaml.Node, lines []string) {
	n.FootComment = addComment(n.FootComment, lines, false)
}

// addLineComment puts lines after n's line comment.
func addLineComment(n *yaml.Node, lines []string) {
	n.LineComment = addComment(n.LineComment, lines, false)
}

// addComment is comment c with lines added before it (first) or after.
func addComment(c string, lines []string, first bool) string {
	switch {
	case len(lines) == 0:
		return c
	case c == "":
		return joinComments(lines)
	case first:
		return joinComments(lines) + "\n" + c
	}
	return c + "\n" + joinComments(lines)
}

func yamlNode(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case Branch:
		n := &yaml.Node{Kind: yaml.MappingNode}
		return n, yamlMapping(v, n)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		return n, yamlSequence(v, n)
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return n, nil
}

// yamlSequence fills a sequence node: comments go before the next item
// (inline ones on it), trailing ones after the last.
func yamlSequence(list []any, seq *yaml.Node) error {
	cs := itemComments{parent: seq}
	for _, item := range list {
		if cs.take(item) {
			continue
		}
		n, err := yamlNode(item)
		if err != nil {
			return err
		}
		cs.place(n, n)
		seq.Content = append(seq.Content, n)
	}
	cs.end()
	return nil
}

// yamlMapping fills a mapping node, placing comments as yamlSequence does.
func yamlMapping(b Branch, mapping *yaml.Node) error {
	cs := itemComments{parent: mapping}
	for _, it := range b {
		if cs.take(it.Key) {
			continue
		}
		k := &yaml.Node{}
		if err := k.Encode(it.Key); err != nil {
			return err
		}
		v, err := yamlNode(it.Value)
		if err != nil {
			return err
		}
		cs.place(k, v)
		mapping.Content = append(mapping.Content, k, v)
	}
	cs.end()
	return nil
}

// itemComments places the comments between the items of a sequence or a
// mapping: those before the first item on the parent, those before
// another item on it (inline ones on its value), trailing ones after the
// last item (on the parent when there is none).
type itemComments struct {
	parent       *yaml.Node
	head, inline []string
	last         *yaml.Node // the last item's first node
}

// take gathers item when it is a comment.
func (cs *itemComments) take(item any) bool {
	c, ok := item.(Comment)
	switch {
	case !ok:
		return false
	case c.Inline:
		cs.inline = append(cs.inline, c.Value)
	default:
		cs.head = append(cs.head, c.Value)
	}
	return true
}

// place puts the comments gathered so far on an item whose first node is
// start and whose value is value.
func (cs *itemComments) place(start, value *yaml.Node) {
	if cs.last == nil {
		addHeadComment(cs.parent, cs.head)
		cs.head = nil
	}
	addHeadComment(start, cs.head)
	addLineComment(value, cs.inline)
	cs.head, cs.inline, cs.last = nil, nil, start
}

// end places the trailing comments.
func (cs *itemComments) end() {
	rest := append(cs.head, cs.inline...)
	if cs.last == nil {
		addHeadComment(cs.parent, rest)
		return
	}
	addFootComment(cs.last, rest)
}
