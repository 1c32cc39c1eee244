package compose

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// waitImage runs the optional wait-for init containers (it has nc).
const waitImage = "busybox:1.37"

// waitInitContainers returns, when Options.WaitInit is set, one init
// container per dependency reachable over TCP that blocks until the
// dependency's first port accepts connections, so that a plain
// `kubectl apply -k` starts services in compose's order. Dependencies on
// Jobs (service_completed_successfully) cannot be awaited this way; berth up
// orders them with the depends-on annotation.
func (c *converter) waitInitContainers(pl *plan) []corev1.Container {
	if !c.o.WaitInit || len(pl.s.DependsOn) == 0 {
		return nil
	}
	var out []corev1.Container
	for _, dep := range sortedKeys(pl.s.DependsOn) {
		d := c.plans[dep]
		if d == nil || d.kind == kindJob || !d.service {
			continue
		}
		var port int32
		for _, p := range d.ports {
			if p.protocol == corev1.ProtocolTCP {
				port = p.port
				break
			}
		}
		if port == 0 {
			c.warn.add(pl.name, "depends_on."+dep, "no TCP port known for %s; no wait-for init container", dep)
			continue
		}
		c.addImage(waitImage)
		addr := fmt.Sprintf("%s %d", d.k8s, port)
		out = append(out, corev1.Container{
			Name:    strings.TrimRight(dnsName("wait-"+d.k8s, 63), "-"),
			Image:   waitImage,
			Command: []string{"sh", "-c", "until nc -z -w 2 " + addr + "; do echo waiting for " + strings.ReplaceAll(addr, " ", ":") + "; sleep 2; done"},
		})
	}
	return out
}
