package compose

import (
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// positions maps compose key paths ("services.db.ports") to the file and
// line that last defined them, so warnings and errors can point at source.
type positions struct {
	at map[string]filePos
}

type filePos struct {
	file string
	line int
}

// newPositions indexes the given compose files; display names the file in
// messages. Files that do not parse are skipped (the loader reports them).
func newPositions(files []string, read func(string) ([]byte, error), display func(string) string) *positions {
	p := &positions{at: map[string]filePos{}}
	for _, f := range files {
		data, err := read(f)
		if err != nil {
			continue
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		p.walk(doc.Content[0], "", display(f), 0)
	}
	return p
}

func (p *positions) walk(n *yaml.Node, prefix, file string, depth int) {
	if depth > 8 || n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			p.at[path] = filePos{file, k.Line}
			p.walk(n.Content[i+1], path, file, depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			path := prefix + "." + strconv.Itoa(i)
			p.at[path] = filePos{file, c.Line}
			p.walk(c, path, file, depth+1)
		}
	case yaml.AliasNode:
		// anchors are reported at their use site only
	}
}

// lookup returns the position of key, or of its nearest known parent.
func (p *positions) lookup(key string) (string, int) {
	if p == nil {
		return "", 0
	}
	for k := key; k != ""; {
		if fp, ok := p.at[k]; ok {
			return fp.file, fp.line
		}
		i := strings.LastIndex(k, ".")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return "", 0
}
