package compose

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// Warning reports a compose key that was not mapped, or mapped with a change
// in behaviour a reviewer should know about.
type Warning struct {
	// Service is the compose service, empty for top-level keys.
	Service string
	// Key is the compose key path, e.g. "services.db.cap_add".
	Key string
	// File and Line locate the key in the compose files when known.
	File string
	Line int
	// Message says what happened to the key.
	Message string
}

// Position is "file:line", "file" or "" when unknown.
func (w Warning) Position() string {
	switch {
	case w.File != "" && w.Line > 0:
		return fmt.Sprintf("%s:%d", w.File, w.Line)
	default:
		return w.File
	}
}

func (w Warning) String() string {
	var b strings.Builder
	if p := w.Position(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	b.WriteString(w.Key)
	b.WriteString(": ")
	b.WriteString(w.Message)
	return b.String()
}

// warnings collects Warnings, locating keys in the compose sources.
type warnings struct {
	pos  *positions
	list []Warning
}

// add records a warning for the key path (dot separated, without the
// "services.<name>." prefix when service is set).
func (ws *warnings) add(service, key, format string, a ...any) {
	full := key
	if service != "" {
		full = "services." + service
		if key != "" {
			full += "." + key
		}
	}
	w := Warning{Service: service, Key: full, Message: fmt.Sprintf(format, a...)}
	if ws.pos != nil {
		w.File, w.Line = ws.pos.lookup(full)
	}
	ws.list = append(ws.list, w)
}

// sorted returns the warnings in a stable order without duplicates.
func (ws *warnings) sorted() []Warning {
	out := append([]Warning(nil), ws.list...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Message < out[j].Message
	})
	dedup := out[:0]
	for i, w := range out {
		if i > 0 && w == out[i-1] {
			continue
		}
		dedup = append(dedup, w)
	}
	return dedup
}

// relFile shortens an absolute compose file path for messages.
func relFile(workingDir, file string) string {
	if workingDir == "" {
		return file
	}
	if r, err := filepath.Rel(workingDir, file); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return file
}

// unmappedKeys lists the yaml keys of struct v that are set (non-zero) and
// not in handled, in declaration order. Inline structs are flattened.
func unmappedKeys(v any, handled map[string]bool) []string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || strings.HasPrefix(name, "#") {
			continue
		}
		if strings.Contains(opts, "inline") {
			out = append(out, unmappedKeys(rv.Field(i).Interface(), handled)...)
			continue
		}
		if name == "" || handled[name] {
			continue
		}
		if !rv.Field(i).IsZero() {
			out = append(out, name)
		}
	}
	return out
}
