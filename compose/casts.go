package compose

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	interp "github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/tree"
)

// compose-go's interpolation casts every string value at one of ~90 key
// paths (services.*.deploy.replicas, …) to a number or bool, and for every
// string value of the file it tries all of those patterns, splitting both
// paths each time: on an app with long environment blocks that was about
// a third of the load. A pattern can only match where the file has its keys,
// and keys are never interpolated, so patterns naming a key that appears
// nowhere in the files' text are dropped: the casts done stay the same.

// withCasts makes the loader cast only with the patterns whose keys occur
// in texts, the compose files (composeTexts tells when their keys can be
// known from them), and substitute only in values holding a "$".
func withCasts(texts [][]byte) func(*loader.Options) {
	return func(o *loader.Options) {
		if o.Interpolate == nil {
			return
		}
		c := *o.Interpolate
		c.TypeCastMapping = castsIn(c.TypeCastMapping, texts)
		c.Substitute = dollarsOnly(c.Substitute)
		o.Interpolate = &c
	}
}

// dollarsOnly returns value as it is when it holds no "$", without running
// substitute: compose-go's substitution (a regular expression on every
// string of the file) only replaces what starts with one; the rest of the
// values are substituted by substitute.
func dollarsOnly(substitute func(string, template.Mapping) (string, error)) func(string, template.Mapping) (string, error) {
	if substitute == nil {
		substitute = template.Substitute // what interpolation falls back on
	}
	return func(value string, m template.Mapping) (string, error) {
		if strings.IndexByte(value, '$') < 0 {
			return value, nil
		}
		return substitute(value, m)
	}
}

// composeTexts reads files; ok is false when a key might be spelt other
// than literally, or might come from a file not read here: stdin, files
// that are not UTF-8, double-quoted escapes (`"repl\u0069cas"`), include
// and extends (their files use the same casts).
func composeTexts(files []string) (texts [][]byte, ok bool) {
	for _, f := range files {
		if f == "-" {
			return nil, false
		}
		b, err := os.ReadFile(f)
		if err != nil || !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 || bytes.IndexByte(b, '\\') >= 0 ||
			bytes.Contains(b, []byte("include")) || bytes.Contains(b, []byte("extends")) {
			return nil, false
		}
		texts = append(texts, b)
	}
	return texts, len(texts) > 0
}

// castsIn keeps the patterns of all whose every key occurs in texts and
// whose last key may hold a string there (mayHoldString): a cast only
// changes a string.
func castsIn(all map[tree.Path]interp.Cast, texts [][]byte) map[tree.Path]interp.Cast {
	seen := map[string]bool{}
	occurs := func(key string) bool {
		in, ok := seen[key]
		if !ok {
			for _, t := range texts {
				if in = bytes.Contains(t, []byte(key)); in {
					break
				}
			}
			seen[key] = in
		}
		return in
	}
	stringy := map[string]bool{}
	kept := map[tree.Path]interp.Cast{}
	for p, cast := range all {
		keys := strings.Split(string(p), ".")
		keep := true
		for _, key := range keys {
			if key != tree.PathMatchAll && key != tree.PathMatchList && !occurs(key) {
				keep = false
				break
			}
		}
		if last := keys[len(keys)-1]; keep && last != tree.PathMatchAll && last != tree.PathMatchList {
			may, ok := stringy[last]
			if !ok {
				may = mayHoldString(texts, last)
				stringy[last] = may
			}
			keep = may
		}
		if keep {
			kept[p] = cast
		}
	}
	return kept
}

// mayHoldString reports whether key may have a string value in texts: false
// only when every occurrence of it is a line "key: N" (after an indent and
// maybe "- "), N an integer, a decimal, true or false, maybe followed by a
// comment — which YAML reads as a number or a bool, never a string. Any
// other occurrence (quoted, interpolated, an alias, on the next line, in a
// flow mapping, inside a longer word) may be a string.
func mayHoldString(texts [][]byte, key string) bool {
	line := regexp.MustCompile(`(?m)^[ \t]*(?:- )?` + regexp.QuoteMeta(key) +
		`:[ \t]+(?:-?[0-9]+(?:\.[0-9]+)?|true|false)(?:[ \t]+#.*|[ \t]*)$`)
	for _, t := range texts {
		if n := bytes.Count(t, []byte(key)); n > 0 && len(line.FindAllIndex(t, -1)) != n {
			return true
		}
	}
	return false
}
