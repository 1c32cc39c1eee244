package blockyaml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
)

// sameAsGoYAML checks that Marshal writes v as go-yaml v2 does, or
// declines; it reports whether Marshal wrote v.
func sameAsGoYAML(t testing.TB, v map[string]any) bool {
	t.Helper()
	want, err := yamlv2.Marshal(v)
	if err != nil {
		t.Fatalf("go-yaml: %v", err)
	}
	got, ok := Marshal(v)
	if !ok {
		return false
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal differs from go-yaml for %#v:\n--- got\n%s--- want\n%s", v, got, want)
	}
	return true
}

// awkward are strings YAML could read as something else, or must quote,
// fold, escape or write as a block.
var awkward = []string{
	"", " ", "  ", "a", "true", "False", "yes", "no", "on", "off", "y", "n", "null", "~", "NULL", "<<", "=",
	"0", "-0", "+1", "007", "0x1F", "0o17", "0b101", "-0b101", "0b2", "1e3", "1.5", ".5", ".", "-.inf", ".NaN", ".Infinity",
	"1_000", "1__0", "_1", "99999999999999999999", "18446744073709551615", "-9223372036854775809", "1.2.3", "1e", "+", "-",
	"2026-12-01", "2026-12-01T10:00:00Z", "2026-1-2 3:4:5", "2026-13-45", "20261-01-01", "12:30:45", "1:20", "-1:20.5", "1:60", "190:20:30",
	"a: b", "a:b", "a:", ":a", ": a", "a #b", "a#b", "#c", "- x", "-x", "--", "---", "--- x", "...", "....", "? q", "?q", "[x]", "{y}", "a,b", "a[0]",
	"*ref", "&anchor", "!tag", "%dir", "@at", "`tick`", "|", ">", "'single'", `"double"`, "it's", `say "hi"`,
	"multi\nline\n", "multi\nline", "\nlead", "trail\n\n", "\n", "\n\n", " lead\nx", "x\n trail", "x \ny", "x\n y\n", "a\r\nb", "a\rb",
	"trailing space ", " leading", "tab\there", "\ttab", "tab\t", "café ☕ 𝄞", "<>&", "\u2028\u2029", "x\u2028y", "x\u0085y\n",
	"back\\slash", "cr\r\nlf", "nul\x00byte", "del\x7fchar", "c1\u0085nel", "c1\u0080pad", "bom\ufeff", "\ufeffbom", "\ufffe", "nbsp\u00a0x",
	"\x1b[0m", "bell\a", "\x0b\x0c",
	strings.Repeat("long ", 40), strings.Repeat("word ", 30) + "end", strings.Repeat("x", 200), strings.Repeat("a b  ", 30),
	strings.Repeat("it's ", 25), strings.Repeat("\"q\" ", 30), strings.Repeat("y", 79) + " z " + strings.Repeat("w", 10) + "  v",
	"postgres://u:p@db:5432/app?sslmode=disable", "http://relay:3000", `{"worker":"service_started"}`, "sh -c 'echo hi'",
	"line one\nline two that is quite long " + strings.Repeat("and longer ", 10) + "\n\tindented\n",
}

// shapes put s where go-yaml's output differs: map value, list item, key,
// deep in lists of maps, at columns around the folding width.
func shapes(s string) []map[string]any {
	out := []map[string]any{
		{"value": s},
		{"list": []any{s, nil, s}},
		{s: "v"},
		{"k": map[string]any{s: []any{s}}},
		{"a": map[string]any{"b": []any{map[string]any{"c": s, "d": []any{s, []any{s}}}}}},
		{"l": []any{[]any{s, []any{s}}, map[string]any{}, []any{}}},
	}
	for _, n := range []int{1, 30, 60, 75, 78, 79, 80, 81, 90, 127, 128, 129} {
		out = append(out, map[string]any{strings.Repeat("k", n): s}, map[string]any{"x": []any{map[string]any{strings.Repeat("p", n): s}}})
	}
	return out
}

func TestMarshalStrings(t *testing.T) {
	for _, s := range awkward {
		for _, v := range shapes(s) {
			if !sameAsGoYAML(t, v) && !declines(v) {
				t.Errorf("Marshal declined %#v", v)
			}
		}
	}
}

// declines reports whether v has a key Marshal leaves to go-yaml: one of
// several lines or longer than a simple key, or invalid UTF-8.
func declines(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if styleOf(k) == unsupported || len(k) > maxSimpleKey || analyze(k).multiline || declines(c) {
				return true
			}
		}
	case []any:
		for _, c := range t {
			if declines(c) {
				return true
			}
		}
	case string:
		return styleOf(t) == unsupported
	case json.Number:
		_, err := t.Int64()
		return err != nil
	}
	return false
}

func TestMarshalScalars(t *testing.T) {
	v := map[string]any{
		"ints":    []any{int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), json.Number("42"), json.Number("-7")},
		"bools":   []any{true, false},
		"nulls":   []any{nil},
		"nested":  map[string]any{"empty": map[string]any{}, "none": []any{}, "one": []any{map[string]any{}}},
		"matrix":  []any{[]any{[]any{int64(1)}}, []any{}},
		"objects": []any{map[string]any{"a": int64(1), "b": []any{"x"}}, map[string]any{"c": map[string]any{"d": "e"}}},
	}
	if !sameAsGoYAML(t, v) {
		t.Fatal("Marshal declined plain scalars")
	}
	if !sameAsGoYAML(t, map[string]any{}) {
		t.Fatal("Marshal declined an empty map")
	}
}

func TestMarshalDeclines(t *testing.T) {
	for _, v := range []map[string]any{
		{"f": json.Number("1.5")},
		{"f": json.Number("1e3")},
		{"f": json.Number("99999999999999999999")},
		{"f": 1.5},
		{"i": 1},
		{"u": uint64(1)},
		{"m": map[string]string{"a": "b"}},
		{strings.Repeat("k", maxSimpleKey+1): "v"},
		{"two\nlines": "v"},
		{"bad": "\xff"},
	} {
		if got, ok := Marshal(v); ok {
			t.Errorf("Marshal wrote %#v:\n%s", v, got)
		}
	}
}

func TestKeyOrder(t *testing.T) {
	keys := []string{"a1", "a01", "a001", "a10", "a2", "a02b", "a0", "a00", "B", "b", "_", "-", "1", "10", "9", "01", "0",
		"é", "É", "z9z", "z10z", "a-b", "a.b", "a_b", "aB", "ab", "a", "", "x1y2", "x1y10", "x01y2", "日本", "日b"}
	if a, b, c, ok := intransitive(keys); ok {
		t.Fatalf("the keys' order is not transitive: %q < %q < %q < %q", a, b, c, a)
	}
	sameAsGoYAML(t, map[string]any{"m": keyMap(keys)})
}

// TestKeyOrderIntransitive: where go-yaml's order of keys is not
// transitive (and its output changes from run to run), Marshal's is still
// the same every time.
func TestKeyOrderIntransitive(t *testing.T) {
	keys := []string{"a1a", "a2", "a10", "1a", "9", "10", "c3c", "c3", "c20"}
	if _, _, _, ok := intransitive(keys); !ok {
		t.Fatal("the keys' order is transitive: nothing to test")
	}
	first, _ := Marshal(keyMap(keys))
	for range 50 {
		if got, _ := Marshal(keyMap(keys)); !bytes.Equal(got, first) {
			t.Fatalf("Marshal wrote the same keys in another order:\n%s--- first\n%s", got, first)
		}
	}
}

func keyMap(keys []string) map[string]any {
	m := map[string]any{}
	for _, k := range keys {
		m[k] = k
	}
	return m
}

// intransitive returns three keys keyLess orders in a cycle.
func intransitive(keys []string) (a, b, c string, ok bool) {
	for _, a := range keys {
		for _, b := range keys {
			for _, c := range keys {
				if keyLess(a, b) && keyLess(b, c) && keyLess(c, a) {
					return a, b, c, true
				}
			}
		}
	}
	return "", "", "", false
}

func FuzzMarshal(f *testing.F) {
	for i, s := range awkward {
		f.Add(s, awkward[(i+7)%len(awkward)], uint8(i))
	}
	f.Fuzz(func(t *testing.T, a, b string, n uint8) {
		if _, _, _, ok := intransitive([]string{a, b, fmt.Sprint(n)}); ok {
			t.Skip("go-yaml's order of these keys changes from run to run")
		}
		pad := strings.Repeat("k", int(n)%140)
		for _, v := range []map[string]any{
			{"a": a, "b": []any{b, map[string]any{a: b}}},
			{pad: a, "x": map[string]any{pad + "y": []any{a, []any{b}}}},
			{"l": []any{map[string]any{a: b, b: a, fmt.Sprint(n): int64(n)}}},
		} {
			if !sameAsGoYAML(t, v) && !declines(v) {
				t.Errorf("Marshal declined %#v", v)
			}
		}
	})
}
