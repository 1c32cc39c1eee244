package compose

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// compose's healthcheck defaults.
const (
	defaultHealthInterval = 30 * time.Second
	defaultHealthTimeout  = 30 * time.Second
	defaultHealthRetries  = 3
)

// probes maps a healthcheck to readiness and liveness probes with the same
// handler, plus a startup probe covering start_period. It returns nils when
// there is no healthcheck or it is disabled.
func probes(h *types.HealthCheckConfig) (readiness, liveness, startup *corev1.Probe) {
	if h == nil || h.Disable || len(h.Test) == 0 || h.Test[0] == "NONE" {
		return nil, nil, nil
	}
	handler, ok := probeHandler(h.Test)
	if !ok {
		return nil, nil, nil
	}
	interval := durOr(h.Interval, defaultHealthInterval)
	timeout := durOr(h.Timeout, defaultHealthTimeout)
	retries := int32(defaultHealthRetries)
	if h.Retries != nil {
		retries = int32(min(max(*h.Retries, 1), 1000))
	}
	mk := func(period time.Duration, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     handler,
			PeriodSeconds:    seconds(period),
			TimeoutSeconds:   seconds(timeout),
			FailureThreshold: failures,
		}
	}
	readiness = mk(interval, retries)
	liveness = mk(interval, retries)
	if h.StartPeriod != nil && time.Duration(*h.StartPeriod) > 0 {
		sp := durOr(h.StartInterval, min(interval, 5*time.Second))
		n := int32(min((time.Duration(*h.StartPeriod)+sp-1)/sp, 1000)) + retries
		startup = mk(sp, n)
	}
	return readiness, liveness, startup
}

// seconds rounds d up to whole seconds, at least 1.
func seconds(d time.Duration) int32 {
	s := (d + time.Second - 1) / time.Second
	return int32(max(min(s, 3600), 1))
}

func durOr(d *types.Duration, def time.Duration) time.Duration {
	if d == nil || *d <= 0 {
		return def
	}
	return time.Duration(*d)
}

// probeHandler recognises curl/wget checks against localhost as httpGet,
// `nc -z` as tcpSocket, and runs anything else as an exec probe.
func probeHandler(test types.HealthCheckTest) (corev1.ProbeHandler, bool) {
	var argv []string
	var shell string
	switch test[0] {
	case "CMD":
		argv = test[1:]
	case "CMD-SHELL":
		shell = strings.Join(test[1:], " ")
	default:
		// compose-go normalises a bare string to CMD-SHELL; treat others as argv
		argv = test
	}
	if len(argv) == 0 && shell == "" {
		return corev1.ProbeHandler{}, false
	}
	words := argv
	if shell != "" {
		words = simpleShellWords(shell)
	}
	if h, ok := httpProbe(words); ok {
		return h, true
	}
	if h, ok := tcpProbe(words); ok {
		return h, true
	}
	if shell != "" {
		return corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/sh", "-c", shell}}}, true
	}
	return corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: append([]string(nil), argv...)}}, true
}

// simpleShellWords splits a shell command made only of plain words, with an
// optional trailing "|| exit 1". Anything more complex yields nil.
func simpleShellWords(s string) []string {
	s = strings.TrimSpace(s)
	for _, suffix := range []string{"|| exit 1", "||exit 1", "|| false"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, suffix))
	}
	if strings.ContainsAny(s, "|&;<>()$`\\\"'*{}\n") {
		return nil
	}
	return strings.Fields(s)
}

// httpProbe matches `curl [-f|-s|...] URL` and `wget [-q|--spider|-O-] URL`
// where URL is http(s) on localhost.
func httpProbe(words []string) (corev1.ProbeHandler, bool) {
	if len(words) < 2 {
		return corev1.ProbeHandler{}, false
	}
	tool := words[0][strings.LastIndex(words[0], "/")+1:]
	var okFlags map[string]bool
	switch tool {
	case "curl":
		okFlags = map[string]bool{"-f": true, "--fail": true, "-s": true, "--silent": true, "-S": true, "--show-error": true,
			"-fs": true, "-sf": true, "-fsS": true, "-sSf": true, "-fSs": true, "-Ssf": true, "-sS": true, "-L": true, "--location": true,
			"-o": true, "/dev/null": true, "--head": true, "-I": true}
	case "wget":
		okFlags = map[string]bool{"-q": true, "--quiet": true, "--spider": true, "-O-": true, "-O": true, "-": true, "/dev/null": true,
			"-qO-": true, "--no-verbose": true, "--tries=1": true, "-t1": true, "-S": true, "-nv": true}
	default:
		return corev1.ProbeHandler{}, false
	}
	var raw string
	for _, w := range words[1:] {
		if strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://") {
			if raw != "" {
				return corev1.ProbeHandler{}, false
			}
			raw = w
			continue
		}
		if !okFlags[w] {
			return corev1.ProbeHandler{}, false
		}
	}
	u, err := url.Parse(raw)
	if raw == "" || err != nil || !isLocalHost(u.Hostname()) || u.User != nil {
		return corev1.ProbeHandler{}, false
	}
	scheme := corev1.URISchemeHTTP
	port := int32(80)
	if u.Scheme == "https" {
		scheme, port = corev1.URISchemeHTTPS, 443
	}
	if p := u.Port(); p != "" {
		if port = parsePort(p); port == 0 {
			return corev1.ProbeHandler{}, false
		}
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	g := &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port)}
	if scheme != corev1.URISchemeHTTP {
		g.Scheme = scheme
	}
	return corev1.ProbeHandler{HTTPGet: g}, true
}

// tcpProbe matches `nc -z [-w N] [-v] HOST PORT` on localhost.
func tcpProbe(words []string) (corev1.ProbeHandler, bool) {
	if len(words) < 4 {
		return corev1.ProbeHandler{}, false
	}
	tool := words[0][strings.LastIndex(words[0], "/")+1:]
	if tool != "nc" && tool != "netcat" {
		return corev1.ProbeHandler{}, false
	}
	var rest []string
	z := false
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-z" || w == "-zv" || w == "-vz":
			z = true
		case w == "-v":
		case w == "-w":
			i++
		case strings.HasPrefix(w, "-w") && len(w) > 2:
		case strings.HasPrefix(w, "-"):
			return corev1.ProbeHandler{}, false
		default:
			rest = append(rest, w)
		}
	}
	if !z || len(rest) != 2 || !isLocalHost(rest[0]) {
		return corev1.ProbeHandler{}, false
	}
	port := parsePort(rest[1])
	if port == 0 {
		return corev1.ProbeHandler{}, false
	}
	return corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}}, true
}

func isLocalHost(h string) bool {
	switch h {
	case "localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]":
		return true
	}
	return false
}

// healthcheckPort is the port an HTTP or TCP healthcheck probes, or 0.
func healthcheckPort(h *types.HealthCheckConfig) int32 {
	if h == nil || h.Disable || len(h.Test) == 0 {
		return 0
	}
	hd, ok := probeHandler(h.Test)
	switch {
	case !ok:
		return 0
	case hd.HTTPGet != nil:
		return hd.HTTPGet.Port.IntVal
	case hd.TCPSocket != nil:
		return hd.TCPSocket.Port.IntVal
	}
	return 0
}

// itoa is strconv.Itoa for int32.
func itoa(n int32) string { return strconv.Itoa(int(n)) }
