package gitrepo

import (
	"os"
	"path/filepath"
	"strings"
)

// maxIncludeDepth bounds include.path chains, as git does (10).
const maxIncludeDepth = 10

// UserEmail is user.email as git reads it for the repository: from the
// system, global and repository config files (and the worktree's), the
// last that sets it winning, include.path followed; "" when unset. An
// unreadable file counts as absent.
func (r *Repo) UserEmail() string { return r.configValue("user", "email") }

// configValue is the last value of section.key (both lower case) in the
// repository's config files.
func (r *Repo) configValue(section, key string) string {
	var v string
	for _, f := range r.configFiles() {
		readConfig(f, 0, func(s, k, val string) {
			if s == section && k == key {
				v = val
			}
		})
	}
	return v
}

// configFiles are the config files git reads for the repository, in
// order: system, global (both overridable by GIT_CONFIG_SYSTEM,
// GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM), the repository's, the
// worktree's.
func (r *Repo) configFiles() []string {
	var files []string
	if os.Getenv("GIT_CONFIG_NOSYSTEM") == "" {
		files = append(files, envOr("GIT_CONFIG_SYSTEM", "/etc/gitconfig"))
	}
	if p := os.Getenv("GIT_CONFIG_GLOBAL"); p != "" {
		files = append(files, p)
	} else {
		home, _ := os.UserHomeDir()
		xdg := os.Getenv("XDG_CONFIG_HOME")
		if xdg == "" && home != "" {
			xdg = filepath.Join(home, ".config")
		}
		if xdg != "" {
			files = append(files, filepath.Join(xdg, "git", "config"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	return append(files, filepath.Join(r.CommonDir, "config"), filepath.Join(r.GitDir, "config.worktree"))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// readConfig calls set for each variable of the config file at path, in
// order, with its section ("user", or "remote.origin" with a
// subsection), its key (lower case) and its value; include.path is
// followed where it stands.
func readConfig(path string, depth int, set func(section, key, value string)) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	section := ""
	for _, line := range configLines(string(b)) {
		line = strings.TrimSpace(line)
		if line != "" && line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return // malformed: git refuses the file
			}
			section = sectionName(line[1:end])
			line = strings.TrimSpace(line[end+1:])
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, hasValue := strings.Cut(line, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = configValueText(v)
		if !hasValue {
			k, v = strings.ToLower(strings.TrimSpace(strings.Fields(line)[0])), "true"
		}
		if section == "include" && k == "path" {
			if depth < maxIncludeDepth && v != "" {
				readConfig(includePath(v, path), depth+1, set)
			}
			continue
		}
		set(section, k, v)
	}
}

// configLines splits a config file into lines, joining a line that ends
// in a backslash with the next.
func configLines(text string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if n := len(l) - len(strings.TrimRight(l, `\`)); n%2 == 1 {
			cur.WriteString(l[:len(l)-1])
			continue
		}
		cur.WriteString(l)
		out = append(out, cur.String())
		cur.Reset()
	}
	return append(out, cur.String())
}

// sectionName is a section header's name: lower case, with its
// subsection (case kept) after a dot: [remote "origin"] is
// "remote.origin", as is the older [remote.origin].
func sectionName(h string) string {
	name, sub, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return strings.ToLower(name)
	}
	sub = strings.TrimSpace(sub)
	sub = strings.TrimSuffix(strings.TrimPrefix(sub, `"`), `"`)
	sub = strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(sub)
	return strings.ToLower(name) + "." + sub
}

// configValueText is a value as git reads it: surrounding blanks dropped,
// quotes removed, escapes (\n \t \b \" \\) read, a comment (# or ;
// outside quotes) ended.
func configValueText(v string) string {
	var b strings.Builder
	quoted, pending := false, ""
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			quoted = !quoted
			b.WriteString(pending)
			pending = ""
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteString(pending)
			pending = ""
			switch v[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			default:
				b.WriteByte(v[i])
			}
		case !quoted && (c == '#' || c == ';'):
			return b.String()
		case !quoted && (c == ' ' || c == '\t'):
			if b.Len() > 0 {
				pending += string(c) // kept only if more text follows
			}
		default:
			b.WriteString(pending)
			pending = ""
			b.WriteByte(c)
		}
	}
	return b.String()
}

// includePath is an include.path value as a file: "~/" is the home
// directory, a relative path is relative to the including file's
// directory.
func includePath(p, from string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(filepath.Dir(from), p)
	}
	return p
}
