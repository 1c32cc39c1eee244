package main

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
)

// checkPlainSecrets warns, loudly, when objs hold Secrets with plaintext
// values from the repo (not decrypted from sops files) and the cluster at
// host is not local; with strict it refuses instead.
func checkPlainSecrets(w io.Writer, host string, objs []*unstructured.Unstructured, strict bool) error {
	plain := envs.PlainSecrets(objs)
	if len(plain) == 0 || isLocalHost(host) {
		return nil
	}
	what := fmt.Sprintf("%s hold%s plaintext values from the repository, deploying to %s", strings.Join(plain, ", "), map[bool]string{true: "s", false: ""}[len(plain) == 1], host)
	if strict {
		return fmt.Errorf("%s: refused with --strict; encrypt the files with `berth secrets encrypt -i FILE` (see docs/secrets.md)", what)
	}
	fmt.Fprintf(w, "\nWARNING: %s.\nWARNING: plain secret files are for local clusters only: encrypt them with `berth secrets encrypt -i FILE`.\n\n", what)
	return nil
}

// isLocalHost reports an API server on this machine: localhost or a
// loopback address.
func isLocalHost(host string) bool {
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// renderError is the error of rendering the environment ns, in the same
// words for `berth up` and the TUI's up: a secret the identity cannot
// decrypt names its file, the keys that could open it and why each did
// not (for AWS KMS, the error class), and nothing has been applied.
func renderError(ns string, err error) error {
	return fmt.Errorf("render %s: %w", ns, err)
}
