package compose

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
)

// A bind mount inside a service's build context is left out only when the
// image already holds the same files at the mount's target: the Dockerfile's
// target stage (build.target, else the last stage), or a stage it is built
// FROM, copies the mount's source there with COPY or ADD. What the parse
// follows: WORKDIR (relative destinations; a relative WORKDIR or
// destination on top of an outside image is unknown, so nothing is assumed),
// ARG and ENV values and build.args in paths, the context's .dockerignore.
// What it ignores: COPY/ADD --from (another stage or image), --parents,
// heredocs, ADD of URLs, git sources and archives (extracted, not copied),
// wildcards matching directories, and RUN steps that change files. A later
// COPY of another single file onto the same target keeps the mount.

// contextCopy is a COPY or ADD of build-context files in the stages an image
// is built from, in build order.
type contextCopy struct {
	line    int
	text    string   // the instruction, e.g. "COPY . /app"
	srcs    []string // slash paths or patterns relative to the context
	dest    string   // absolute destination in the image
	intoDir bool     // dest is a directory: trailing slash or several sources
	exclude []string // --exclude patterns
}

// dockerStage is one FROM of a Dockerfile while it is read.
type dockerStage struct {
	name    string
	workdir string // "" while unknown (a base image may set its own)
	env     map[string]string
	args    map[string]string
	copies  []contextCopy
}

// stageCopies reads a Dockerfile and returns the context copies that make
// up the target stage ("" for the last stage), including those of the
// stages it is built FROM. buildArgs are the compose build.args (nil value:
// unset).
func stageCopies(dockerfile []byte, target string, buildArgs map[string]*string) ([]contextCopy, error) {
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, err
	}
	r := &dockerfileReader{lex: shell.NewLex(res.EscapeToken), buildArgs: buildArgs, global: map[string]string{}}
	for _, n := range res.AST.Children {
		args := nodeArgs(n)
		instr := strings.ToLower(n.Value)
		switch {
		case instr == "from":
			r.from(args)
		case instr == "arg":
			r.arg(args)
		case r.cur == nil:
		case instr == "env":
			for i := 0; i+1 < len(args); i += 3 { // name, value, separator
				if v, ok := r.expand(args[i+1], r.cur.vars()); ok {
					r.cur.env[args[i]] = v
				} else {
					delete(r.cur.env, args[i])
				}
			}
		case instr == "workdir" && len(args) > 0:
			dir, ok := r.expand(args[0], r.cur.vars())
			switch {
			case !ok:
				r.cur.workdir = ""
			case path.IsAbs(dir):
				r.cur.workdir = path.Clean(dir)
			case r.cur.workdir != "":
				r.cur.workdir = path.Join(r.cur.workdir, dir)
			}
		case (instr == "copy" || instr == "add") && len(args) >= 2:
			if cp, ok := contextCopyOf(n, args, r.cur, r.expand); ok {
				r.cur.copies = append(r.cur.copies, cp)
			}
		}
	}
	if len(r.stages) == 0 {
		return nil, fmt.Errorf("no FROM instruction")
	}
	if target == "" {
		return r.stages[len(r.stages)-1].copies, nil
	}
	st := findStage(r.stages, strings.ToLower(target))
	if st == nil {
		return nil, fmt.Errorf("target stage %q not found", target)
	}
	return st.copies, nil
}

// dockerfileReader is the state of stageCopies.
type dockerfileReader struct {
	lex       *shell.Lex
	buildArgs map[string]*string
	global    map[string]string // ARGs before the first FROM
	stages    []*dockerStage
	cur       *dockerStage
}

// expand substitutes variables; ok is false when one is not set.
func (r *dockerfileReader) expand(word string, vars map[string]string) (string, bool) {
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	out, unset, err := r.lex.ProcessWord(word, shell.EnvsFromSlice(env))
	return out, err == nil && len(unset) == 0
}

// from starts a stage; one built FROM an earlier stage starts with its
// WORKDIR, ENV and copies.
func (r *dockerfileReader) from(args []string) {
	st := &dockerStage{env: map[string]string{}, args: map[string]string{}}
	if len(args) >= 3 && strings.EqualFold(args[1], "as") {
		st.name = strings.ToLower(args[2])
	}
	if len(args) > 0 {
		base, _ := r.expand(args[0], r.global)
		if parent := findStage(r.stages, strings.ToLower(base)); parent != nil {
			st.workdir = parent.workdir
			st.copies = append([]contextCopy(nil), parent.copies...)
			for k, v := range parent.env {
				st.env[k] = v
			}
		}
	}
	r.stages = append(r.stages, st)
	r.cur = st
}

// arg declares ARGs: a build.args value wins over the default; in a stage,
// an ARG without a default takes the global one.
func (r *dockerfileReader) arg(args []string) {
	for _, a := range args {
		name, def, hasDef := strings.Cut(a, "=")
		vars, into := r.global, r.global
		if r.cur != nil {
			vars, into = r.cur.vars(), r.cur.args
		}
		switch {
		case hasDef:
			def, hasDef = r.expand(def, vars)
		case r.cur != nil:
			def, hasDef = r.global[name]
		}
		if v, ok := r.buildArgs[name]; ok && v != nil {
			def, hasDef = *v, true
		}
		if hasDef {
			into[name] = def
		}
	}
}

// vars are the variables a stage's instructions see: ARGs, then ENVs.
func (st *dockerStage) vars() map[string]string {
	out := make(map[string]string, len(st.args)+len(st.env))
	for k, v := range st.args {
		out[k] = v
	}
	for k, v := range st.env {
		out[k] = v
	}
	return out
}

// findStage is the stage named name (lower case), or nil.
func findStage(stages []*dockerStage, name string) *dockerStage {
	for _, st := range stages {
		if st.name != "" && st.name == name {
			return st
		}
	}
	return nil
}

// nodeArgs are the words after an instruction's keyword.
func nodeArgs(n *parser.Node) []string {
	var out []string
	for x := n.Next; x != nil; x = x.Next {
		out = append(out, x.Value)
	}
	return out
}

// contextCopyOf reads a COPY or ADD of context files; ok is false for one
// that copies from elsewhere or whose destination is unknown.
func contextCopyOf(n *parser.Node, args []string, st *dockerStage, expand func(string, map[string]string) (string, bool)) (contextCopy, bool) {
	isAdd := strings.EqualFold(n.Value, "add")
	cp := contextCopy{line: n.StartLine, text: strings.Join(strings.Fields(n.Original), " ")}
	for _, f := range n.Flags {
		name, val, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		switch name {
		case "from", "parents":
			return contextCopy{}, false
		case "exclude":
			cp.exclude = append(cp.exclude, val)
		}
	}
	vars := st.vars()
	dest, ok := expand(args[len(args)-1], vars)
	if !ok || dest == "" {
		return contextCopy{}, false
	}
	cp.intoDir = strings.HasSuffix(dest, "/") || len(args) > 2
	if !path.IsAbs(dest) {
		if st.workdir == "" {
			return contextCopy{}, false
		}
		dest = path.Join(st.workdir, dest)
	}
	cp.dest = path.Clean(dest)
	for _, a := range args[:len(args)-1] {
		if strings.HasPrefix(a, "<<") {
			continue // heredoc
		}
		src, ok := expand(a, vars)
		if !ok {
			continue
		}
		if isAdd && (strings.Contains(src, "://") || strings.HasPrefix(src, "git@") || isArchive(src)) {
			continue
		}
		cp.srcs = append(cp.srcs, strings.TrimPrefix(path.Clean("/"+src), "/"))
	}
	return cp, len(cp.srcs) > 0
}

// isArchive reports a local file ADD extracts instead of copying.
func isArchive(name string) bool {
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}

// hasMeta reports a COPY source with wildcards.
func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// places lists where c puts the context path rel ("" for the context
// itself), a directory when dir is set.
func (c contextCopy) places(rel string, dir bool) []string {
	var out []string
	for _, s := range c.srcs {
		switch {
		case hasMeta(s):
			// a wildcard copies the files it matches into dest
			if ok, _ := path.Match(s, rel); ok && !dir {
				out = append(out, path.Join(c.dest, path.Base(rel)))
				if !c.intoDir {
					out = append(out, c.dest)
				}
			}
		case s == rel:
			switch {
			case dir:
				out = append(out, c.dest) // a directory's contents go to dest
			case c.intoDir:
				out = append(out, path.Join(c.dest, path.Base(rel)))
			default:
				// dest is the file, or a directory the base image has
				out = append(out, c.dest, path.Join(c.dest, path.Base(rel)))
			}
		case s == "":
			out = append(out, path.Join(c.dest, rel))
		case strings.HasPrefix(rel, s+"/"):
			out = append(out, path.Join(c.dest, strings.TrimPrefix(rel, s+"/")))
		}
	}
	return out
}

// replaces reports a copy of some other single file exactly onto target.
func (c contextCopy) replaces(rel, target string) bool {
	for _, s := range c.srcs {
		if s == rel || s == "" || hasMeta(s) || strings.HasPrefix(rel, s+"/") {
			continue
		}
		if (!c.intoDir && c.dest == target) || path.Join(c.dest, path.Base(s)) == target {
			return true
		}
	}
	return false
}

// excluded reports rel matched by one of the --exclude patterns.
func (c contextCopy) excluded(rel string) bool {
	if len(c.exclude) == 0 {
		return false
	}
	ok, err := patternmatcher.MatchesOrParentMatches(rel, c.exclude)
	return ok || err != nil
}

// copyTo is the last instruction of copies that puts the context path rel
// (a directory when dir is set) at target, unless a later one puts another
// file there; nil when none does. ignore holds the context's .dockerignore.
func copyTo(copies []contextCopy, rel string, dir bool, target string, ignore *patternmatcher.PatternMatcher) *contextCopy {
	if rel == "." {
		rel = ""
	}
	if ignore != nil && rel != "" {
		if skip, err := ignore.MatchesOrParentMatches(rel); skip || err != nil {
			return nil
		}
	}
	var hit *contextCopy
	for i, c := range copies {
		if c.excluded(rel) {
			continue
		}
		found := false
		for _, p := range c.places(rel, dir) {
			if p == target {
				found = true
			}
		}
		switch {
		case found:
			hit = &copies[i]
		case hit != nil && !dir && c.replaces(rel, target):
			hit = nil
		}
	}
	return hit
}
