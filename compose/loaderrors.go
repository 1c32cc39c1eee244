package compose

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// keyPathInError finds a dotted compose key path such as
// "services.web.ports.0" in a compose-go error message.
var keyPathInError = regexp.MustCompile(`\b((?:services|volumes|networks|secrets|configs|include|models)(?:\.[A-Za-z0-9_.-]+)?)`)

// serviceInError finds the service compose-go's validation names
// (`service "web" refers to undefined network back`) and what about.
var serviceInError = regexp.MustCompile(`service "([^"]+)" (?:refers to undefined (network|volume|secret|config|model)|(depends on|cannot depend on))?`)

// serviceErrorKeys map serviceInError's subject to the service key.
var serviceErrorKeys = map[string]string{
	"network": "networks", "volume": "volumes", "secret": "secrets", "config": "configs", "model": "models",
	"depends on": "depends_on", "cannot depend on": "depends_on",
}

// LoadError is a compose loading error with the source position of the key
// it is about, when known. Unwrap gives compose-go's error.
type LoadError struct {
	File string
	Line int
	Key  string // "" when the error is about the whole file
	// Empty says which variables the key's value interpolates came out
	// empty: "WEB_PORT is not set".
	Empty []string
	Err   error
}

func (e *LoadError) Error() string {
	var b strings.Builder
	switch {
	case e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Err.Error())
	if len(e.Empty) > 0 {
		b.WriteString(" (" + strings.Join(e.Empty, ", ") + ")")
	}
	return b.String()
}

func (e *LoadError) Unwrap() error { return e.Err }

// locateError adds file:line to a loader error: of the key path it names,
// else of the value an empty variable made invalid; and says when the files
// are in the legacy version 1 format. env is the interpolation environment.
func locateError(err error, files []string, env map[string]string) error {
	pos := newPositions(files, os.ReadFile, func(s string) string { return s })
	if names, file, line := pos.legacyServices(); len(names) > 0 {
		return &LoadError{File: file, Line: line, Err: fmt.Errorf(
			"looks like the version 1 compose format (services at the top level: %s): move the services under a top-level `services:` key",
			strings.Join(names, ", "))}
	}
	key := ""
	if m := keyPathInError.FindStringSubmatch(err.Error()); m != nil {
		key = m[1]
	} else if m := serviceInError.FindStringSubmatch(err.Error()); m != nil {
		key = "services." + m[1]
		if sub := serviceErrorKeys[m[2]+m[3]]; sub != "" {
			key += "." + sub
		}
	}
	file, line := pos.lookup(key)
	if line == 0 {
		// compose-go names no key (e.g. "no port specified: <empty>"): an
		// interpolated variable that came out empty is the usual cause
		key = pos.emptyValueKey(err.Error(), env)
		file, line = pos.lookup(key)
	}
	if line == 0 {
		return fmt.Errorf("load compose files%s: %w", baseNames(files), err)
	}
	return &LoadError{File: file, Line: line, Key: key, Empty: pos.emptyVars(key, env), Err: err}
}

// emptyVars describes the variables interpolated under key (the key and
// the keys below it) that are unset or empty in env.
func (p *positions) emptyVars(key string, env map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range sortedKeys(p.vars) {
		if k != key && !strings.HasPrefix(k, key+".") {
			continue
		}
		for _, v := range p.vars[k] {
			val, set := env[v]
			switch {
			case seen[v] || val != "":
			case !set:
				out = append(out, v+" is not set")
			default:
				out = append(out, v+" is empty")
			}
			seen[v] = true
		}
	}
	return out
}

// emptyValueKey is the one key whose value interpolates an unset or empty
// variable, preferring keys the message names ("port" for ports); "" when
// there is no such key or no single one.
func (p *positions) emptyValueKey(msg string, env map[string]string) string {
	var all, named []string
	msg = strings.ToLower(msg)
	for _, k := range sortedKeys(p.vars) {
		if len(p.emptyVars(k, env)) == 0 {
			continue
		}
		all = append(all, k)
		for _, seg := range strings.Split(k, ".")[1:] {
			if seg = strings.TrimSuffix(strings.ToLower(seg), "s"); len(seg) > 2 && strings.Contains(msg, seg) {
				named = append(named, k)
				break
			}
		}
	}
	switch {
	case len(named) == 1:
		return named[0]
	case len(all) == 1:
		return all[0]
	}
	return ""
}

// legacyServices lists the top-level keys that look like services
// (mappings with image or build) when no file has a services key: the
// version 1 compose format. file and line locate the first one.
func (p *positions) legacyServices() (names []string, file string, line int) {
	if _, ok := p.at["services"]; ok {
		return nil, "", 0
	}
	for k, at := range p.at {
		if strings.Contains(k, ".") || topLevelKeys[k] || strings.HasPrefix(k, "x-") {
			continue
		}
		if _, img := p.at[k+".image"]; !img {
			if _, build := p.at[k+".build"]; !build {
				continue
			}
		}
		names = append(names, k)
		if file == "" || at.file < file || at.file == file && at.line < line {
			file, line = at.file, at.line
		}
	}
	sort.Strings(names)
	return names, file, line
}

// topLevelKeys are the keys of the compose specification's top level.
var topLevelKeys = map[string]bool{
	"version": true, "name": true, "include": true, "services": true, "networks": true,
	"volumes": true, "secrets": true, "configs": true, "models": true,
}
