package compose

import (
	"regexp"
	"strings"

	"github.com/berth-dev/berth/meta"
)

var (
	labelOK = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	keyBad  = regexp.MustCompile(`[^-._a-zA-Z0-9]+`)
)

// dnsName turns s into an RFC 1035 label of at most max characters; a
// shortened name ends in a short hash of s, which keeps it unique.
func dnsName(s string, max int) string {
	return meta.FitName(s, max, meta.RFC1035())
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
