package compose

import (
	"encoding/json"
	"errors"
)

// jsonTree decodes j, an object json.Marshal wrote, into the tree
// encoding/json's Decoder with UseNumber decodes it into — maps, lists,
// strings, json.Numbers, bools and nils — without its reflection: every
// object convert renders goes through it. A string holding an escape or a
// byte outside ASCII is decoded by encoding/json itself; anything that is
// not the plain JSON json.Marshal writes makes jsonTree return an error, and
// the caller decodes j with encoding/json.
func jsonTree(j []byte) (map[string]any, error) {
	d := jsonDecoder{b: j}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok || d.skipSpace() != len(j) {
		return nil, errNotPlainJSON
	}
	return m, nil
}

var errNotPlainJSON = errors.New("not plain JSON")

// jsonDecoder reads b from i.
type jsonDecoder struct {
	b []byte
	i int
}

// skipSpace moves past JSON whitespace and returns the position.
func (d *jsonDecoder) skipSpace() int {
	for d.i < len(d.b) && (d.b[d.i] == ' ' || d.b[d.i] == '\n' || d.b[d.i] == '\t' || d.b[d.i] == '\r') {
		d.i++
	}
	return d.i
}

// value decodes the value at i.
func (d *jsonDecoder) value() (any, error) {
	if d.skipSpace() == len(d.b) {
		return nil, errNotPlainJSON
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case d.literal("true"):
		return true, nil
	case d.literal("false"):
		return false, nil
	case d.literal("null"):
		return nil, nil
	}
	return nil, errNotPlainJSON
}

// literal moves past word when it is next.
func (d *jsonDecoder) literal(word string) bool {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

func (d *jsonDecoder) object() (map[string]any, error) {
	d.i++ // {
	m := map[string]any{}
	if d.skipSpace() < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		if d.skipSpace() == len(d.b) || d.b[d.i] != '"' {
			return nil, errNotPlainJSON
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.skipSpace() == len(d.b) || d.b[d.i] != ':' {
			return nil, errNotPlainJSON
		}
		d.i++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		if d.skipSpace() == len(d.b) {
			return nil, errNotPlainJSON
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, nil
		default:
			return nil, errNotPlainJSON
		}
	}
}

func (d *jsonDecoder) array() ([]any, error) {
	d.i++ // [
	l := []any{}
	if d.skipSpace() < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return l, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		if d.skipSpace() == len(d.b) {
			return nil, errNotPlainJSON
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return l, nil
		default:
			return nil, errNotPlainJSON
		}
	}
}

// str decodes the string at i: plain ASCII as it is, the rest by
// encoding/json.
func (d *jsonDecoder) str() (string, error) {
	start := d.i
	plain := true
	for d.i++; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			if plain {
				return string(d.b[start+1 : d.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(d.b[start:d.i], &s); err != nil {
				return "", err
			}
			return s, nil
		case c == '\\':
			plain = false
			d.i++ // the escaped character, a quote included
		case c < 0x20:
			return "", errNotPlainJSON
		case c >= 0x80:
			plain = false
		}
	}
	return "", errNotPlainJSON
}

// number takes the number at i as written: json.Marshal writes valid ones.
func (d *jsonDecoder) number() (json.Number, error) {
	start := d.i
	for d.i < len(d.b) && numberByte(d.b[d.i]) {
		d.i++
	}
	n := json.Number(d.b[start:d.i])
	if !validNumber(string(n)) {
		return "", errNotPlainJSON
	}
	return n, nil
}

// numberByte reports whether c may be part of a JSON number.
func numberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// validNumber reports whether s is a JSON number (strconv takes more:
// "+1", "1.", ".5", "0x1").
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
