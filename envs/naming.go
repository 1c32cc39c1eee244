package envs

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/berth-dev/berth/meta"
)

const (
	// maxLabel is the longest DNS-1123 label (and label value) Kubernetes accepts.
	maxLabel = 63
	// hashLen is the number of hex digits of the branch hash appended to
	// names that had to be changed or truncated.
	hashLen = 8
)

// Slug lowercases s, folds accented letters to their base letter (Ü → u),
// replaces every run of characters outside [a-z0-9] with a single '-' and
// trims '-' from both ends. It does not limit the length and may return "".
func Slug(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.Mn, r) { // combining marks left by NFKD
			continue
		}
		r = unicode.ToLower(r)
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// Namespace returns the namespace of a branch's environment:
// "<prefix>-<project>-<branch>" as slugs, empty pieces left out. The result
// is a valid DNS-1123 label of at most 63 characters. When the branch had to
// be changed to fit (case, characters, truncation), when anything was
// truncated, or when the plain name would end like a hash, "-" and 8 hex
// digits of the SHA-256 of the raw branch are appended, so distinct branches
// of one project never share a namespace.
func Namespace(prefix, project, branch string) string {
	var parts []string
	for _, p := range []string{Slug(prefix), Slug(project), Slug(branch)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return meta.FitName(strings.Join(parts, "-"), maxLabel, meta.HashLen(hashLen), meta.HashOf(branch),
		meta.Hashed(Slug(branch) != branch || branch == ""), meta.HashLookalikes())
}

// BranchSlug returns the label-safe slug of a branch, used for meta.LabelBranch
// and as the default image tag. It follows the rules of Namespace without
// prefix or project: "main" stays "main", "Feature/X" becomes
// "feature-x-<hash>".
func BranchSlug(branch string) string {
	return Namespace("", "", branch)
}
