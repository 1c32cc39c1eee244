package blockyaml

// The character classes of go-yaml's yamlprivateh.go, on strings; an index
// past the end is no character.

// width is the length of the UTF-8 sequence starting with b.
func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 0
}

// at is s[i], or 0 past the end.
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isSpace(s string, i int) bool { return at(s, i) == ' ' }

func isBlank(s string, i int) bool { c := at(s, i); return c == ' ' || c == '\t' }

// isBreak: CR, LF, NEL, LS or PS.
func isBreak(s string, i int) bool {
	c := at(s, i)
	return c == '\r' || c == '\n' ||
		c == 0xC2 && at(s, i+1) == 0x85 ||
		c == 0xE2 && at(s, i+1) == 0x80 && (at(s, i+2) == 0xA8 || at(s, i+2) == 0xA9)
}

// isBlankz: blank, break or NUL.
func isBlankz(s string, i int) bool { return isBlank(s, i) || isBreak(s, i) || at(s, i) == 0 }

// isBOM reports whether s starts with a byte order mark: go-yaml asks it
// of the whole value at every character of a double-quoted scalar.
func isBOM(s string) bool { return at(s, 0) == 0xEF && at(s, 1) == 0xBB && at(s, 2) == 0xBF }

// isPrintable: what YAML writes unescaped (LF, printable ASCII, and the
// printable planes minus the BOM, U+FFFE and U+FFFF).
func isPrintable(s string, i int) bool {
	c, c1, c2 := at(s, i), at(s, i+1), at(s, i+2)
	return c == 0x0A ||
		(c >= 0x20 && c <= 0x7E) ||
		(c == 0xC2 && c1 >= 0xA0) ||
		(c > 0xC2 && c < 0xED) ||
		(c == 0xED && c1 < 0xA0) ||
		c == 0xEE ||
		(c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)))
}
