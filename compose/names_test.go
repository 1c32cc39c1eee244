package compose

import (
	"strings"
	"testing"
)

func TestDNSName(t *testing.T) {
	tests := map[string]string{
		"web":          "web",
		"My_Service.1": "my-service-1",
		"1st":          "x-1st",
		"___":          "x",
		"a--b":         "a-b",
	}
	for in, want := range tests {
		if got := dnsName(in, 63); got != want {
			t.Errorf("dnsName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("service", 20)
	a, b := dnsName(long, 63), dnsName(long+"x", 63)
	if len(a) > 63 || a == b {
		t.Errorf("long names must be cut to 63 and stay distinct: %q %q", a, b)
	}
}

// k8sExpand is Kubernetes' $(VAR) expansion of command, args and env
// values: $$ is a literal $, $(NAME) is replaced when NAME is defined.
func k8sExpand(s string, defined func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
				name := s[i+2 : i+2+end]
				if v, ok := defined(name); ok {
					b.WriteString(v)
				} else {
					b.WriteString(s[i : i+3+end])
				}
				i += 2 + end
				continue
			}
			b.WriteByte('$')
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func TestEscapeK8sVars(t *testing.T) {
	everything := func(string) (string, bool) { return "EXPANDED", true }
	for _, in := range []string{"plain", "$HOME", "$(date)", "pid $$", "a $$(b) ${c}", "trailing $", "$$$", "$($(x))", "echo $(cat /run/secrets/x)"} {
		out := escapeK8sVars(in)
		if got := k8sExpand(out, everything); got != in {
			t.Errorf("escapeK8sVars(%q) = %q, which Kubernetes turns into %q", in, out, got)
		}
	}
}

func TestSplitImage(t *testing.T) {
	tests := []struct{ ref, name, tag, digest string }{
		{"nginx", "nginx", "", ""},
		{"mariadb:10-focal", "mariadb", "10-focal", ""},
		{"localhost:5000/app:1.2", "localhost:5000/app", "1.2", ""},
		{"redis@sha256:abc", "redis", "", "sha256:abc"},
		{"mcr.microsoft.com/azure-sql-edge:1.0.4", "mcr.microsoft.com/azure-sql-edge", "1.0.4", ""},
	}
	for _, tt := range tests {
		n, tag, d := splitImage(tt.ref)
		if n != tt.name || tag != tt.tag || d != tt.digest {
			t.Errorf("splitImage(%q) = %q %q %q", tt.ref, n, tag, d)
		}
	}
}
