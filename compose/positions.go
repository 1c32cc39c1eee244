package compose

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"

	yaml "go.yaml.in/yaml/v3"
)

// positions maps compose key paths ("services.db.ports") to the file and
// line that last defined them, so warnings and errors can point at source.
type positions struct {
	at map[string]filePos
	// vars lists the variables a key's scalar value interpolates that have
	// no default, for errors about values that came out empty.
	vars map[string][]string
}

type filePos struct {
	file string
	line int
}

// newPositions indexes the given compose files and the files they pull in
// (include, extends: file); display names the file in messages. Keys the
// main files define win; a service's keys inherited through extends point
// at the service they come from. Files that do not parse are skipped (the
// loader reports them).
func newPositions(files []string, read func(string) ([]byte, error), display func(string) string) *positions {
	p := &positions{at: map[string]filePos{}, vars: map[string][]string{}}
	docs := map[string]*yaml.Node{}
	parse := func(f string) *yaml.Node {
		if d, ok := docs[f]; ok {
			return d
		}
		docs[f] = nil
		data, err := read(f)
		if err != nil {
			return nil
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return nil
		}
		docs[f] = doc.Content[0]
		return docs[f]
	}
	// Included files first (depth first), so the including files win.
	var order []string
	seen := map[string]bool{}
	var visit func(f string, depth int)
	visit = func(f string, depth int) {
		if seen[f] || depth > 8 {
			return
		}
		seen[f] = true
		root := parse(f)
		if root == nil {
			return
		}
		for _, inc := range includePaths(child(root, "include")) {
			visit(resolve(f, inc), depth+1)
		}
		order = append(order, f)
	}
	for _, f := range files {
		visit(f, 0)
	}
	for _, f := range order {
		p.walk(docs[f], "", display(f), 0, true)
	}
	// Inherited keys: where the extended service defines them.
	for _, f := range order {
		services := child(docs[f], "services")
		if services == nil || services.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(services.Content); i += 2 {
			name, ext := services.Content[i].Value, child(services.Content[i+1], "extends")
			p.inherit(name, f, ext, parse, display, 0)
		}
	}
	return p
}

// inherit indexes, under services.<name>, the keys of the service ext
// (an extends node in file f) points at, where name does not define them.
func (p *positions) inherit(name, f string, ext *yaml.Node, parse func(string) *yaml.Node, display func(string) string, depth int) {
	if ext == nil || depth > 8 {
		return
	}
	base, file := ext.Value, f
	if ext.Kind == yaml.MappingNode {
		base = scalar(child(ext, "service"))
		if from := scalar(child(ext, "file")); from != "" {
			file = resolve(f, from)
		}
	}
	root := parse(file)
	if base == "" || root == nil {
		return
	}
	svc := child(child(root, "services"), base)
	if svc == nil {
		return
	}
	p.walk(svc, "services."+name, display(file), 0, false)
	p.inherit(name, file, child(svc, "extends"), parse, display, depth+1)
}

// includePaths lists the files of a top-level include: strings, or
// mappings whose path is a string or a list.
func includePaths(inc *yaml.Node) []string {
	if inc == nil || inc.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, e := range inc.Content {
		switch e.Kind {
		case yaml.ScalarNode:
			out = append(out, e.Value)
		case yaml.MappingNode:
			switch path := child(e, "path"); {
			case path == nil:
			case path.Kind == yaml.ScalarNode:
				out = append(out, path.Value)
			case path.Kind == yaml.SequenceNode:
				for _, x := range path.Content {
					out = append(out, x.Value)
				}
			}
		}
	}
	return out
}

// child is the value of key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// resolve is path as seen from the file from (relative paths are relative
// to its directory).
func resolve(from, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(from), path)
}

// walk indexes n's keys under prefix; with override false, only keys not
// indexed yet.
func (p *positions) walk(n *yaml.Node, prefix, file string, depth int, override bool) {
	if depth > 8 || n == nil {
		return
	}
	set := func(path string, line int) {
		if _, ok := p.at[path]; override || !ok {
			p.at[path] = filePos{file, line}
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			set(path, k.Line)
			p.walk(n.Content[i+1], path, file, depth+1, override)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			path := prefix + "." + strconv.Itoa(i)
			set(path, c.Line)
			p.walk(c, path, file, depth+1, override)
		}
	case yaml.ScalarNode:
		if _, ok := p.vars[prefix]; override || !ok {
			p.vars[prefix] = undefaulted(n.Value)
		}
	case yaml.AliasNode:
		// anchors are reported at their use site only
	}
}

// undefaulted lists the variables value interpolates without a default
// (${VAR:-x}) or an error of its own (${VAR:?msg}), sorted.
func undefaulted(value string) []string {
	if !strings.Contains(value, "$") {
		return nil
	}
	var out []string
	for name, v := range template.ExtractVariables(map[string]any{"v": value}, nil) {
		if v.DefaultValue == "" && !v.Required {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
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
