package meta

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

var (
	nonDNS   = regexp.MustCompile(`[^a-z0-9-]+`)
	dashRuns = regexp.MustCompile(`-{2,}`)
)

// NameOption changes how FitName fits a name.
type NameOption func(*nameFit)

type nameFit struct {
	rfc1035    bool
	hashLen    int
	hashOf     *string
	force      bool
	lookalikes bool
}

// RFC1035 makes FitName first turn the name into an RFC 1035 label:
// lowercase, every run outside [a-z0-9-] one '-', no '-' at either end,
// "x-" in front when it does not start with a letter.
func RFC1035() NameOption { return func(f *nameFit) { f.rfc1035 = true } }

// HashLen sets how many hex digits the hash suffix has (default 6).
func HashLen(n int) NameOption { return func(f *nameFit) { f.hashLen = n } }

// HashOf hashes raw instead of the name as given.
func HashOf(raw string) NameOption { return func(f *nameFit) { f.hashOf = &raw } }

// Hashed appends the hash even when the name fits, when force is set
// (e.g. because the name had to be changed to be valid).
func Hashed(force bool) NameOption { return func(f *nameFit) { f.force = force } }

// HashLookalikes appends a hash to a name that already ends like one (see
// LooksHashed), so no input can be named to equal another's hashed name.
func HashLookalikes() NameOption { return func(f *nameFit) { f.lookalikes = true } }

// FitName returns name as a Kubernetes name of at most limit bytes. A name
// that fits is returned as it is; otherwise (or when an option asks for it)
// it is cut to leave room for the suffix, trailing '-' are trimmed, and "-"
// plus the first hex digits of the SHA-256 of the name as given (or of
// HashOf) are appended, which keeps cut names distinct. When nothing is
// left of the name the hash alone is returned.
func FitName(name string, limit int, opts ...NameOption) string {
	f := nameFit{hashLen: 6}
	for _, o := range opts {
		o(&f)
	}
	raw := name
	if f.hashOf != nil {
		raw = *f.hashOf
	}
	if f.rfc1035 {
		name = rfc1035(name)
	}
	if !f.force && len(name) <= limit && !(f.lookalikes && LooksHashed(name, f.hashLen)) {
		return name
	}
	if keep := max(limit-f.hashLen-1, 0); len(name) > keep {
		name = name[:keep]
	}
	name = strings.TrimRight(name, "-")
	if name == "" {
		return NameHash(raw, f.hashLen)
	}
	return name + "-" + NameHash(raw, f.hashLen)
}

// rfc1035 is the sanitising of the RFC1035 option, without a length limit.
func rfc1035(s string) string {
	n := strings.ToLower(s)
	n = nonDNS.ReplaceAllString(n, "-")
	n = dashRuns.ReplaceAllString(n, "-")
	n = strings.Trim(n, "-")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = strings.TrimRight("x-"+n, "-")
	}
	return n
}

// NameHash is the first n hex digits of the SHA-256 of s: the suffix
// FitName appends.
func NameHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// LooksHashed reports whether s ends in "-" and n lowercase hex digits or
// is n hex digits: the shapes of a name FitName hashed.
func LooksHashed(s string, n int) bool {
	if len(s) < n || (len(s) > n && s[len(s)-n-1] != '-') {
		return false
	}
	for _, r := range s[len(s)-n:] {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}
