package sopsfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonCodec reads a JSON object keeping its key order, and writes it
// indented with tabs. Numbers are ints when they fit, else float64.
type jsonCodec struct{}

func (jsonCodec) load(data []byte) ([]Branch, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object: sops reads only files whose top level is an object")
	}
	b, err := jsonObject(dec)
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	return []Branch{b}, nil
}

// jsonObject reads the entries of an object whose '{' was read.
func jsonObject(dec *json.Decoder) (Branch, error) {
	var b Branch
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return b, nil
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("expected an object key, got %v", tok)
		}
		v, err := jsonValue(dec)
		if err != nil {
			return nil, err
		}
		b = append(b, Item{Key: key, Value: v})
	}
}

// jsonArray reads the items of an array whose '[' was read.
func jsonArray(dec *json.Decoder) ([]any, error) {
	var list []any
	for {
		if !dec.More() {
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return list, nil
		}
		v, err := jsonValue(dec)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
}

func jsonValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return jsonObject(dec)
		}
		if t == '[' {
			return jsonArray(dec)
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		if i, err := t.Int64(); err == nil && int64(int(i)) == i {
			return int(i), nil
		}
		return t.Float64()
	}
	return tok, nil
}

func (jsonCodec) emit(branches []Branch) ([]byte, error) {
	if len(branches) == 0 {
		return nil, errors.New("no JSON document to write")
	}
	var raw bytes.Buffer
	if err := jsonWrite(&raw, branches[0]); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw.Bytes(), "", "\t"); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// jsonWrite writes v compactly, objects in their order; comments (which
// JSON cannot hold) are dropped.
func jsonWrite(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case Branch:
		w.WriteByte('{')
		first := true
		for _, it := range v {
			k, ok := it.Key.(string)
			if !ok {
				continue
			}
			if !first {
				w.WriteByte(',')
			}
			first = false
			kb, _ := json.Marshal(k)
			w.Write(kb)
			w.WriteString(": ")
			if err := jsonWrite(w, it.Value); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		w.WriteByte('}')
		return nil
	case []any:
		w.WriteByte('[')
		first := true
		for _, e := range v {
			if _, ok := e.(Comment); ok {
				continue
			}
			if !first {
				w.WriteByte(',')
			}
			first = false
			if err := jsonWrite(w, e); err != nil {
				return err
			}
		}
		w.WriteByte(']')
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Write(b)
	return nil
}

// binaryCodec is the plaintext of a binary file: the whole file is the
// one value "data" (of a JSON document once encrypted).
type binaryCodec struct{}

func (binaryCodec) load(data []byte) ([]Branch, error) {
	return []Branch{{{Key: "data", Value: string(data)}}}, nil
}

func (binaryCodec) emit(branches []Branch) ([]byte, error) {
	if len(branches) != 1 {
		return nil, errors.New("a binary file has exactly one document")
	}
	for _, it := range branches[0] {
		if it.Key == "data" {
			s, ok := it.Value.(string)
			if !ok {
				return nil, fmt.Errorf("the data of a binary file is a %T, not a string", it.Value)
			}
			return []byte(s), nil
		}
	}
	return nil, errors.New("a binary file without data")
}
