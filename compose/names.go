package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

var (
	nonDNS   = regexp.MustCompile(`[^a-z0-9-]+`)
	dashRuns = regexp.MustCompile(`-{2,}`)
	labelOK  = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	keyBad   = regexp.MustCompile(`[^-._a-zA-Z0-9]+`)
)

// dnsName turns s into an RFC 1035 label (lowercase alphanumerics and '-',
// starting with a letter, at most max characters). When the name had to be
// shortened a short hash of s keeps it unique.
func dnsName(s string, max int) string {
	n := strings.ToLower(s)
	n = nonDNS.ReplaceAllString(n, "-")
	n = dashRuns.ReplaceAllString(n, "-")
	n = strings.Trim(n, "-")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "x-" + n
		n = strings.TrimRight(n, "-")
	}
	if len(n) > max {
		n = strings.TrimRight(n[:max-7], "-") + "-" + hash6(s)
	}
	return n
}

// labelValue returns s if it is a valid label value, else a DNS form of it.
func labelValue(s string) string {
	if len(s) <= 63 && labelOK.MatchString(s) {
		return s
	}
	return dnsName(s, 63)
}

// configKey turns a relative file path into a valid ConfigMap/Secret key.
func configKey(rel string) string {
	k := keyBad.ReplaceAllString(strings.ReplaceAll(rel, "/", "_"), "-")
	if k == "" || k == "." || k == ".." {
		k = "file"
	}
	if len(k) > 253 {
		k = k[:253]
	}
	return k
}

// hash6 is 6 hex characters of a SHA-256 of s.
func hash6(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:6]
}
