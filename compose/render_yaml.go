package compose

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/berth-dev/berth/compose/blockyaml"
	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// objectYAML writes m, an object decoded from the JSON j with UseNumber,
// as sigs.k8s.io/yaml.Marshal does, without its round trip: Marshal encodes
// m to JSON again, parses that JSON with go-yaml (which picks int, float or
// string for each scalar) and emits the result. go-yaml emits m as it is,
// turning each json.Number into an int64, to the same bytes, when m holds
// nothing that round trip treats differently: numbers that are not int64
// integers, characters go-yaml's reader refuses, and keys too long for a
// YAML simple key. Then, and only then, it takes the round trip. blockyaml
// writes what go-yaml would, faster, for all but the rarest of such m.
func objectYAML(m map[string]any, j []byte) ([]byte, error) {
	if !yamlReadable(j) {
		return yaml.Marshal(m)
	}
	if b, ok := blockyaml.Marshal(m); ok {
		return b, nil
	}
	if plainValues(m) {
		return yamlv2.Marshal(m)
	}
	return yaml.Marshal(m)
}

// maxPlainKey bounds a key's length: go-yaml drops a simple key whose ':'
// is 1024 bytes or more after its start, and a JSON escape is up to 6 bytes.
const maxPlainKey = 160

// plainValues reports whether every number in v is an int64 integer and
// every key at most maxPlainKey bytes.
func plainValues(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if len(k) > maxPlainKey || !plainValues(c) {
				return false
			}
		}
	case []any:
		for _, c := range t {
			if !plainValues(c) {
				return false
			}
		}
	case json.Number:
		s := string(t)
		if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
			return false
		}
		for i := 1; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	}
	return true
}

// yamlReadable reports whether go-yaml's reader takes every character of
// the UTF-8 text b as it is (its printable set: no DEL, no C1 controls, no
// U+FFFE or U+FFFF; and no NEL, a line break to it; JSON has escaped the
// other control characters).
func yamlReadable(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return false
		case r < 0xA0, // C1 controls; NEL reads as a line break
			r >= 0xD800 && r <= 0xDFFF,
			r == 0xFFFE, r == 0xFFFF:
			return false
		}
		i += n
	}
	return true
}
