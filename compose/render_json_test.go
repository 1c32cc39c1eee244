package compose

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// decoded is what encoding/json's Decoder with UseNumber makes of j.
func decoded(j []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var m map[string]any
	err := d.Decode(&m)
	return m, err
}

// sameTree checks that jsonTree decodes j as encoding/json does, or
// declines it; it reports whether jsonTree decoded it.
func sameTree(t testing.TB, j []byte) bool {
	t.Helper()
	got, err := jsonTree(j)
	if err != nil {
		return false
	}
	want, werr := decoded(j)
	if werr != nil {
		t.Fatalf("jsonTree decoded %q, which encoding/json refuses: %v", j, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonTree(%q) = %#v, encoding/json %#v", j, got, want)
	}
	return true
}

func TestJSONTree(t *testing.T) {
	for _, j := range []string{
		`{}`, `{"a":1}`, `{"a":-1.5e+3,"b":[1,2.0,-0,1E9],"c":{"d":null,"e":true,"f":false},"g":[],"h":{}}`,
		` { "a" : [ 1 , "x" ] } `, `{"s":"q\"uote","t":"\u00e9\ud83d\ude00\u2028","u":"tab\t","v":"café"}`,
		`{"big":123456789012345678901234567890,"tiny":1e-400,"huge":1e400}`, `{"a":1,"a":2}`,
		`{"k":"\ud800"}`, `{"k":"a\/b"}`,
	} {
		if !sameTree(t, []byte(j)) {
			t.Errorf("jsonTree declined %s", j)
		}
	}
	for _, j := range []string{
		``, `[]`, `null`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":[1,]}`, `{"a":01}`, `{"a":+1}`, `{"a":.5}`, `{"a":1.}`,
		`{"a":1e}`, `{"a":tru}`, `{"a":"x}`, "{\"a\":\"\x01\"}", `{"a":1} x`, `{"a":--1}`, `{"a":0x1}`,
	} {
		if m, err := jsonTree([]byte(j)); err == nil {
			t.Errorf("jsonTree(%q) = %#v, want an error", j, m)
		}
	}
	for _, s := range awkward {
		j, err := json.Marshal(map[string]any{"s": s, s: []any{s, 1, 2.5, nil, true}})
		if err != nil {
			t.Fatal(err)
		}
		if !sameTree(t, j) {
			t.Errorf("jsonTree declined %s", j)
		}
	}
}

func FuzzJSONTree(f *testing.F) {
	for _, s := range append(awkward, `{"a":[1,{"b":"c"}]}`, `{"k":"\u00e9"}`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameTree(t, data)
		if j, err := json.Marshal(map[string]any{"v": string(data), string(data): []any{string(data)}}); err == nil && !sameTree(t, j) {
			t.Errorf("jsonTree declined json.Marshal's %s", j)
		}
	})
}
