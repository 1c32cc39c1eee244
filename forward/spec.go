// Package forward runs port-forward sessions: local TCP listeners whose
// connections reach a port of a compose service's pod through the API
// server, following the service from pod to pod (rollouts, spot
// interruptions) while the listeners stay open.
package forward

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/meta"
)

// Spec is one port to forward: local port Local (0: any free port) to
// container port Remote of Service's pods. Remote 0 means every port of
// the service, mapped as its compose file maps them (see Defaults).
type Spec struct {
	Service string
	Local   int
	Remote  int
}

// String is the spec as the command line spells it.
func (s Spec) String() string {
	if s.Remote == 0 {
		return s.Service
	}
	return fmt.Sprintf("%s:%d:%d", s.Service, s.Local, s.Remote)
}

// ParseSpec reads SERVICE or SERVICE:LOCAL:REMOTE.
func ParseSpec(arg string) (Spec, error) {
	parts := strings.Split(arg, ":")
	if parts[0] == "" {
		return Spec{}, fmt.Errorf("forward %q: no service (want SERVICE or SERVICE:LOCAL:REMOTE)", arg)
	}
	switch len(parts) {
	case 1:
		return Spec{Service: parts[0]}, nil
	case 3:
		local, err := parsePort(parts[1], true)
		if err != nil {
			return Spec{}, fmt.Errorf("forward %q: local port: %w", arg, err)
		}
		remote, err := parsePort(parts[2], false)
		if err != nil {
			return Spec{}, fmt.Errorf("forward %q: remote port: %w", arg, err)
		}
		return Spec{Service: parts[0], Local: local, Remote: remote}, nil
	}
	return Spec{}, fmt.Errorf("forward %q: want SERVICE or SERVICE:LOCAL:REMOTE", arg)
}

// ParseSpecs parses every argument, failing on the first bad one.
func ParseSpecs(args []string) ([]Spec, error) {
	specs := make([]Spec, 0, len(args))
	for _, a := range args {
		s, err := ParseSpec(a)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// parsePort reads a TCP port; 0 is allowed for a local port (any free one).
func parsePort(s string, zeroOK bool) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 || n == 0 && !zeroOK {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	return n, nil
}

// Defaults lists what to forward for the services of ns: every TCP port
// of every Service selecting pods (local port = container port), with the local
// port of published instead where it names the same service and remote
// port (compose's "8080:80" is Spec{web, 8080, 80}). only, when not empty,
// keeps those services; a service there with no port is an error.
func Defaults(ctx context.Context, cs kube.Interface, ns string, published []Spec, only []string) ([]Spec, error) {
	list, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list services in %s: %w", ns, err)
	}
	return defaultsOf(list.Items, published, only)
}

func defaultsOf(svcs []corev1.Service, published []Spec, only []string) ([]Spec, error) {
	pub := map[Spec]int{}
	for _, p := range published {
		pub[Spec{Service: p.Service, Remote: p.Remote}] = p.Local
	}
	want := map[string]bool{}
	for _, s := range only {
		want[s] = true
	}
	var out []Spec
	seen := map[string]bool{}
	for _, svc := range svcs {
		name := svc.Labels[meta.LabelService]
		if name == "" {
			name = svc.Name
		}
		if len(want) > 0 && !want[name] && !want[svc.Name] {
			continue
		}
		if len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
			continue // no pods of its own to forward to
		}
		for _, p := range svc.Spec.Ports {
			if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
				continue
			}
			remote := int(p.Port)
			if p.TargetPort.IntValue() > 0 {
				remote = p.TargetPort.IntValue()
			}
			local, ok := pub[Spec{Service: name, Remote: remote}]
			if !ok {
				local = remote
			}
			out = append(out, Spec{Service: name, Local: local, Remote: remote})
			seen[name], seen[svc.Name] = true, true
		}
	}
	for _, s := range only {
		if !seen[s] {
			return nil, fmt.Errorf("service %q has no TCP port to forward", s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Remote < out[j].Remote
	})
	return out, nil
}
