// Package blockyaml writes a tree of maps, lists and scalars — what
// encoding/json decodes an object into with UseNumber — to the bytes
// go.yaml.in/yaml/v2's Marshal writes for it, without its reflection and
// event queue: convert renders every Kubernetes object it writes that way,
// and go-yaml's encoder was a sixth of a convert's CPU.
//
// The emitter is a port of the parts of go-yaml v2's (itself a port of
// libyaml's) that such a tree reaches: block mappings and sequences, empty
// ones in flow style, and the plain, single-quoted, double-quoted and
// literal scalar styles with go-yaml's choice between them and its folding
// at 80 columns. Whatever else a tree holds — a number that is not an int64,
// a key that is not a YAML simple key — makes Marshal decline, and the
// caller uses go-yaml.
//
// Derived from go-yaml v2 (Apache 2.0, Canonical Ltd.), whose emitter is a
// port of libyaml (MIT, Kirill Simonov): see NOTICE.
package blockyaml

import (
	"encoding/json"
	"strconv"
)

// Marshal returns v as go-yaml v2's Marshal writes it; ok is false when v
// holds something this package does not write (see the package comment):
// v's maps are map[string]any, its lists []any, its scalars string, bool,
// nil, int64 or a json.Number that is an int64.
func Marshal(v map[string]any) (out []byte, ok bool) {
	e := emitter{indent: -1, whitespace: true, indention: true, buf: make([]byte, 0, 1024)}
	if !e.node(v, false) {
		return nil, false
	}
	e.indent = -1
	e.writeIndent() // the document's end
	return e.buf, true
}

// bestIndent and bestWidth are go-yaml's defaults: the indent of a nested
// block and the column after which a scalar's line is folded; maxSimpleKey
// is the longest key it writes as a simple key.
const (
	bestIndent   = 2
	bestWidth    = 80
	maxSimpleKey = 128
)

// emitter holds the state of go-yaml's emitter that block output reads.
type emitter struct {
	buf        []byte
	column     int  // characters written on the current line
	indent     int  // the current block's indent, -1 before the root
	whitespace bool // the last character written was whitespace
	indention  bool // only indentation has been written on this line
}

// node writes one value; mapping tells a mapping's value from the root or
// a sequence's item (what go-yaml's emit_node context means for a block).
func (e *emitter) node(v any, mapping bool) bool {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			e.writeIndicator("{", true, true, false)
			e.writeIndicator("}", false, false, false)
			return true
		}
		return e.blockMapping(t)
	case []any:
		if len(t) == 0 {
			e.writeIndicator("[", true, true, false)
			e.writeIndicator("]", false, false, false)
			return true
		}
		return e.blockSequence(t, mapping)
	case string:
		st := styleOf(t)
		if st == unsupported {
			return false
		}
		e.scalar(t, analyze(t), st, false)
		return true
	case bool:
		e.plainToken(strconv.FormatBool(t))
		return true
	case nil:
		e.plainToken("null")
		return true
	case int64:
		e.plainToken(strconv.FormatInt(t, 10))
		return true
	case json.Number:
		n, err := t.Int64()
		if err != nil {
			return false
		}
		e.plainToken(strconv.FormatInt(n, 10))
		return true
	}
	return false
}

// blockMapping writes a non-empty map, its keys in go-yaml's order.
func (e *emitter) blockMapping(m map[string]any) bool {
	saved := e.indent
	e.increaseIndent(false, false)
	for _, k := range sortedKeys(m) {
		e.writeIndent()
		st := styleOf(k)
		if st == unsupported {
			return false
		}
		a := analyze(k)
		if a.multiline || len(k) > maxSimpleKey {
			return false // go-yaml writes a complex key ("? key")
		}
		e.scalar(k, a, st, true)
		e.writeIndicator(":", false, false, false)
		if !e.node(m[k], true) {
			return false
		}
	}
	e.indent = saved
	return true
}

// blockSequence writes a non-empty list; in a mapping's value it is not
// indented further than its key (go-yaml's "indentless" sequence).
func (e *emitter) blockSequence(l []any, mapping bool) bool {
	saved := e.indent
	e.increaseIndent(false, mapping && !e.indention)
	for _, item := range l {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		if !e.node(item, false) {
			return false
		}
	}
	e.indent = saved
	return true
}

// plainToken writes a bool, null or integer: a plain scalar go-yaml
// writes as it is.
func (e *emitter) plainToken(s string) {
	saved := e.indent
	e.increaseIndent(true, false)
	e.writePlain(s, true)
	e.indent = saved
}

// increaseIndent is go-yaml's yaml_emitter_increase_indent.
func (e *emitter) increaseIndent(flow, indentless bool) {
	switch {
	case e.indent < 0 && flow:
		e.indent = bestIndent
	case e.indent < 0:
		e.indent = 0
	case !indentless:
		e.indent += bestIndent
	}
}

// writeIndent is go-yaml's yaml_emitter_write_indent.
func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
	e.indention = true
}

// writeIndicator is go-yaml's yaml_emitter_write_indicator.
func (e *emitter) writeIndicator(indicator string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	e.buf = append(e.buf, indicator...)
	e.column += len(indicator)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
}

// put writes one ASCII character.
func (e *emitter) put(c byte) {
	e.buf = append(e.buf, c)
	e.column++
}

// putBreak starts a new line.
func (e *emitter) putBreak() {
	e.buf = append(e.buf, '\n')
	e.column = 0
}

// write copies the character at s[*i] and moves *i past it.
func (e *emitter) write(s string, i *int) {
	w := width(s[*i])
	e.buf = append(e.buf, s[*i:*i+w]...)
	e.column++
	*i += w
}

// writeBreak copies the line break at s[*i].
func (e *emitter) writeBreak(s string, i *int) {
	if s[*i] == '\n' {
		e.putBreak()
		*i++
		return
	}
	e.write(s, i)
	e.column = 0
}
