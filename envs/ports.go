package envs

import (
	"context"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/compose"
)

// PublishedPort is a TCP port the app's compose files publish on the host:
// "8080:80" is {Service, 8080, 80}.
type PublishedPort struct {
	Service   string
	Published int
	Target    int
}

// PublishedPorts reads the ports the compose files of the app at root
// publish (cfg.Compose; none when the app deploys a kustomize base).
// Unpublished and UDP ports are left out; compose expands ranges.
func PublishedPorts(ctx context.Context, root string, cfg Config) ([]PublishedPort, error) {
	if cfg.Base != "" {
		return nil, nil
	}
	p, err := compose.Load(ctx, compose.LoadOptions{WorkingDir: root, Files: cfg.Compose})
	if err != nil {
		return nil, err
	}
	var out []PublishedPort
	for _, name := range p.ServiceNames() {
		for _, port := range p.Services[name].Ports {
			if port.Protocol != "" && !strings.EqualFold(port.Protocol, "tcp") {
				continue
			}
			pub, err := strconv.Atoi(port.Published)
			if err != nil || pub <= 0 || port.Target == 0 {
				continue
			}
			out = append(out, PublishedPort{Service: name, Published: pub, Target: int(port.Target)})
		}
	}
	return out, nil
}
