package blockyaml

import (
	"strings"
	"unicode/utf8"
)

// style is a scalar's style.
type style int

const (
	unsupported  style = iota // go-yaml writes it as !!binary: Marshal declines
	plain                     // value
	singleQuoted              // 'value'
	doubleQuoted              // "value"
	literal                   // |
)

// styleOf is the style go-yaml's encoder asks for a string (its stringv):
// literal for several lines, plain when read back plain it stays a string,
// double-quoted otherwise.
func styleOf(s string) style {
	switch {
	case !utf8.ValidString(s):
		return unsupported
	case strings.Contains(s, "\n"):
		return literal
	case resolvesToString(s) && !isBase60Float(s):
		return plain
	}
	return doubleQuoted
}

// analysis is what go-yaml's yaml_emitter_analyze_scalar finds in a
// scalar (the block context's part of it).
type analysis struct {
	multiline          bool
	blockPlainAllowed  bool
	singleQuoteAllowed bool
	blockAllowed       bool
}

// analyze is go-yaml's yaml_emitter_analyze_scalar for block context.
func analyze(s string) analysis {
	if s == "" {
		return analysis{blockPlainAllowed: true, singleQuoteAllowed: true}
	}
	var (
		blockIndicators, lineBreaks, special                 bool
		leadingSpace, leadingBreak, trailingSpace, trailBrk  bool
		breakSpace, spaceBreak, previousSpace, previousBreak bool
	)
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockIndicators = true
	}
	precededByWhitespace := true
	for i, w := 0, 0; i < len(s); i += w {
		w = width(s[i])
		followedByWhitespace := i+w >= len(s) || isBlank(s, i+w)
		if i == 0 {
			switch s[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':', '-':
				if followedByWhitespace {
					blockIndicators = true
				}
			}
		} else {
			switch s[i] {
			case ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					blockIndicators = true
				}
			}
		}
		if !isPrintable(s, i) {
			special = true
		}
		switch {
		case s[i] == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(s) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		case isBreak(s, i):
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(s) {
				trailBrk = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		default:
			previousSpace, previousBreak = false, false
		}
		precededByWhitespace = isBlankz(s, i)
	}
	a := analysis{multiline: lineBreaks, blockPlainAllowed: true, singleQuoteAllowed: true, blockAllowed: true}
	if leadingSpace || leadingBreak || trailingSpace || trailBrk || lineBreaks || blockIndicators {
		a.blockPlainAllowed = false
	}
	if trailingSpace {
		a.blockAllowed = false
	}
	if breakSpace {
		a.blockPlainAllowed, a.singleQuoteAllowed = false, false
	}
	if spaceBreak || special {
		a.blockPlainAllowed, a.singleQuoteAllowed, a.blockAllowed = false, false, false
	}
	return a
}

// scalar writes s: the style asked for, as go-yaml's
// yaml_emitter_select_scalar_style settles it, at one indent deeper.
func (e *emitter) scalar(s string, a analysis, st style, simpleKey bool) {
	if simpleKey && a.multiline {
		st = doubleQuoted
	}
	if st == plain && (!a.blockPlainAllowed || (s == "" && simpleKey)) {
		st = singleQuoted
	}
	if st == singleQuoted && !a.singleQuoteAllowed {
		st = doubleQuoted
	}
	if st == literal && (!a.blockAllowed || simpleKey) {
		st = doubleQuoted
	}
	saved := e.indent
	e.increaseIndent(true, false)
	switch st {
	case plain:
		e.writePlain(s, !simpleKey)
	case singleQuoted:
		e.writeSingleQuoted(s, !simpleKey)
	case doubleQuoted:
		e.writeDoubleQuoted(s, !simpleKey)
	case literal:
		e.writeLiteral(s)
	}
	e.indent = saved
}

// writePlain is go-yaml's yaml_emitter_write_plain_scalar.
func (e *emitter) writePlain(s string, allowBreaks bool) {
	if !e.whitespace {
		e.put(' ')
	}
	e.writeFolding(s, allowBreaks, false)
}

// writeSingleQuoted is go-yaml's yaml_emitter_write_single_quoted_scalar.
func (e *emitter) writeSingleQuoted(s string, allowBreaks bool) {
	e.writeIndicator("'", true, false, false)
	e.writeFolding(s, allowBreaks, true)
	e.writeIndicator("'", false, false, false)
	e.whitespace = false
	e.indention = false
}

// writeFolding writes the text of a plain or, quoted, a single-quoted
// scalar: a space past bestWidth (not the first or last character, not
// before another space) becomes a line break, a line break is written
// twice, and a quoted scalar doubles its quotes. go-yaml's two writers
// differ only there; a plain scalar has no leading or trailing space.
func (e *emitter) writeFolding(s string, allowBreaks, quoted bool) {
	stop := plainStop
	if quoted {
		stop = singleStop
	}
	spaces, breaks := false, false
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			if allowBreaks && !spaces && e.column > bestWidth && i > 0 && i < len(s)-1 && !isSpace(s, i+1) {
				e.writeIndent()
				i++
			} else {
				e.write(s, &i)
			}
			spaces = true
		case isBreak(s, i):
			if !breaks && s[i] == '\n' {
				e.putBreak()
			}
			e.writeBreak(s, &i)
			e.indention = true
			breaks = true
		default:
			if breaks {
				e.writeIndent()
			}
			if quoted && s[i] == '\'' {
				e.put('\'')
				e.write(s, &i)
			} else {
				i = e.writeRun(s, i, stop)
			}
			e.indention = false
			spaces, breaks = false, false
		}
	}
	e.whitespace = false
	e.indention = false
}

// writeRun copies s from i up to the first character stop reports (or the
// end) — what writing them one by one does, at once — and returns where it
// stopped.
func (e *emitter) writeRun(s string, i int, stop func(s string, i int) bool) int {
	j := i + width(s[i])
	for j < len(s) && !stop(s, j) {
		j += width(s[j])
	}
	run := s[i:j]
	e.buf = append(e.buf, run...)
	e.column += utf8.RuneCountInString(run)
	return j
}

// plainStop: a space or a break ends a run of a plain scalar.
func plainStop(s string, i int) bool { return s[i] == ' ' || isBreak(s, i) }

// singleStop adds the quote, which is doubled.
func singleStop(s string, i int) bool { return plainStop(s, i) || s[i] == '\'' }

// doubleStop: a space or what is escaped.
func doubleStop(s string, i int) bool {
	return s[i] == ' ' || escaped(s, i)
}

// escaped reports whether a double-quoted scalar escapes the character at
// s[i].
func escaped(s string, i int) bool {
	return !isPrintable(s, i) || isBOM(s) || isBreak(s, i) || s[i] == '"' || s[i] == '\\'
}

// writeDoubleQuoted is go-yaml's yaml_emitter_write_double_quoted_scalar.
func (e *emitter) writeDoubleQuoted(s string, allowBreaks bool) {
	spaces := false
	e.writeIndicator(`"`, true, false, false)
	for i := 0; i < len(s); {
		switch {
		case escaped(s, i):
			r, w := utf8.DecodeRuneInString(s[i:])
			i += w
			e.put('\\')
			e.escape(r)
			spaces = false
		case s[i] == ' ':
			if allowBreaks && !spaces && e.column > bestWidth && i > 0 && i < len(s)-1 {
				e.writeIndent()
				if isSpace(s, i+1) {
					e.put('\\')
				}
				i++
			} else {
				e.write(s, &i)
			}
			spaces = true
		default:
			i = e.writeRun(s, i, doubleStop)
			spaces = false
		}
	}
	e.writeIndicator(`"`, false, false, false)
	e.whitespace = false
	e.indention = false
}

// escape writes the letter or code after a backslash for r.
func (e *emitter) escape(r rune) {
	if c, ok := escapes[r]; ok {
		e.put(c)
		return
	}
	digits := 8
	switch {
	case r <= 0xFF:
		e.put('x')
		digits = 2
	case r <= 0xFFFF:
		e.put('u')
		digits = 4
	default:
		e.put('U')
	}
	for k := (digits - 1) * 4; k >= 0; k -= 4 {
		e.put("0123456789ABCDEF"[(r>>uint(k))&0x0F])
	}
}

// escapes are the one-letter escapes go-yaml writes.
var escapes = map[rune]byte{
	0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0A: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
	0x22: '"', 0x5c: '\\', 0x85: 'N', 0xA0: '_', 0x2028: 'L', 0x2029: 'P',
}

// writeLiteral is go-yaml's yaml_emitter_write_literal_scalar.
func (e *emitter) writeLiteral(s string) {
	e.writeIndicator("|", true, false, false)
	e.writeBlockHints(s)
	e.putBreak()
	e.indention = true
	e.whitespace = true
	breaks := true
	for i := 0; i < len(s); {
		if isBreak(s, i) {
			e.writeBreak(s, &i)
			e.indention = true
			breaks = true
			continue
		}
		if breaks {
			e.writeIndent()
		}
		e.write(s, &i)
		e.indention = false
		breaks = false
	}
}

// writeBlockHints is go-yaml's yaml_emitter_write_block_scalar_hints: an
// indentation indicator when s starts with a space or break, and a chomping
// indicator for its final breaks.
func (e *emitter) writeBlockHints(s string) {
	if isSpace(s, 0) || isBreak(s, 0) {
		e.writeIndicator(string(rune('0'+bestIndent)), false, false, false)
	}
	chomp := ""
	i := len(s) - 1
	for s[i]&0xC0 == 0x80 {
		i--
	}
	switch {
	case !isBreak(s, i):
		chomp = "-"
	case i == 0:
		chomp = "+"
	default:
		i--
		for s[i]&0xC0 == 0x80 {
			i--
		}
		if isBreak(s, i) {
			chomp = "+"
		}
	}
	if chomp != "" {
		e.writeIndicator(chomp, false, false, false)
	}
}
