package sopsfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dotenvCodec reads KEY=VALUE lines and #comments (blank lines are
// dropped); a value's newlines are written as \n.
type dotenvCodec struct{}

func (dotenvCodec) load(data []byte) ([]Branch, error) {
	var b Branch
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if line[0] == '#' {
			b = append(b, Item{Key: Comment{Value: string(line[1:])}})
			continue
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok {
			return nil, fmt.Errorf("line %d is not KEY=VALUE", i+1)
		}
		b = append(b, Item{Key: string(k), Value: strings.ReplaceAll(string(v), `\n`, "\n")})
	}
	return []Branch{b}, nil
}

func (dotenvCodec) emit(branches []Branch) ([]byte, error) {
	var buf bytes.Buffer
	if len(branches) == 0 {
		return nil, nil
	}
	for _, it := range branches[0] {
		switch it.Value.(type) {
		case Branch, []any:
			return nil, fmt.Errorf("%v: a dotenv file holds no nested values", it.Key)
		}
		if c, ok := it.Key.(Comment); ok {
			buf.WriteString("#" + c.Value + "\n")
			continue
		}
		v, ok := it.Value.(string)
		if ok {
			v = strings.ReplaceAll(v, "\n", `\n`)
		} else {
			v = valueString(it.Value)
		}
		fmt.Fprintf(&buf, "%v=%s\n", it.Key, v)
	}
	return buf.Bytes(), nil
}

// valueString writes a non-string scalar of a flat file (dotenv, INI) as
// sops does.
func valueString(v any) string {
	switch v := v.(type) {
	case float64:
		s := strconv.FormatFloat(v, 'G', -1, 64)
		if !strings.ContainsAny(s, ".E") {
			s = strconv.FormatFloat(v, 'f', 1, 64)
		}
		return s
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(time.RFC3339)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%v", v)
}
